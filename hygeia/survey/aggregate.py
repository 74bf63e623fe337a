"""An edition's results by segment, published only where no organization can be singled
out: a cell (a question within one segment) based on fewer than five responses shows no
figure, and when one cell of a breakdown is hidden, the next smallest is hidden too, so
that it cannot be worked out by subtracting the others from the total."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from hygeia.survey import instrument as content
from hygeia.survey.editions import instrument_of
from hygeia.survey.models import Edition

MIN_CELL = 5
ALL = "All respondents"
NOT_STATED = "not_stated"


@dataclass
class Cell:
    question_id: str
    dimension: str
    segment: str
    segment_label: str
    n: int
    counts: dict[str, int] = field(default_factory=dict)
    suppressed: bool = False
    reason: str = ""

    @property
    def shares(self) -> dict[str, float]:
        if self.suppressed or not self.n:
            return {}
        return {k: round(100 * v / self.n, 1) for k, v in self.counts.items()}

    def as_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "dimension": self.dimension,
            "segment": self.segment,
            "segment_label": self.segment_label,
            "n": None if self.suppressed else self.n,
            "counts": None if self.suppressed else self.counts,
            "shares": None if self.suppressed else self.shares,
            "suppressed": self.suppressed,
            "reason": self.reason,
        }


def dimensions(form: content.Instrument) -> list[tuple[str, content.Question | None]]:
    return [(ALL, None)] + [(str(q.spec["segment"]), q) for q in form.segments()]


def suppress(cells: list[Cell]) -> None:
    """Primary suppression below MIN_CELL, then complementary suppression within the
    breakdown until the hidden cells are at least two and together at least MIN_CELL."""
    for cell in cells:
        if cell.n < MIN_CELL:
            cell.suppressed, cell.reason = True, f"fewer than {MIN_CELL} responses"

    def hidden() -> list[Cell]:
        return [c for c in cells if c.suppressed]

    while hidden() and (len(hidden()) == 1 or sum(c.n for c in hidden()) < MIN_CELL):
        shown = sorted((c for c in cells if not c.suppressed), key=lambda c: (c.n, c.segment))
        if not shown:
            break
        shown[0].suppressed = True
        shown[0].reason = "hidden so that a smaller hidden cell cannot be derived from the total"


def _tally(question: content.Question, answers: list[dict[str, Any]]) -> tuple[int, dict]:
    counts = {value: 0 for value in question.option_labels()}
    n = 0
    for given in answers:
        value = given.get(question.id)
        if value is None or value == [] or value == "":
            continue
        n += 1
        for chosen in value if isinstance(value, list) else [value]:
            if str(chosen) in counts:
                counts[str(chosen)] += 1
    return n, counts


def aggregate(edition: Edition) -> list[Cell]:
    """The edition's published cells, from each organization's latest submitted version."""
    answers = list(
        edition.responses.filter(current__isnull=False).values_list("current__answers", flat=True)
    )
    return aggregate_answers(instrument_of(edition), answers)


def aggregate_answers(form: content.Instrument, answers: list[dict[str, Any]]) -> list[Cell]:
    breakdowns = []
    for dimension, by in dimensions(form):
        groups: dict[str, list[dict[str, Any]]] = {}
        if by is None:
            groups[ALL] = answers
        else:
            for given in answers:
                groups.setdefault(str(given.get(by.id, NOT_STATED)), []).append(given)
        labels = by.option_labels() if by is not None else {ALL: ALL}
        order = list(labels)
        segments = sorted(groups, key=lambda g: order.index(g) if g in order else len(order))
        breakdowns.append(
            (dimension, [(g, labels.get(g, "Not stated"), groups[g]) for g in segments], by)
        )
    cells: list[Cell] = []
    for question in form.questions:
        if question.type not in ("single", "multiple", "yes_no"):
            continue  # free text and numbers are not published as distributions
        for dimension, segments_of, by in breakdowns:
            breakdown = []
            for segment, label, members in segments_of:
                n, counts = _tally(question, members)
                if by is not None and n == 0:
                    continue
                breakdown.append(Cell(question.id, dimension, segment, label, n, counts))
            suppress(breakdown)
            cells.extend(breakdown)
    return cells


def overall(cells: list[Cell]) -> dict[str, Cell]:
    return {c.question_id: c for c in cells if c.dimension == ALL}


def csv_text(edition: Edition, cells: list[Cell]) -> str:
    """The published aggregates, one row per question, segment and answer; hidden cells
    carry no number."""
    form = instrument_of(edition)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["edition", "question_id", "question", "dimension", "segment", "answer", "n", "count",
         "share_percent", "suppressed"]
    )  # fmt: skip
    for cell in cells:
        question = form.by_id[cell.question_id]
        for value, label in question.option_labels().items():
            writer.writerow(
                [edition.key, cell.question_id, question.text, cell.dimension,
                 cell.segment_label, label,
                 "" if cell.suppressed else cell.n,
                 "" if cell.suppressed else cell.counts.get(value, 0),
                 "" if cell.suppressed else cell.shares.get(value, 0.0),
                 "yes" if cell.suppressed else "no"]
            )  # fmt: skip
    return out.getvalue()
