"""An assessment's life: sent as a portal link, answered by the vendor (drafts, evidence,
submission), reviewed question by question, concluded with a residual risk.

The vendor never has an account: the link's 256-bit token is the only key, scoped to one
assessment, stored as a hash, expiring and revocable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hygeia.core import audit, notify, sequences, uploads
from hygeia.vendors import questionnaire, tiering
from hygeia.vendors.models import (
    LEVELS,
    Answer,
    Assessment,
    CorrectiveAction,
    EvidenceFile,
    Finding,
    PortalLink,
    Product,
    Questionnaire,
    RiskAcceptance,
    Trigger,
    Vendor,
)

LINK_DAYS_AFTER_DUE = 14
REMINDER_DAYS = (7, 3, 1)
EVIDENCE_KINDS = ("pdf", "png", "jpeg", "office", "text")


class AssessmentError(ValueError):
    """Something the person (or vendor) asked for that cannot be done; says why."""


def files_root() -> Path:
    return Path(settings.DATA_DIR) / "vendor-files"


def _next_number() -> str:
    prefix = f"VA-{timezone.localdate().year}-"
    return sequences.next_reference(Assessment.objects, "number", prefix, 4)


@transaction.atomic
def create(
    vendor: Vendor,
    questionnaire_row: Questionnaire,
    due_on: date,
    product: Product | None = None,
    reason: str = "",
    reviewer: Any = None,
) -> Assessment:
    """A new assessment, pre-filled with the answers of this vendor's previous assessment
    on the same questionnaire (the vendor confirms or changes them)."""
    assessment = Assessment.objects.create(
        number=_next_number(),
        vendor=vendor,
        product=product,
        questionnaire=questionnaire_row,
        due_on=due_on,
        reason=reason[:200],
        reviewer=reviewer if getattr(reviewer, "is_authenticated", False) else None,
    )
    previous = (
        Assessment.objects.filter(
            vendor=vendor,
            questionnaire__key=questionnaire_row.key,
            state__in=[Assessment.State.SUBMITTED, Assessment.State.IN_REVIEW,
                       Assessment.State.CONCLUDED],
        )
        .exclude(pk=assessment.pk)
        .order_by("-submitted_at")
        .first()
    )  # fmt: skip
    if previous is not None:
        known = questionnaire.form_for(questionnaire_row).by_id
        Answer.objects.bulk_create(
            Answer(
                assessment=assessment,
                question_id=a.question_id,
                value=a.value,
                note=a.note,
                prefilled=True,
            )
            for a in previous.answers.all()
            if a.question_id in known
        )
    Trigger.objects.filter(vendor=vendor, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), assessment=assessment
    )
    return assessment


def issue_link(assessment: Assessment, email: str) -> str:
    """A new link for this assessment only, expiring two weeks after its due date; returns
    its token (never stored, only its hash)."""
    due = assessment.due_on or timezone.localdate() + timedelta(days=30)
    _, token = PortalLink.issue(
        timezone.now()
        + timedelta(days=max(1, (due - timezone.localdate()).days + LINK_DAYS_AFTER_DUE)),
        assessment=assessment,
        email=email.strip()[:254],
    )
    return token


def portal_url(token: str) -> str:
    return notify.link(reverse("portal:home", kwargs={"token": token}))


def send(assessment: Assessment, email: str, user: Any = None) -> str:
    """E-mail a portal link; returns the token (shown once, never stored)."""
    if "@" not in email:
        raise AssessmentError("the vendor contact needs an e-mail address")
    if assessment.state in (Assessment.State.CONCLUDED, Assessment.State.CANCELLED):
        raise AssessmentError(f"assessment {assessment.number} is {assessment.get_state_display()}")
    token = issue_link(assessment, email)
    url = portal_url(token)
    due = assessment.due_on or timezone.localdate() + timedelta(days=30)
    if assessment.state == Assessment.State.DRAFT:
        assessment.state = Assessment.State.SENT
        assessment.sent_at = timezone.now()
        assessment.save()
    notify.send_email(
        [email],
        f"Security assessment {assessment.number} for {assessment.vendor}",
        f"Hello,\n\nPlease answer our security questionnaire "
        f'"{assessment.questionnaire.title}" by {due:%Y-%m-%d}. The link below opens this '
        f"assessment only; no account is needed. You can save a draft and come back.\n\n"
        f"{url}\n\nPlease do not forward this message.\n",
    )
    audit.record(
        audit.Action.CREATE,
        object_type="vendors.portallink",
        object_id=assessment.number,
        summary=f"portal link for assessment {assessment.number} sent to the vendor",
        actor=audit.actor_for_user(user) if getattr(user, "is_authenticated", False) else None,
    )
    return token


def find_link(token: str) -> PortalLink | None:
    """The active link for a presented token (None when unknown, expired or revoked)."""
    found: PortalLink | None = PortalLink.find(
        token, "assessment__vendor", "assessment__questionnaire"
    )
    return found


def revoke(link: PortalLink) -> None:
    link.revoked_at = timezone.now()
    link.save()


def answers_of(assessment: Assessment) -> dict[str, Any]:
    return {a.question_id: a.value for a in assessment.answers.all()}


def files_by_question(assessment: Assessment) -> dict[str, list[EvidenceFile]]:
    grouped: dict[str, list[EvidenceFile]] = {}
    for item in assessment.files.order_by("uploaded_at"):
        grouped.setdefault(item.question_id, []).append(item)
    return grouped


@dataclass
class SaveResult:
    errors: dict[str, str]
    missing: list[str]
    submitted: bool


def save_answers(
    assessment: Assessment, raw: dict[str, Any], notes: dict[str, str], submit: bool
) -> SaveResult:
    """Store the vendor's answers (a draft keeps whatever is valid); submitting needs every
    required visible question answered, then the answers are frozen."""
    if not assessment.open_for_vendor:
        raise AssessmentError("this assessment can no longer be changed")
    form = questionnaire.form_for(assessment.questionnaire)
    errors: dict[str, str] = {}
    with transaction.atomic():
        for question in form.questions:
            if question.type == "file" or (question.id not in raw and question.id not in notes):
                continue
            try:
                value = form.coerce(question, raw.get(question.id))
            except ValueError as exc:
                errors[question.id] = str(exc)
                continue
            Answer.objects.update_or_create(
                assessment=assessment,
                question_id=question.id,
                defaults={
                    "value": value,
                    "note": notes.get(question.id, "")[:5000],
                    "prefilled": False,
                    "updated_at": timezone.now(),
                },
            )
        answers = answers_of(assessment)
        missing = [q.id for q in form.missing(answers, files_by_question(assessment))]
        submitted = False
        if submit and not errors and not missing:
            assessment.state = Assessment.State.SUBMITTED
            assessment.submitted_at = timezone.now()
            assessment.score = form.score(answers, files_by_question(assessment))
            submitted = True
        elif assessment.state == Assessment.State.SENT:
            assessment.state = Assessment.State.IN_PROGRESS
        assessment.save()
    if submitted:
        _tell_reviewers(assessment)
    return SaveResult(errors=errors, missing=missing, submitted=submitted)


def _tell_reviewers(assessment: Assessment) -> None:
    from hygeia.core.permissions import users_with

    reviewer = assessment.reviewer
    recipients = (
        [reviewer.email]
        if reviewer and reviewer.email
        else [u.email for u in users_with("manage_vendors", with_email=True)]
    )
    notify.send_email(
        recipients,
        f"Assessment {assessment.number} submitted by {assessment.vendor}",
        f"{assessment.vendor} submitted assessment {assessment.number}; it is ready for "
        f"review.\n\n{notify.link(reverse('vendors:assessment', args=[assessment.number]))}\n",
    )


def attach(
    assessment: Assessment, question_id: str, name: str, handle: IO[bytes], size: int, by: str
) -> EvidenceFile:
    """A file for one question (or, with an empty question id, for the whole assessment)."""
    form = questionnaire.form_for(assessment.questionnaire)
    if question_id and question_id not in form.by_id:
        raise AssessmentError(f"unknown question {question_id}")
    return store_evidence(assessment.vendor, name, handle, size, by, assessment, question_id)


def store_evidence(
    vendor: Vendor,
    name: str,
    handle: IO[bytes],
    size: int,
    by: str,
    assessment: Assessment | None = None,
    question_id: str = "",
) -> EvidenceFile:
    """Check and keep a vendor's file (an answer's evidence, an assurance report)."""
    try:
        saved = uploads.store(files_root(), str(vendor.pk), name, handle, size)
    except ValidationError as exc:
        raise AssessmentError(" ".join(exc.messages)) from exc
    if saved.kind not in EVIDENCE_KINDS:
        uploads.stored_path(files_root(), saved.stored_as).unlink()
        raise AssessmentError(f"{saved.name}: {saved.kind} files are not accepted")
    return EvidenceFile.objects.create(
        vendor=vendor,
        assessment=assessment,
        question_id=question_id,
        name=saved.name,
        kind=saved.kind,
        size=saved.size,
        sha256=saved.sha256,
        stored_as=saved.stored_as,
        uploaded_by=by[:200],
    )


def file_path(item: EvidenceFile) -> Path:
    return uploads.stored_path(files_root(), item.stored_as)


# --- review ---------------------------------------------------------------------------------


def start_review(assessment: Assessment, user: Any) -> None:
    if assessment.state == Assessment.State.SUBMITTED:
        assessment.state = Assessment.State.IN_REVIEW
        assessment.reviewer = assessment.reviewer or user
        assessment.save()


def review_answer(assessment: Assessment, question_id: str, verdict: str, comment: str) -> Answer:
    if verdict not in Answer.Review.values:
        raise AssessmentError(f"unknown review verdict {verdict!r}")
    answer, _ = Answer.objects.get_or_create(assessment=assessment, question_id=question_id)
    answer.review, answer.review_comment = verdict, comment.strip()[:5000]
    answer.save()
    return answer


def return_to_vendor(assessment: Assessment, user: Any) -> None:
    """Send a submitted assessment back for more information (answers marked so)."""
    if assessment.state not in (Assessment.State.SUBMITTED, Assessment.State.IN_REVIEW):
        raise AssessmentError("only a submitted assessment can be returned")
    assessment.state = Assessment.State.IN_PROGRESS
    assessment.save()
    for link in assessment.links.filter(revoked_at__isnull=True):
        notify.send_email(
            [link.email],
            f"Assessment {assessment.number}: more information needed",
            "The reviewer asked for more information on some answers. Please use the link "
            "you received to update them and submit again.\n",
        )


def raise_finding(
    assessment: Assessment | None, vendor: Vendor, title: str, severity: str, **extra: Any
) -> Finding:
    if not title.strip():
        raise AssessmentError("a finding needs a title")
    if severity not in dict(LEVELS):
        raise AssessmentError(f"unknown severity {severity!r}")
    return Finding.objects.create(
        vendor=vendor, assessment=assessment, title=title.strip()[:200], severity=severity,
        question_id=str(extra.get("question_id", ""))[:60],
        description=str(extra.get("description", ""))[:10000],
    )  # fmt: skip


def plan_action(finding: Finding, description: str, owner: str, due_on: date) -> CorrectiveAction:
    if not description.strip() or not owner.strip():
        raise AssessmentError("a corrective action needs a description and an owner")
    return CorrectiveAction.objects.create(
        finding=finding, description=description.strip(), owner=owner.strip()[:200], due_on=due_on
    )


def vendor_updates_action(
    link: PortalLink, action: CorrectiveAction, status: str, update: str
) -> None:
    """The vendor reports progress through the portal, on its own findings only."""
    if action.finding.vendor_id != link.assessment.vendor_id:
        raise AssessmentError("that corrective action is not yours")
    if status not in (CorrectiveAction.Status.IN_PROGRESS, CorrectiveAction.Status.DONE):
        raise AssessmentError("the vendor may mark an action in progress or done")
    action.status, action.vendor_update = status, update.strip()[:5000]
    action.updated_at = timezone.now()
    action.save()


def accept_risk(
    vendor: Vendor, approver: Any, reason: str, expires_on: date, finding: Finding | None = None,
    compensating: str = "",
) -> RiskAcceptance:  # fmt: skip
    """Only someone allowed to approve risk may; an acceptance always ends."""
    from hygeia.core.permissions import has

    if not has(approver, "approve_vendor_risk"):
        raise AssessmentError("accepting a risk needs an approver with that permission")
    if not reason.strip():
        raise AssessmentError("say why the risk is accepted")
    if expires_on <= timezone.localdate():
        raise AssessmentError("the acceptance must expire in the future")
    limit = timezone.localdate() + timedelta(days=3 * 366)
    if expires_on > limit:
        raise AssessmentError("an acceptance may last at most three years")
    acceptance = RiskAcceptance.objects.create(
        vendor=vendor, finding=finding, reason=reason.strip(), approver=approver,
        expires_on=expires_on, compensating_controls=compensating.strip(),
    )  # fmt: skip
    if finding is not None:
        finding.status = Finding.Status.ACCEPTED
        finding.save()
    return acceptance


def conclude(
    assessment: Assessment, user: Any, conclusion: str, residual_risk: str, note: str
) -> None:
    if assessment.state not in (Assessment.State.SUBMITTED, Assessment.State.IN_REVIEW):
        raise AssessmentError("only a submitted assessment can be concluded")
    if conclusion not in (c for c, _ in Assessment.Conclusion.choices if c):
        raise AssessmentError("choose a conclusion")
    if residual_risk not in dict(LEVELS):
        raise AssessmentError("choose the residual risk")
    if not note.strip():
        raise AssessmentError("write the rationale of the conclusion")
    with transaction.atomic():
        assessment.state = Assessment.State.CONCLUDED
        assessment.conclusion, assessment.residual_risk = conclusion, residual_risk
        assessment.conclusion_note = note.strip()
        assessment.concluded_at = timezone.now()
        assessment.reviewer = assessment.reviewer or user
        assessment.save()
        vendor = assessment.vendor
        vendor.residual_risk = residual_risk
        vendor.last_assessed_on = timezone.localdate()
        tiering.retier(vendor)  # a vendor recorded without products' tiers gets one now
        tiering.schedule(vendor)
        vendor.save()
        assessment.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def cancel(assessment: Assessment) -> None:
    if assessment.state == Assessment.State.CONCLUDED:
        raise AssessmentError("a concluded assessment cannot be cancelled")
    assessment.state = Assessment.State.CANCELLED
    assessment.save()
    assessment.links.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
