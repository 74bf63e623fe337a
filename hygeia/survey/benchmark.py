"""The hospital against its peers: each answer beside the published distribution for the
same question, year by year, with proposals from Hygeia's own data where there is no
answer yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from hygeia.core import charts, pdf
from hygeia.survey import instrument as content
from hygeia.survey.models import SelfAssessment
from hygeia.survey.proposals import Proposal, propose


@dataclass
class Row:
    question_id: str
    section: str
    text: str
    answer: Any
    answer_label: str
    evidence: str
    proposed: bool
    peer: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "answer": self.answer,
            "evidence": self.evidence,
            "proposed": self.proposed,
            "peer": [{k: v for k, v in p.items() if k != "labelled"} for p in self.peer],
            "statements": self.statements,
        }


def current(year: int | None = None) -> SelfAssessment:
    instrument, _ = content.bundled()
    year = year or timezone.localdate().year
    found, _ = SelfAssessment.objects.get_or_create(
        year=year, defaults={"instrument_version": instrument.version}
    )
    return found


def save(
    assessment: SelfAssessment,
    raw: dict[str, Any],
    accepted: list[str],
    user: str,
    proposals: dict[str, Proposal] | None = None,
) -> dict[str, str]:
    """Store answers given in a form; `accepted` lists questions whose proposal was taken
    as it is (its evidence is kept with the answer). Returns errors by question."""
    instrument, _ = content.bundled()
    if proposals is None:
        proposals = propose(instrument.questions)
    answers = dict(assessment.answers)
    evidence = dict(assessment.accepted_proposals)
    before = dict(answers)
    errors = instrument.merge(answers, {k: v for k, v in raw.items() if k not in accepted})
    for qid in list(evidence):  # changed by hand: the evidence no longer backs the answer
        if answers.get(qid) != before.get(qid):
            evidence.pop(qid)
    for qid in accepted:
        if qid in proposals:
            answers[qid] = proposals[qid].answer
            evidence[qid] = proposals[qid].evidence
    with transaction.atomic():
        assessment.answers = answers
        assessment.accepted_proposals = evidence
        assessment.updated_at = timezone.now()
        assessment.updated_by = user[:150]
        assessment.save()
    return errors


def peer_distribution(question: content.Question, figures: content.PeerFigures) -> list[dict]:
    """Per published year: every option with its share, or None where it was not published."""
    rows = []
    for figure in figures.for_question(question.id):
        rows.append(
            {
                "year": figure.year,
                "respondents": figure.source.get("respondents"),
                "shares": {v: figure.shares.get(v) for v in question.option_labels()},
                "labelled": [
                    (label, figure.shares.get(v)) for v, label in question.option_labels().items()
                ],
                "base": figure.base,
                "note": figure.note,
                "source": content.citation(figure.source),
                "quoted_in": [content.citation(s) for s in figure.quoted_in],
            }
        )
    return rows


def published(peer: dict[str, Any], separator: str) -> str:
    """'Yes 47%; No 42%': the shares a source published, unpublished options left out."""
    return separator.join(f"{label} {s:g}%" for label, s in peer["labelled"] if s is not None)


def rows(
    assessment: SelfAssessment | None = None, proposals: dict[str, Proposal] | None = None
) -> list[Row]:
    instrument, figures = content.bundled()
    assessment = assessment or current()
    if proposals is None:
        proposals = propose(instrument.questions)
    found = []
    visible = {q.id for q in instrument.visible(assessment.answers)}
    for question in instrument.questions:
        if question.id not in visible:
            continue
        answered = question.id in assessment.answers
        proposal = proposals.get(question.id)
        answer = (
            assessment.answers[question.id] if answered else (proposal.answer if proposal else None)
        )
        evidence = (
            assessment.accepted_proposals.get(question.id, "")
            if answered
            else (proposal.evidence if proposal else "")
        )
        found.append(
            Row(
                question_id=question.id,
                section=question.section,
                text=question.text,
                answer=answer,
                answer_label=question.answer_label(answer),
                evidence=evidence,
                proposed=not answered and proposal is not None,
                peer=peer_distribution(question, figures),
                statements=[
                    {"year": s.year, "text": s.text, "source": content.citation(s.source)}
                    for s in figures.statements_for(question.id)
                ],
            )
        )
    return found


def comparison(row: Row) -> str:
    """'47% of peers (2024) gave the same answer' for a single-choice answer with a figure."""
    if not row.peer or row.answer is None:
        return ""
    latest = row.peer[0]
    chosen = row.answer if isinstance(row.answer, list) else [row.answer]
    parts = []
    for value in chosen:
        share = latest["shares"].get(str(value))
        if share is not None:
            parts.append(f"{share:g}%")
    if not parts:
        return f"Peer share for this answer not published ({latest['year']})."
    if isinstance(row.answer, list):
        return f"Peers ({latest['year']}) choosing the same: {', '.join(parts)}."
    return f"{parts[0]} of peers ({latest['year']}) gave the same answer."


def chart(question: content.Question, row: Row) -> Any:
    """The latest published distribution as bars, the hospital's answer marked in the label."""
    if not row.peer:
        return None
    latest = row.peer[0]
    chosen = row.answer if isinstance(row.answer, list) else [row.answer]
    labels, values = [], []
    for value, label in question.option_labels().items():
        share = latest["shares"].get(value)
        if share is None:
            continue
        labels.append(f"» {label}" if value in chosen else label)  # the mark survives truncation
        values.append(share)
    return charts.bars(f"Peers {latest['year']} (%); » marks our answer", labels, {"share": values})


def pdf_report(organization: str) -> bytes:
    instrument, figures = content.bundled()
    found = rows()
    document = pdf.Document(
        f"Cybersecurity survey benchmark — {organization or 'our organization'}"
    )
    document.paragraph(
        f"Our answers to the {instrument.title} (version {instrument.version}) set against "
        f"published peer figures (figures file version {figures.version}). Figures that were "
        "not published are shown as unknown."
    )
    for row in found:
        question = instrument.by_id[row.question_id]
        document.heading(row.text)
        facts = [("Our answer", row.answer_label or "not answered")]
        if row.evidence:
            facts.append(("Evidence", row.evidence))
        compared = comparison(row)
        if compared:
            facts.append(("Peers", compared))
        document.facts(facts)
        if row.peer:
            latest = row.peer[0]
            document.grid(
                ["Answer", *[str(p["year"]) for p in row.peer]],
                [
                    [label, *[_share(p["shares"].get(value)) for p in row.peer]]
                    for value, label in question.option_labels().items()
                ],
                widths=[80] + [100 / len(row.peer)] * len(row.peer),
            )
            document.paragraph("Source: " + latest["source"])
        for statement in row.statements:
            document.paragraph(f"{statement['year']}: {statement['text']} ({statement['source']})")
    return document.render()


def _share(value: float | None) -> str:
    return "unknown" if value is None else f"{value:g}%"
