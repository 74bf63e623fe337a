"""Intake and approval of AI tools: a request becomes an inventory entry in review with the
stages of content/ai/review.yaml that apply to its risk tier; stages are decided in order;
any stage can ask for changes (the requester edits and resubmits) or reject; the last
approval approves the entry (with the conditions collected on the way) and schedules its
re-review by tier. Reminders e-mail reviewers of stages waiting too long and owners of
re-reviews coming due."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from difflib import SequenceMatcher
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hygeia.ai import content, inventory
from hygeia.ai.models import APPROVED_STATES, AIComment, AIReview, AITool
from hygeia.core import notify
from hygeia.core.models import User
from hygeia.core.permissions import has, users_with

S = AIReview.Status
DECISIONS: dict[str, str] = {
    S.APPROVED: "Approve",
    S.CONDITIONS: "Approve with conditions",
    S.CHANGES: "Request changes",
    S.REJECTED: "Reject",
}
WAITING_DAYS = 5  # a stage pending longer than this is reminded about
RE_REVIEW_NOTICE_DAYS = 30


class IntakeError(ValueError):
    """A step not allowed now; the message says why."""


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


@dataclass(frozen=True)
class Similar:
    tool: AITool
    score: float
    why: str


def similar(name: str, vendor: str = "", domains: list[str] | None = None) -> list[Similar]:
    """Inventory entries a new request probably duplicates: close names, the same vendor
    with a shared word, or a shared domain."""
    found: list[Similar] = []
    wanted = _words(name)
    domain_set = {d.lower() for d in domains or []}
    for tool in AITool.objects.exclude(state=AITool.State.RETIRED).only(
        "reference", "name", "vendor", "domains", "state"
    ):
        ratio = SequenceMatcher(None, name.lower(), tool.name.lower()).ratio()
        shared = wanted & _words(tool.name)
        reasons = []
        score = ratio
        if ratio >= 0.75:
            reasons.append("similar name")
        if vendor and tool.vendor and vendor.lower() == tool.vendor.lower() and shared:
            reasons.append("same vendor")
            score = max(score, 0.8)
        if shared and len(shared) >= max(1, len(wanted) // 2) and "similar name" not in reasons:
            reasons.append("shared words: " + ", ".join(sorted(shared)))
            score = max(score, 0.6)
        if domain_set & {d.lower() for d in tool.domains}:
            reasons.append("same web domain")
            score = 1.0
        if reasons:
            found.append(Similar(tool, round(score, 2), "; ".join(reasons)))
    return sorted(found, key=lambda s: -s.score)[:10]


def _open_stages(tool: AITool, round_number: int) -> None:
    tier = tool.effective_tier
    applicable = [s for s in content.stages() if s.applies_to(tier)]
    for position, stage in enumerate(applicable, start=1):
        AIReview.objects.create(
            tool=tool,
            round=round_number,
            position=position,
            stage=stage.id,
            title=stage.title,
            checklist={item: False for item in stage.checklist},
        )


@transaction.atomic
def submit(tool: AITool, requester: Any) -> AITool:
    """A new request: saved in review with its stages."""
    if not tool.name.strip():
        raise IntakeError("name the AI tool or use")
    if not tool.intended_use.strip():
        raise IntakeError("describe the intended use")
    tool.state = AITool.State.IN_REVIEW
    tool.requester = requester if getattr(requester, "is_authenticated", False) else None
    if tool.requester and not tool.owner_id and not tool.owner_name:
        tool.owner = tool.requester
    inventory.save(tool, _name(requester), "requested")
    _open_stages(tool, 1)
    _tell_reviewers(tool, current(tool))
    return tool


def _name(user: Any) -> str:
    return user.get_username() if getattr(user, "is_authenticated", False) else "system"


def reviews(tool: AITool) -> list[AIReview]:
    latest = tool.reviews.order_by("-round").values_list("round", flat=True).first()
    return list(tool.reviews.filter(round=latest or 0).order_by("position"))


def current(tool: AITool) -> AIReview | None:
    """The first stage of the latest round still pending (None when decided)."""
    for review in reviews(tool):
        if review.status == S.PENDING:
            return review
        if review.status in (S.CHANGES, S.REJECTED):
            return None
    return None


@transaction.atomic
def decide(
    review: AIReview,
    user: Any,
    decision: str,
    rationale: str = "",
    conditions: str = "",
    ticked: list[str] | None = None,
) -> None:
    tool = review.tool
    if current(tool) != review:
        raise IntakeError("only the current stage can be decided")
    if decision not in DECISIONS:
        raise IntakeError(f"unknown decision {decision!r}")
    if decision == S.CONDITIONS and not conditions.strip():
        raise IntakeError("state the conditions")
    if decision in (S.CHANGES, S.REJECTED) and not rationale.strip():
        raise IntakeError("say why: the requester and the record need the reason")
    review.checklist = {item: item in (ticked or []) for item in review.checklist}
    if decision in (S.APPROVED, S.CONDITIONS) and not all(review.checklist.values()):
        missing = [item for item, done in review.checklist.items() if not done]
        raise IntakeError("tick every checklist item before approving: " + "; ".join(missing))
    review.status = decision
    review.rationale = rationale.strip()
    review.conditions = conditions.strip()
    review.decided_by = _name(user)
    review.decided_at = timezone.now()
    review.save()
    AIComment.objects.create(
        tool=tool,
        stage=review.stage,
        author=_name(user),
        text=f"{review.title}: {DECISIONS[decision]}"
        + (f" — {review.rationale}" if review.rationale else "")
        + (f" Conditions: {review.conditions}" if review.conditions else ""),
    )
    if decision == S.REJECTED:
        tool.state = AITool.State.REJECTED
        tool.decision_rationale = f"{review.title}: {review.rationale}"
        inventory.save(tool, _name(user), f"rejected at {review.title}")
        _tell_requester(tool, "was rejected", review.rationale)
    elif decision == S.CHANGES:
        tool.state = AITool.State.PROPOSED
        inventory.save(tool, _name(user), f"changes requested at {review.title}")
        _tell_requester(tool, "needs changes", review.rationale)
    else:
        following = current(tool)
        if following is None:
            _approve(tool, user)
        else:
            _tell_reviewers(tool, following)


def _approve(tool: AITool, user: Any) -> None:
    conditions = [f"{r.title}: {r.conditions}" for r in reviews(tool) if r.status == S.CONDITIONS]
    tool.state = AITool.State.CONDITIONS if conditions else AITool.State.APPROVED
    tool.conditions = "\n".join(conditions)
    tool.decision_rationale = "; ".join(
        f"{r.title}: {r.rationale}" for r in reviews(tool) if r.rationale
    )
    months = content.risk().review_months(tool.effective_tier)
    tool.next_review_on = timezone.localdate() + timedelta(days=30 * months)
    inventory.save(tool, _name(user), "approved" + (" with conditions" if conditions else ""))
    _tell_requester(tool, "was approved" + (" with conditions" if conditions else ""), "")


@transaction.atomic
def resubmit(tool: AITool, user: Any) -> None:
    """After changes were requested: a new round of every applicable stage."""
    if tool.state != AITool.State.PROPOSED or not tool.reviews.exists():
        raise IntakeError("only a request sent back for changes can be resubmitted")
    latest = max(r.round for r in reviews(tool))
    tool.state = AITool.State.IN_REVIEW
    inventory.save(tool, _name(user), "resubmitted after changes")
    _open_stages(tool, latest + 1)
    _tell_reviewers(tool, current(tool))


@transaction.atomic
def start_re_review(tool: AITool, user: Any) -> None:
    """The scheduled re-review of an approved entry: a new round of stages."""
    if tool.state not in APPROVED_STATES:
        raise IntakeError("only approved entries are re-reviewed")
    latest = max((r.round for r in reviews(tool)), default=0)
    tool.state = AITool.State.IN_REVIEW
    tool.next_review_on = None
    inventory.save(tool, _name(user), "re-review started")
    _open_stages(tool, latest + 1)
    _tell_reviewers(tool, current(tool))


def assign(review: AIReview, assignee: User | None, user: Any) -> None:
    """Give the current stage to one reviewer (who is told by e-mail), or to all of them."""
    if current(review.tool) != review:
        raise IntakeError("only the current stage can be assigned")
    if assignee is not None and not has(assignee, "review_ai_requests"):
        raise IntakeError(f"{assignee.get_username()} does not review AI requests")
    review.assignee = assignee
    review.save()
    who = assignee.get_username() if assignee else "any reviewer"
    AIComment.objects.create(
        tool=review.tool, stage=review.stage, author=_name(user),
        text=f"{review.title} assigned to {who}.",
    )  # fmt: skip
    _tell_reviewers(review.tool, review)


def reviewers() -> list[User]:
    return users_with("review_ai_requests")


def comment(tool: AITool, user: Any, text: str) -> AIComment:
    if not text.strip():
        raise IntakeError("the comment is empty")
    stage = current(tool)
    return AIComment.objects.create(
        tool=tool, stage=stage.stage if stage else "", author=_name(user), text=text.strip()
    )


# --- e-mail ------------------------------------------------------------------------------


def _reviewers(review: AIReview) -> list[str]:
    if review.assignee and review.assignee.email:
        return [review.assignee.email]
    return [u.email for u in users_with("review_ai_requests", with_email=True)]


def _link(tool: AITool) -> str:
    return notify.link(reverse("ai:detail", kwargs={"reference": tool.reference}))


def _tell_reviewers(tool: AITool, review: AIReview | None) -> None:
    if review is None:
        return
    notify.send_email(
        _reviewers(review),
        f"AI request {tool.reference} waits for {review.title.lower()}",
        f"{tool.name} ({tool.reference}, {tool.effective_tier} risk) is ready for "
        f"{review.title.lower()}.\n\n{_link(tool)}\n",
    )


def _tell_requester(tool: AITool, outcome: str, why: str) -> None:
    if tool.requester and tool.requester.email:
        notify.send_email(
            [tool.requester.email],
            f"Your AI request {tool.reference} {outcome}",
            f"{tool.name} ({tool.reference}) {outcome}."
            + (f"\n\nWhy: {why}" if why else "")
            + f"\n\n{_link(tool)}\n",
        )


def remind(today: date) -> dict[str, int]:
    """E-mail reviewers of stages pending more than WAITING_DAYS, and owners of re-reviews
    due within RE_REVIEW_NOTICE_DAYS (or overdue)."""
    waiting = 0
    for tool in AITool.objects.filter(state=AITool.State.IN_REVIEW):
        review = current(tool)
        if review and (today - review.opened_at.date()).days > WAITING_DAYS:
            waiting += notify.send_email(
                _reviewers(review),
                f"Reminder: AI request {tool.reference} has waited "
                f"{(today - review.opened_at.date()).days} days for {review.title.lower()}",
                f"{tool.name} ({tool.reference}).\n\n{_link(tool)}\n",
            )
    due = 0
    horizon = today + timedelta(days=RE_REVIEW_NOTICE_DAYS)
    for tool in AITool.objects.filter(next_review_on__lte=horizon).select_related("owner"):
        if tool.owner and tool.owner.email:
            due += notify.send_email(
                [tool.owner.email],
                f"Re-review of {tool.reference} {tool.name} due {tool.next_review_on:%Y-%m-%d}",
                f"The {tool.effective_tier}-risk AI entry {tool.name} is due for its "
                f"scheduled re-review.\n\n{_link(tool)}\n",
            )
    return {"waiting": waiting, "re_reviews": due}
