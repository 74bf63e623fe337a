"""Answers Hygeia can propose from its own records, each with the evidence behind it, so a
hospital answering the survey starts from what it can show rather than from memory. A
proposal is only a suggestion: the person answering accepts or changes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from hygeia.core.questionnaire import Question


@dataclass(frozen=True)
class Proposal:
    answer: Any
    evidence: str


def _since(today: date) -> datetime:
    """The start of the 12 months before `today`."""
    return datetime.combine(today - timedelta(days=365), time.min, tzinfo=UTC)


def ai_approval_process(question: Question, today: date) -> Proposal | None:
    from hygeia.ai.models import AIReview

    decided = AIReview.objects.filter(decided_at__gte=_since(today)).exclude(status="pending")
    requests = decided.values("tool_id").distinct().count()
    if not requests:
        return None
    return Proposal(
        "yes",
        f"{requests} AI request(s) reviewed in the last 12 months through Hygeia's approval "
        f"workflow ({decided.count()} review decisions).",
    )


def ai_permitted(question: Question, today: date) -> Proposal | None:
    from hygeia.ai.models import APPROVED_STATES, AITool

    approved = AITool.objects.filter(state__in=APPROVED_STATES).count()
    if not approved:
        return None
    return Proposal("permitted", f"{approved} AI tool(s) or use(s) approved in the AI inventory.")


def ai_monitoring(question: Question, today: date) -> Proposal | None:
    from hygeia.ai.models import ShadowReview

    reviewed = ShadowReview.objects.filter(reviewed_at__gte=_since(today)).count()
    if not reviewed:
        return None
    return Proposal(
        "yes",
        f"Shadow-AI monitoring of proxy/DNS logs: {reviewed} AI service(s) seen and decided "
        "in the last 12 months.",
    )


def third_party_program(question: Question, today: date) -> Proposal | None:
    from hygeia.vendors.models import Assessment, Vendor

    if not Vendor.objects.exists():
        return None
    from hygeia.program.operations import vendor_coverage

    assessed = Assessment.objects.filter(created_at__gte=_since(today)).count()
    return Proposal(
        "yes",
        f"{vendor_coverage(today).summary} {assessed} vendor assessment(s) in the last 12 months.",
    )


def insider_program(question: Question, today: date) -> Proposal | None:
    from hygeia.privacy.cases.models import Case
    from hygeia.privacy.models import IngestFile

    last = (
        IngestFile.objects.filter(status=IngestFile.Status.COMMITTED)
        .order_by("-finished_at")
        .first()
    )
    if last is None:
        return None
    cases = Case.objects.filter(created_at__gte=_since(today)).count()
    return Proposal(
        "yes",
        f"Privacy monitoring of EHR access is active (last ingest {last.finished_at:%Y-%m-%d}); "
        f"{cases} investigation case(s) opened in the last 12 months.",
    )


def phishing_simulation(question: Question, today: date) -> Proposal | None:
    from hygeia.program.models import PhishingCampaign

    recent = PhishingCampaign.objects.filter(launched_at__gte=_since(today)).count()
    if not recent:
        return None
    return Proposal("yes", f"{recent} phishing simulation(s) in the last 12 months.")


def training_topics(question: Question, today: date) -> Proposal | None:
    """Topics whose keywords appear in the names of courses completed in the last year."""
    from hygeia.program.models import TrainingRecord

    courses = set(
        TrainingRecord.objects.filter(completed_on__gte=today - timedelta(days=365))
        .values_list("course", flat=True)
        .distinct()
    )
    if not courses:
        return None
    keywords: dict[str, list[str]] = question.spec.get("keywords") or {}
    found: dict[str, list[str]] = {}
    for course in sorted(courses):
        name = f" {course.lower()} "
        for topic, words in keywords.items():
            if any(word in name for word in words):
                found.setdefault(topic, []).append(course)
    if not found:
        return None
    topics = [v for v in question.option_labels() if v in found]
    return Proposal(
        topics,
        "Courses completed in the last 12 months: "
        + "; ".join(f"{question.option_labels()[t]}: {', '.join(found[t][:3])}" for t in topics)
        + ".",
    )


PROPOSERS: dict[str, Callable[[Question, date], Proposal | None]] = {
    "ai_approval_process": ai_approval_process,
    "ai_permitted": ai_permitted,
    "ai_monitoring": ai_monitoring,
    "third_party_program": third_party_program,
    "insider_program": insider_program,
    "phishing_simulation": phishing_simulation,
    "training_topics": training_topics,
}


def propose(questions: list[Question], today: date | None = None) -> dict[str, Proposal]:
    """What Hygeia's records say, for the questions that name a proposal."""
    today = today or timezone.localdate()
    found: dict[str, Proposal] = {}
    for question in questions:
        proposer = PROPOSERS.get(str(question.spec.get("proposal", "")))
        proposal = proposer(question, today) if proposer else None
        if proposal is not None:
            found[question.id] = proposal
    return found
