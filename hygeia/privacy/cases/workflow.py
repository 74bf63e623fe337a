"""What can happen to alerts and cases, in one place for the web pages, the API and the
command line: triage, opening a case, moving it through its statuses, notes, evidence,
outside reviewers, the decision (which teaches the detectors) and sanctions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hygeia.core import audit, notify, sequences, uploads
from hygeia.privacy.cases.models import (
    Case,
    CaseAttachment,
    CaseNote,
    ReviewerInvite,
    Sanction,
)
from hygeia.privacy.cases.vocabulary import vocabulary
from hygeia.privacy.models import Alert, Incident

S = Case.Status
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.NEW: (S.INVESTIGATING, S.AWAITING_INTERVIEW),
    S.INVESTIGATING: (S.AWAITING_INTERVIEW, S.DECIDED),
    S.AWAITING_INTERVIEW: (S.INVESTIGATING, S.DECIDED),
    S.DECIDED: (S.CLOSED, S.INVESTIGATING),
    S.CLOSED: (S.INVESTIGATING,),
}
TRIAGE_ACTIONS = {
    "review": "Mark in review",
    "reopen": "Reopen",
    "false_positive": "Close as false positive",
    "appropriate": "Close as appropriate",
}


class WorkflowError(ValueError):
    """A step that is not allowed now; the message says why, in the reviewer's words."""


def _name(user: Any) -> str:
    return user.get_username() if user is not None else "system"


@transaction.atomic
def triage(alert_ids: Iterable[int], action: str, user: Any, reason: str = "") -> int:
    """Apply one triage action to many alerts; alerts in a case are left to the case."""
    if action not in TRIAGE_ACTIONS:
        raise WorkflowError(f"unknown triage action {action!r}")
    found = Alert.objects.filter(pk__in=list(alert_ids)).exclude(status=Alert.Status.IN_CASE)
    if action == "review":
        changed = found.update(status=Alert.Status.IN_REVIEW)
    elif action == "reopen":
        changed = found.update(status=Alert.Status.NEW, disposition="", disposition_note="")
    else:
        note = reason.strip() or TRIAGE_ACTIONS[action].lower()
        changed = found.update(
            status=Alert.Status.CLOSED,
            disposition=Alert.Disposition.FALSE_POSITIVE,
            disposition_note=f"{action}: {note}"[:2000],
        )
    audit.record(
        audit.Action.UPDATE,
        summary=f"privacy alerts triaged: {TRIAGE_ACTIONS[action].lower()} ({changed})",
        object_type="privacy_alert",
        details={"action": action, "alerts": sorted(int(i) for i in alert_ids)[:500]},
    )
    return changed


def _next_number() -> str:
    prefix = f"C-{timezone.now().year}-"
    return sequences.next_reference(Case.objects.select_for_update(), "number", prefix, 4)


