"""The edition's report, as HTML and PDF: methodology and respondents, then a chapter per
topic with the overall distribution (chart), the breakdown by segment (hidden cells shown
as such), the trend over earlier editions and the published peer figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hygeia.core import charts, pdf
from hygeia.survey import aggregate as agg
from hygeia.survey import instrument as content
from hygeia.survey.benchmark import peer_distribution, published
from hygeia.survey.editions import instrument_of, progress
from hygeia.survey.models import Edition, Response

HIDDEN = "—"
KEY_QUESTIONS = ("it_budget_change", "significant_incident", "compromise_vectors", "ransomware",
                 "ai_approval_process", "ai_monitoring", "third_party_program",
                 "insider_program")  # fmt: skip


@dataclass
class QuestionResult:
    question: content.Question
    overall: agg.Cell
    headline: str
    chart: Any
    segments: list[tuple[str, list[agg.Cell]]]
    trend: list[tuple[str, dict[str, float | None]]] = field(default_factory=list)
    peer: list[dict[str, Any]] = field(default_factory=list)

    def table_rows(self) -> list[dict[str, Any]]:
        """The breakdown by segment, ready to show: hidden cells carry no number."""
        return [
            {"label": f"{dimension}: {cell.segment_label}",
             "n": HIDDEN if cell.suppressed else str(cell.n),
             "shares": self.share_row(cell), "suppressed": cell.suppressed,
             "reason": cell.reason}
            for dimension, group in self.segments
            for cell in group
        ]  # fmt: skip

    def trend_rows(self) -> list[tuple[str, list[tuple[str, float | None]]]]:
        labels = self.question.option_labels()
        return [(year, [(labels[v], s) for v, s in shares.items()]) for year, shares in self.trend]

    def share_row(self, cell: agg.Cell) -> list[str]:
        if cell.suppressed:
            return [HIDDEN for _ in self.question.option_labels()]
        return [f"{cell.shares.get(v, 0.0):g}%" for v in self.question.option_labels()]


def _headline(
    question: content.Question, cell: agg.Cell, peer: list[dict[str, Any]] | None = None
) -> str:
    """The sentence a survey report would lead with, set against the latest published share
    of the same answer where there is one."""
    labels = question.option_labels()
    if cell.suppressed:
        return f"Fewer than {agg.MIN_CELL} responses: no figure is published."
    ranked = sorted(cell.shares.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] == 0:
        return "No answers."
    value, share = ranked[0]
    text = f"{share:g}% of the {cell.n} organizations answering chose “{labels[value]}”"
    if len(ranked) > 1 and ranked[1][1] > 0:
        second, share2 = ranked[1]
        text += f", followed by “{labels[second]}” ({share2:g}%)"
    published = next((p for p in peer or [] if p["shares"].get(value) is not None), None)
    if published is not None:
        text += f" (published {published['year']}: {published['shares'][value]:g}%)"
    return text + "."


def _earlier(edition: Edition) -> list[tuple[Edition, dict[str, agg.Cell]]]:
    """Closed earlier editions, oldest first, with their overall results."""
    older = Edition.objects.filter(status=Edition.Status.CLOSED, year__lt=edition.year).order_by(
        "year"
    )
    return [(e, agg.overall(agg.aggregate(e))) for e in older]


def build(edition: Edition) -> dict[str, Any]:
    form = instrument_of(edition)
    _, figures = content.bundled()
    cells = agg.aggregate(edition)
    overall = agg.overall(cells)
    earlier = _earlier(edition)
    chapters: list[dict[str, Any]] = []
    for chapter in form.topics():
        topic = chapter["id"]
        results = []
        for question in form.questions:
            if question.spec.get("topic") != topic or question.id not in overall:
                continue
            cell = overall[question.id]
            labels = question.option_labels()
            segments = [
                (dimension, [c for c in cells if c.question_id == question.id
                             and c.dimension == dimension])
                for dimension, by in agg.dimensions(form)
                if by is not None and by.id != question.id
            ]  # fmt: skip
            trend = [
                (str(e.year), {v: (None if (c := past.get(question.id)) is None or c.suppressed
                                   else c.shares.get(v)) for v in labels})
                for e, past in [*earlier, (edition, overall)]
            ]  # fmt: skip
            peer = peer_distribution(question, figures)
            results.append(
                QuestionResult(
                    question=question,
                    overall=cell,
                    headline=_headline(question, cell, peer),
                    chart=None
                    if cell.suppressed
                    else charts.bars(
                        "Share of responses (%)",
                        list(labels.values()),
                        {"share": [cell.shares.get(v, 0.0) for v in labels]},
                    ),
                    segments=segments,
                    trend=trend,
                    peer=peer,
                )
            )
        if results:
            chapters.append({**chapter, "topic": topic, "results": results})
    answered: dict[str, QuestionResult] = {r.question.id: r for c in chapters for r in c["results"]}
    return {
        "edition": edition,
        "key_findings": [
            (answered[q].question.text, answered[q].headline)
            for q in KEY_QUESTIONS
            if q in answered
        ],
        "progress": progress(edition),
        "chapters": chapters,
        "respondents": overall["role"].n if "role" in overall else 0,
        "min_cell": agg.MIN_CELL,
        "hidden": HIDDEN,
        "figures_version": figures.version,
    }


def _pct(value: float | None) -> str:
    return HIDDEN if value is None else f"{value:g}%"


def pdf_report(edition: Edition) -> bytes:
    data = build(edition)
    stats = data["progress"]
    document = pdf.Document(edition.title, f"Survey report · {data['respondents']} respondents")
    document.heading("Methodology")
    document.paragraph(
        f"{stats['invited']} organizations were invited with a link for their organization "
        f"only; {stats['submitted']} submitted a response"
        + (f" ({stats['amended']} amended it later)" if stats["amended"] else "")
        + f". Responses were collected until {edition.closes_on:%Y-%m-%d}. Figures are shares "
        f"of the organizations that answered each question. No figure is published for a "
        f"segment with fewer than {agg.MIN_CELL} responses, and a second segment is hidden "
        f"where the first could otherwise be derived; hidden figures show as {HIDDEN}. "
        f"Published peer figures (version {data['figures_version']}) are cited beside each "
        "question; where a share was not published it is shown as unknown."
    )
    if data["key_findings"]:
        document.heading("Key findings")
        for question, headline in data["key_findings"]:
            document.paragraph(f"{question} {headline}")
    for chapter in data["chapters"]:
        document.add_page()
        document.heading(chapter["title"])
        if chapter.get("intro"):
            document.paragraph(chapter["intro"])
        for result in chapter["results"]:
            question = result.question
            labels = question.option_labels()
            document.heading(question.text)
            document.paragraph(result.headline)
            if not result.overall.suppressed:
                document.bars(
                    "All respondents",
                    [(labels[v], result.overall.shares.get(v, 0.0)) for v in labels],
                    unit="%",
                )
            width = 110 / max(len(labels), 1)
            rows = [[row["label"], row["n"], *row["shares"]] for row in result.table_rows()]
            if rows:
                document.grid(
                    ["Segment", "n", *labels.values()], rows, [55, 15] + [width] * len(labels)
                )
            if len(result.trend) > 1:
                document.grid(
                    ["Edition", *labels.values()],
                    [[year, *[_pct(s.get(v)) for v in labels]] for year, s in result.trend],
                    [70] + [110 / len(labels)] * len(labels),
                )
            for peer in result.peer:
                document.paragraph(
                    f"Published {peer['year']}: {published(peer, ', ')}. Source: {peer['source']}.",
                    size=8,
                )
    return document.render()


def participant_pdf(response: Response) -> bytes:
    """One organization's answers beside the edition's published results (once it is
    closed) and the published peer figures."""
    edition = response.edition
    form = instrument_of(edition)
    _, figures = content.bundled()
    closed = edition.status == Edition.Status.CLOSED
    overall = agg.overall(agg.aggregate(edition)) if closed else {}
    answers = response.current.answers if response.current else {}
    document = pdf.Document(
        f"{edition.title}: {response.participant.name}",
        f"Response version {response.current.number if response.current else '-'}"
        f" · digest {response.current.digest[:16] if response.current else '-'}",
    )
    if not closed:
        document.paragraph(
            "The edition is still open: the comparison with other respondents appears once it "
            "closes. Published peer figures are shown meanwhile."
        )
    for question in form.questions:
        if question.id not in answers:
            continue
        labels = question.option_labels()
        document.heading(question.text)
        facts = [("Our answer", question.answer_label(answers[question.id], "; "))]
        cell = overall.get(question.id)
        if cell is not None:
            facts.append(
                ("All respondents",
                 "not published (too few responses)" if cell.suppressed else
                 "; ".join(f"{labels[v]} {cell.shares.get(v, 0.0):g}%" for v in labels))
            )  # fmt: skip
        for peer in peer_distribution(question, figures):
            facts.append((f"Published {peer['year']}", published(peer, "; ")))
        document.facts(facts)
    return document.render()
