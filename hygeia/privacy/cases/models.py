"""Cases, their notes, evidence, outside reviewers, sanctions and breach assessments.

Cases name employees by login and patients by opaque id, never by name or MRN, so that the
tables (and anything that logs a model) stay free of patient identifiers.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from hygeia.core.models import AuditedModel, CapabilityLink


class Case(AuditedModel):
    class Status(models.TextChoices):
        NEW = "new", "New"
        INVESTIGATING = "investigating", "Investigating"
        AWAITING_INTERVIEW = "awaiting_interview", "Awaiting interview"
        DECIDED = "decided", "Decided"
        CLOSED = "closed", "Closed"

    number = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    subjects = models.JSONField(default=list, help_text="Logins of the employees investigated.")
    incidents = models.ManyToManyField("privacy.Incident", related_name="cases", blank=True)
    discovered_on = models.DateField(
        default=date.today, help_text="When the organisation knew (the breach clock starts)."
    )
    disposition = models.CharField(max_length=20, blank=True)
    violation_category = models.CharField(max_length=40, blank=True)
    false_positive_reason = models.CharField(max_length=40, blank=True)
    disposition_rationale = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"Case {self.number}"


class CaseNote(models.Model):
    """A note, a status change or an outside reviewer's statement: the case's history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    author_name = models.CharField(max_length=200, help_text="Kept if the account goes.")
    kind = models.CharField(max_length=20, default="note")  # note | status | reviewer | system
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.case}"


class CaseAttachment(AuditedModel):
    """A file of evidence, stored under the data directory (never the web root) by a random
    name; served only through the case's download view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=300)
    uploaded_by = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"attachment {self.pk} of {self.case}"


class ReviewerInvite(CapabilityLink):
    """A link for someone outside the privacy office (e.g. the employee's manager) to read one
    case and add a statement. Only the token's hash is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="invites")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"reviewer invite {self.pk} for {self.case}"


class Sanction(AuditedModel):
    """What followed a violation for one employee; the history is kept per login."""

    user_id = models.CharField("login", max_length=150, db_index=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sanctions")
    kind = models.CharField(max_length=20)
    effective_on = models.DateField(default=date.today)
    note = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"

    @property
    def title(self) -> str:
        from hygeia.privacy.cases.vocabulary import vocabulary

        return vocabulary().sanctions.get(self.kind, self.kind)


class BreachAssessment(AuditedModel):
    """The four-factor risk assessment of 45 CFR 164.402(2), its conclusion, and for a
    breach the notices due (164.404-164.408) and when each was sent."""

    class Rating(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class Conclusion(models.TextChoices):
        PENDING = "", "Not concluded"
        LOW_PROBABILITY = "low_probability", "Not a breach: low probability of compromise"
        EXCEPTION = "exception", "Not a breach: a statutory exception (164.402(1))"
        BREACH = "breach", "Breach: notification required"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="breach")
    phi_nature = models.TextField("nature and extent of the PHI", blank=True)
    phi_nature_risk = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    recipient = models.TextField("the unauthorized person", blank=True)
    recipient_risk = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    acquired = models.TextField("whether PHI was acquired or viewed", blank=True)
    acquired_risk = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    mitigation = models.TextField("extent of mitigation", blank=True)
    mitigation_risk = models.CharField(max_length=10, choices=Rating.choices, blank=True)
    conclusion = models.CharField(max_length=20, choices=Conclusion.choices, blank=True, default="")
    rationale = models.TextField(blank=True)
    individuals_affected = models.PositiveIntegerField(default=0)
    residents_by_state = models.JSONField(
        default=dict, blank=True, help_text="State -> residents affected (media notice)."
    )
    breach_type = models.CharField(max_length=60, blank=True, default="Unauthorized Access")
    location = models.CharField(max_length=60, blank=True, default="Electronic Medical Record")
    safeguards = models.TextField("safeguards in place before the breach", blank=True)
    actions_taken = models.TextField("actions taken in response", blank=True)
    individuals_notified_on = models.DateField(null=True, blank=True)
    media_notified_on = models.DateField(null=True, blank=True)
    hhs_notified_on = models.DateField(null=True, blank=True)
    assessed_by = models.CharField(max_length=200, blank=True)
    assessed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"breach assessment of {self.case}"


class ReminderSent(models.Model):
    """One reminder e-mailed (deadline, days before, recipient), so it is sent once."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