@transaction.atomic
def open_case(
    user: Any,
    incidents: Iterable[Incident] = (),
    alerts: Iterable[Alert] = (),
    title: str = "",
) -> Case:
    """A case for the given incidents and for the incidents of the given alerts. Every alert
    of those incidents moves into the case."""
    chosen = {i.pk: i for i in incidents}
    loose = []
    for alert in alerts:
        if alert.incident_id is not None:
            chosen.setdefault(alert.incident_id, alert.incident)  # type: ignore[arg-type]
        else:
            loose.append(alert)
    if not chosen and not loose:
        raise WorkflowError("choose at least one incident or alert to open a case")
    taken = Case.objects.filter(incidents__in=list(chosen)).exclude(status=S.CLOSED).first()
    if taken is not None:
        raise WorkflowError(f"an incident chosen is already in open case {taken.number}")
    subjects = sorted({i.user_id for i in chosen.values()} | {a.user_id for a in loose})
    case = Case.objects.create(
        number=_next_number(),
        title=(title.strip() or f"Access by {', '.join(subjects)}")[:200],
        subjects=subjects,
        assignee=user if getattr(user, "is_authenticated", False) else None,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    case.incidents.set(chosen.values())
    moved = Alert.objects.filter(incident__in=list(chosen)) | Alert.objects.filter(
        pk__in=[a.pk for a in loose]
    )
    moved.update(status=Alert.Status.IN_CASE)
    _log(case, user, "system", f"Case opened from {len(chosen)} incident(s).")
    return case


def _log(case: Case, user: Any, kind: str, text: str, author_name: str = "") -> CaseNote:
    return CaseNote.objects.create(
        case=case,
        author=user if getattr(user, "is_authenticated", False) else None,
        author_name=author_name or _name(user),
        kind=kind,
        text=text,
    )


def add_note(case: Case, user: Any, text: str) -> CaseNote:
    if not text.strip():
        raise WorkflowError("a note needs some text")
    return _log(case, user, "note", text.strip()[:20000])


@transaction.atomic
def set_status(case: Case, status: str, user: Any) -> None:
    if status not in TRANSITIONS.get(case.status, ()):
        allowed = ", ".join(Case.Status(s).label for s in TRANSITIONS.get(case.status, ()))
        raise WorkflowError(
            f"a {case.get_status_display().lower()} case can move to: {allowed or 'nothing'}"
        )
    if status == S.DECIDED and not case.disposition:
        raise WorkflowError("record the disposition first: it decides the case")
    before = case.get_status_display()
    case.status = status
    case.closed_at = timezone.now() if status == S.CLOSED else None
    case.save()
    if status == S.INVESTIGATING and before in ("Decided", "Closed"):
        Alert.objects.filter(incident__cases=case).update(status=Alert.Status.IN_CASE)
    if status == S.CLOSED:
        Alert.objects.filter(incident__cases=case).update(status=Alert.Status.CLOSED)
    _log(case, user, "status", f"{before} → {case.get_status_display()}")


def assign(case: Case, assignee: Any, user: Any) -> None:
    case.assignee = assignee
    case.save()
    _log(case, user, "system", f"Assigned to {_name(assignee) if assignee else 'nobody'}.")


@transaction.atomic
def decide(
    case: Case,
    user: Any,
    disposition: str,
    rationale: str,
    violation_category: str = "",
    false_positive_reason: str = "",
) -> None:
    """Record how the case ends. The alerts of its incidents take the disposition's verdict,
    which is what `hygeia privacy tune` learns from."""
    words = vocabulary()
    if disposition not in words.dispositions:
        raise WorkflowError(f"unknown disposition {disposition!r}")
    if disposition == "violation" and violation_category not in words.violation_categories:
        raise WorkflowError("a policy violation needs its category")
    if disposition == "false_positive" and false_positive_reason not in (
        words.false_positive_reasons
    ):
        raise WorkflowError("a false positive needs its reason")
    if not rationale.strip():
        raise WorkflowError("say why: the rationale is part of the record")
    chosen = words.dispositions[disposition]
    case.disposition = disposition
    case.violation_category = violation_category if disposition == "violation" else ""
    case.false_positive_reason = false_positive_reason if disposition == "false_positive" else ""
    case.disposition_rationale = rationale.strip()
    case.decided_at = timezone.now()
    if case.status in (S.NEW, S.INVESTIGATING, S.AWAITING_INTERVIEW):
        before = case.get_status_display()
        case.status = S.DECIDED
        _log(case, user, "status", f"{before} → {case.get_status_display()}")
    case.save()
    detail = (
        words.violation_categories.get(violation_category)
        or words.false_positive_reasons.get(false_positive_reason)
        or ""
    )
    Alert.objects.filter(incident__cases=case).update(
        disposition=chosen.feeds,
        disposition_note=f"case {case.number}: {chosen.title}" + (f" ({detail})" if detail else ""),
    )
    _log(case, user, "system", f"Decided: {chosen.title}" + (f" — {detail}" if detail else ""))


def add_sanction(
    case: Case, user: Any, subject: str, kind: str, effective_on: date, note: str = ""
) -> Sanction:
    if case.disposition != "violation":
        raise WorkflowError("sanctions follow a decided policy violation")
    if kind not in vocabulary().sanctions:
        raise WorkflowError(f"unknown sanction {kind!r}")
    if subject not in case.subjects:
        raise WorkflowError(f"{subject!r} is not an employee investigated in this case")
    sanction = Sanction.objects.create(
        user_id=subject,
        case=case,
        kind=kind,
        effective_on=effective_on,
        note=note.strip(),
        recorded_by=_name(user),
    )
    _log(case, user, "system", f"Sanction recorded for {subject}: {vocabulary().sanctions[kind]}.")
    return sanction


def attachments_root() -> Path:
    return Path(settings.DATA_DIR) / "case-files"


def attach(case: Case, name: str, handle: IO[bytes], size: int, uploaded_by: str) -> CaseAttachment:
    """Check the file (size, type by content) and store it outside the web root."""
    try:
        saved = uploads.store(attachments_root(), case.number, name, handle, size)
    except ValidationError as exc:
        raise WorkflowError(" ".join(exc.messages)) from exc
    if saved.kind not in vocabulary().attachment_types:
        uploads.stored_path(attachments_root(), saved.stored_as).unlink()
        raise WorkflowError(f"{saved.name}: {saved.kind} files are not accepted as case evidence")
    attachment = CaseAttachment.objects.create(
        case=case,
        name=saved.name,
        kind=saved.kind,
        size=saved.size,
        sha256=saved.sha256,
        stored_as=saved.stored_as,
        uploaded_by=uploaded_by,
    )
    _log(case, None, "system", f"File attached: {saved.name}.", author_name=uploaded_by)
    return attachment


def attachment_path(attachment: CaseAttachment) -> Path:
    try:
        return uploads.stored_path(attachments_root(), attachment.stored_as)
    except ValidationError as exc:
        raise WorkflowError("attachment outside the case-file folder") from exc


def invite_reviewer(case: Case, user: Any, name: str, email: str) -> tuple[ReviewerInvite, str]:
    """An expiring link to this case only. The token is shown once (and e-mailed); only its
    hash is stored."""
    if not name.strip() or "@" not in email:
        raise WorkflowError("an outside reviewer needs a name and an e-mail address")
    invite, token = ReviewerInvite.issue(
        timezone.now() + timedelta(days=vocabulary().reviewer_link_days),
        case=case,
        name=name.strip()[:200],
        email=email.strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    url = notify.link(reverse("review:case", kwargs={"token": token}))
    notify.send_email(
        [invite.email],
        f"You are asked to review case {case.number}",
        f"Hello {invite.name},\n\nThe privacy office asks for your statement on case "
        f"{case.number}. The link below opens that case only and works until "
        f"{invite.expires_at:%Y-%m-%d}.\n\n{url}\n\nDo not forward this message.\n",
    )
    _log(case, user, "system", f"Outside reviewer invited: {invite.name}.")
    return invite, token


def find_invite(token: str) -> ReviewerInvite | None:
    found: ReviewerInvite | None = ReviewerInvite.find(token, "case")
    return found


def revoke_invite(invite: ReviewerInvite, user: Any) -> None:
    invite.revoked_at = timezone.now()
    invite.save()
    _log(invite.case, user, "system", f"Reviewer link of {invite.name} revoked.")


def reviewer_statement(invite: ReviewerInvite, text: str) -> CaseNote:
    if not text.strip():
        raise WorkflowError("the statement is empty")
    return _log(
        invite.case,
        None,
        "reviewer",
        text.strip()[:20000],
        author_name=f"{invite.name} (outside reviewer)",
    )
