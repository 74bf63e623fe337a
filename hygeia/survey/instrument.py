"""The survey instrument and the published peer figures, both data files, checked on load:
a figure for a question or option the instrument does not have, a share outside 0-100, or
a source that is not listed is refused with the file and entry named."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from hygeia.core import questionnaire
from hygeia.core.questionnaire import DefinitionError, Question

CONTENT = Path(__file__).resolve().parent.parent / "content" / "survey"
SEGMENT_QUESTIONS = ("org_type", "org_size", "region", "role")


class Instrument(questionnaire.Form):
    """The survey's questions; some define reporting segments, some can be proposed from
    Hygeia's own data."""

    extra_keys = frozenset({"segment", "topic", "proposal", "keywords"})

    @property
    def version(self) -> str:
        return str(self.definition["version"])

    @property
    def title(self) -> str:
        return str(self.definition["title"])

    def topics(self) -> list[dict[str, str]]:
        """The report's chapters in order: id, title, intro."""
        return [dict(t) for t in self.definition.get("topics") or []]

    def segments(self) -> list[Question]:
        return [q for q in self.questions if q.spec.get("segment")]


@dataclass(frozen=True)
class Figure:
    question: str
    year: int
    source: dict[str, Any]
    shares: dict[str, float]
    base: str = ""
    note: str = ""
    quoted_in: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Statement:
    question: str
    year: int
    text: str
    source: dict[str, Any]
    quoted_in: tuple[dict[str, Any], ...] = ()


@dataclass
class PeerFigures:
    version: str
    sources: dict[str, dict[str, Any]]
    figures: list[Figure] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)

    def for_question(self, question_id: str) -> list[Figure]:
        return sorted((f for f in self.figures if f.question == question_id), key=lambda f: -f.year)

    def statements_for(self, question_id: str) -> list[Statement]:
        return [s for s in self.statements if s.question == question_id]


def load_instrument(path: Path | None = None) -> Instrument:
    path = path or CONTENT / "instrument.yaml"
    definition = questionnaire.read_mapping(path, ("key", "version", "title"))
    found = Instrument(definition, path.name)
    topics = {str(t.get("id")) for t in found.topics() if isinstance(t, dict) and t.get("title")}
    for question in found.questions:
        if question.spec.get("topic") not in topics:
            raise DefinitionError(
                f"{path.name}: question {question.id}: topic {question.spec.get('topic')!r} "
                "is not one of `topics`"
            )
    for qid in SEGMENT_QUESTIONS:
        if qid not in found.by_id or found.by_id[qid].type != "single":
            raise DefinitionError(f"{path.name}: segment question {qid} must be single-choice")
    return found


def load_figures(instrument: Instrument, path: Path | None = None) -> PeerFigures:
    path = path or CONTENT / "peer_figures.yaml"
    data = questionnaire.read_mapping(path)
    sources = data.get("sources") or {}
    if not isinstance(sources, dict):
        raise DefinitionError(f"{path.name}: `sources` must map keys to sources")

    def source(key: Any, where: str) -> dict[str, Any]:
        if key not in sources:
            raise DefinitionError(f"{path.name}: {where}: source {key!r} is not listed")
        return {"key": key, **sources[key]}

    def entry(raw: Any, number: int, kind: str) -> tuple[Question, int, str]:
        where = f"{kind} {number}"
        if not isinstance(raw, dict):
            raise DefinitionError(f"{path.name}: {where} is not a mapping")
        question = instrument.by_id.get(str(raw.get("question")))
        if question is None:
            raise DefinitionError(f"{path.name}: {where}: unknown question {raw.get('question')!r}")
        year = raw.get("year")
        if not isinstance(year, int) or not 1990 <= year <= 2100:
            raise DefinitionError(f"{path.name}: {where}: `year` must be a year")
        return question, year, where

    figures = []
    for number, raw in enumerate(data.get("figures") or [], 1):
        question, year, where = entry(raw, number, "figure")
        shares = raw.get("shares")
        if not isinstance(shares, dict) or not shares:
            raise DefinitionError(f"{path.name}: {where}: `shares` is missing")
        options = question.option_labels()
        for option, share in shares.items():
            if str(option) not in options:
                raise DefinitionError(
                    f"{path.name}: {where}: {question.id} has no option {option!r}"
                )
            if not isinstance(share, int | float) or not 0 <= share <= 100:
                raise DefinitionError(f"{path.name}: {where}: share for {option} not 0-100")
        if question.type == "single" and sum(shares.values()) > 100.5:
            raise DefinitionError(f"{path.name}: {where}: single-choice shares add up past 100")
        figures.append(
            Figure(
                question=question.id,
                year=year,
                source=source(raw.get("source"), where),
                shares={str(k): float(v) for k, v in shares.items()},
                base=str(raw.get("base", "")),
                note=str(raw.get("note", "")),
                quoted_in=tuple(source(k, where) for k in raw.get("quoted_in") or ()),
            )
        )
    statements = []
    for number, raw in enumerate(data.get("statements") or [], 1):
        question, year, where = entry(raw, number, "statement")
        if not raw.get("text"):
            raise DefinitionError(f"{path.name}: {where}: `text` is missing")
        statements.append(
            Statement(
                question=question.id,
                year=year,
                text=str(raw["text"]),
                source=source(raw.get("source"), where),
                quoted_in=tuple(source(k, where) for k in raw.get("quoted_in") or ()),
            )
        )
    return PeerFigures(str(data.get("version", "")), sources, figures, statements)


@cache
def bundled() -> tuple[Instrument, PeerFigures]:
    instrument = load_instrument()
    return instrument, load_figures(instrument)


def citation(source: dict[str, Any]) -> str:
    """'HIMSS, 2024 HIMSS Healthcare Cybersecurity Survey (2025-02)'."""
    text = f"{source.get('publisher', '')}, {source.get('title', '')}".strip(", ")
    if source.get("published"):
        text += f" ({source['published']})"
    if source.get("url"):
        text += f", {source['url']}"
    return text
