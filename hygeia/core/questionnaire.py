"""The questionnaire engine shared by vendor assessments and the survey: definitions are data
(sections, questions, conditions, weights); this module checks a definition, decides which
questions are visible for a set of answers, validates answers and scores them.

Scoring is deliberately simple and explainable: each visible scored question earns up to its
weight, and the score is the share earned, 0-100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

TYPES = ("yes_no", "single", "multiple", "text", "date", "number", "file")
QUESTION_KEYS = frozenset({"id", "type", "text", "options", "weight", "required", "show_if",
                           "expect", "full_at", "full_at_most", "help"})  # fmt: skip
OPTION_KEYS = {"value", "label", "score"}


class DefinitionError(ValueError):
    """A questionnaire file that cannot be used; the message names the file and question."""


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    type: str
    text: str
    options: tuple[dict[str, Any], ...]
    weight: float
    required: bool
    show_if: dict[str, Any] | None
    spec: dict[str, Any]

    def option_labels(self) -> dict[str, str]:
        if self.type == "yes_no":
            return {"yes": "Yes", "no": "No", "n/a": "Not applicable"}
        return {str(o["value"]): str(o.get("label", o["value"])) for o in self.options}

    def answer_label(self, value: Any, separator: str = ", ") -> str:
        """An answer as people read it: option labels (joined for several), else the value."""
        labels = self.option_labels()
        if isinstance(value, list):
            return separator.join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), "" if value is None else str(value))


class Form:
    """One questionnaire definition, ready to show, validate and score. A module whose
    definitions carry more keys per question names them in `extra_keys`."""

    extra_keys: frozenset[str] = frozenset()

    def __init__(self, definition: dict[str, Any], origin: str = "questionnaire") -> None:
        self.definition = definition
        self.sections: list[tuple[str, str, list[Question]]] = []
        seen: dict[str, Question] = {}
        for number, section in enumerate(definition.get("sections") or [], 1):
            if not isinstance(section, dict) or not section.get("id"):
                raise DefinitionError(f"{origin}: section {number} has no id")
            questions = []
            for raw in section.get("questions") or []:
                question = _question(raw, str(section["id"]), origin, seen, self.extra_keys)
                seen[question.id] = question
                questions.append(question)
            self.sections.append((str(section["id"]), str(section.get("title", "")), questions))
        if not seen:
            raise DefinitionError(f"{origin}: no questions")
        self.by_id = seen

    @property
    def questions(self) -> list[Question]:
        return list(self.by_id.values())

    def layout(
        self,
        answers: dict[str, Any],
        extra: Callable[[Question], dict[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """Sections ready for the question template (`_question.html`): each question with
        its current answer (`chosen`), whether the answers so far skip it (`hidden`), and
        what `extra` adds for the page."""
        visible = {q.id for q in self.visible(answers)}
        return [
            {
                "title": title,
                "questions": [
                    {"q": q, "chosen": answers.get(q.id), "hidden": q.id not in visible}
                    | (extra(q) if extra else {})
                    for q in questions
                ],
            }
            for _, title, questions in self.sections
        ]

    def visible(self, answers: dict[str, Any]) -> list[Question]:
        shown: list[Question] = []
        for question in self.by_id.values():
            rule = question.show_if
            if rule is None or (
                any(q.id == rule["question"] for q in shown)
                and _condition_holds(rule, answers.get(rule["question"]))
            ):
                shown.append(question)
        return shown

    def coerce(self, question: Question, raw: Any) -> Any:
        """A submitted value as stored: strings from a form become the question's type.
        Raises ValueError with a message for the person answering."""
        if question.type == "multiple":
            values = [str(v) for v in (raw if isinstance(raw, list) else [raw]) if v not in ("",)]
            unknown = [v for v in values if v not in question.option_labels()]
            if unknown:
                raise ValueError(f"not one of the choices: {', '.join(unknown)}")
            return values or None
        text = "" if raw is None else str(raw).strip()
        if not text:
            return None
        if question.type in ("yes_no", "single"):
            labels = question.option_labels()
            lowered = {k.lower(): k for k in labels} | {v.lower(): k for k, v in labels.items()}
            if text.lower() not in lowered:
                raise ValueError(f"not one of the choices: {text}")
            return lowered[text.lower()]
        if question.type == "number":
            try:
                number = float(text.replace(",", ""))
            except ValueError:
                raise ValueError(f"not a number: {text}") from None
            return int(number) if number.is_integer() else number
        if question.type == "date":
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                raise ValueError(f"not a date (YYYY-MM-DD): {text}") from None
        return text[:20000]

    def merge(self, answers: dict[str, Any], raw: Mapping[str, Any]) -> dict[str, str]:
        """Apply submitted values to `answers` in place (an empty value removes the answer).
        Returns the errors by question; those answers stay as they were."""
        errors: dict[str, str] = {}
        for question in self.questions:
            if question.id not in raw:
                continue
            try:
                value = self.coerce(question, raw[question.id])
            except ValueError as exc:
                errors[question.id] = str(exc)
                continue
            if value is None:
                answers.pop(question.id, None)
            else:
                answers[question.id] = value
        return errors

    def missing(self, answers: dict[str, Any], files: Iterable[str] = ()) -> list[Question]:
        """Required visible questions without an answer (files count for file questions)."""
        with_files = set(files)
        return [
            q
            for q in self.visible(answers)
            if q.required
            and (q.id not in with_files if q.type == "file" else _empty(answers.get(q.id)))
        ]

    def score(self, answers: dict[str, Any], files: Iterable[str] = ()) -> float | None:
        with_files = set(files)
        earned = possible = 0.0
        for question in self.visible(answers):
            if question.weight <= 0:
                continue
            possible += question.weight
            earned += question.weight * _credit(question, answers.get(question.id), with_files)
        return round(100 * earned / possible, 1) if possible else None


def _question(
    raw: Any, section: str, origin: str, seen: dict[str, Question], extra: frozenset[str]
) -> Question:
    if not isinstance(raw, dict) or not raw.get("id"):
        raise DefinitionError(f"{origin}: a question in section {section} has no id")
    qid = str(raw["id"])
    where = f"{origin}: question {qid}"
    if qid in seen:
        raise DefinitionError(f"{where}: the id is used twice")
    kind = raw.get("type")
    if kind not in TYPES:
        raise DefinitionError(f"{where}: type {kind!r} is not one of {', '.join(TYPES)}")
    unknown = set(raw) - QUESTION_KEYS - extra
    if unknown:  # usually a YAML slip, e.g. an unquoted comma inside {…}
        raise DefinitionError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    options = tuple(raw.get("options") or ())
    for option in options:
        if not isinstance(option, dict) or "value" not in option or set(option) - OPTION_KEYS:
            raise DefinitionError(f"{where}: an option needs `value` (and only label, score)")
    if kind in ("single", "multiple") and not options:
        raise DefinitionError(f"{where}: a {kind}-choice question needs options")
    rule = raw.get("show_if")
    if rule is not None:
        if not isinstance(rule, dict) or rule.get("question") not in seen:
            raise DefinitionError(f"{where}: show_if must name an earlier question")
        if not {"equals", "in", "above"} & set(rule):
            raise DefinitionError(f"{where}: show_if needs equals, in or above")
    default_weight = 1.0 if kind in ("yes_no", "single", "multiple", "number", "file") else 0.0
    return Question(
        id=qid,
        section=section,
        type=kind,
        text=str(raw.get("text", "")),
        options=options,
        weight=float(raw.get("weight", default_weight)),
        required=bool(raw.get("required", False)),
        show_if=rule,
        spec=raw,
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _condition_holds(rule: dict[str, Any], value: Any) -> bool:
    values = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if "equals" in rule:
        return str(rule["equals"]) in values
    if "in" in rule:
        return bool({str(v) for v in rule["in"]} & set(values))
    try:
        return float(value) > float(rule["above"])
    except (TypeError, ValueError):
        return False


def _credit(question: Question, value: Any, with_files: set[str]) -> float:
    spec = question.spec
    if question.type == "file":
        return 1.0 if question.id in with_files else 0.0
    if _empty(value):
        return 0.0
    if question.type == "yes_no":
        return 1.0 if value in (str(spec.get("expect", "yes")), "n/a") else 0.0
    if question.type in ("single", "multiple"):
        scores = {str(o["value"]): float(o.get("score", 1)) for o in question.options}
        chosen = value if isinstance(value, list) else [value]
        return min(1.0, sum(scores.get(str(v), 0.0) for v in chosen))
    if question.type == "number":
        if "full_at_most" in spec:
            return 1.0 if float(value) <= float(spec["full_at_most"]) else 0.0
        if "full_at" in spec:
            return min(1.0, float(value) / float(spec["full_at"]))
    return 1.0


def posted_answers(form: Form, post: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers and comments from a submitted HTML form (fields `q-ID`, `q-ID-present` for
    check boxes, which send nothing when none is ticked, and `note-ID`)."""
    raw: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for q in form.questions:
        if q.type == "multiple":
            if f"q-{q.id}-present" in post:
                raw[q.id] = post.getlist(f"q-{q.id}")  # type: ignore[attr-defined]
        elif f"q-{q.id}" in post:
            raw[q.id] = post.get(f"q-{q.id}")
        if f"note-{q.id}" in post:
            notes[q.id] = str(post.get(f"note-{q.id}", ""))
    return raw, notes


def read_mapping(
    path: Path, required: Iterable[str] = (), what: str = "a mapping"
) -> dict[str, Any]:
    """A YAML data file that must be a mapping with the `required` keys; errors name it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DefinitionError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise DefinitionError(f"{path.name}: not {what}")
    for key in required:
        if not data.get(key):
            raise DefinitionError(f"{path.name}: `{key}` is missing")
    return data
