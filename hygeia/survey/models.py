"""The survey: a hospital's own answers for benchmarking, and editions run across many
organizations with one respondent link each. Submitted answers are never changed: an
amendment is a new version."""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from hygeia.core.models import AuditedModel, CapabilityLink


class SelfAssessment(AuditedModel):
    """The hospital's own answers to one instrument version; one per year."""

    year = models.PositiveIntegerField(unique=True)
    instrument_version = models.CharField(max_length=40)
    answers = models.JSONField(default=dict, blank=True)
    accepted_proposals = models.JSONField(
        default=dict, blank=True, help_text="Question id -> the evidence of a proposal accepted."
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"Self-assessment {self.year}"


class Edition(AuditedModel):
    """One run of the survey across organizations (e.g. the 2026 survey)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for responses"
        CLOSED = "closed", "Closed"

    key = models.SlugField(max_length=40, unique=True, help_text="e.g. 2026")
    title = models.CharField(max_length=200)
    year = models.PositiveIntegerField()
    instrument = models.JSONField(help_text="The instrument as it was when the edition opened.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closes_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-year", "key"]

    def __str__(self) -> str:
        return self.title


class Participant(AuditedModel):
    """An organization taking part in surveys (kept across editions, to compare years)."""

    name = models.CharField(max_length=200)
    email_domain = models.CharField(max_length=200, blank=True, db_index=True)
    contact_email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_distinct = models.BooleanField(
        default=False,
        help_text="The organizer confirmed it is another organization despite a similar name "
        "or the same e-mail domain as one already registered.",
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class Invitation(CapabilityLink):
    """The respondent link of one organization for one edition: one response, drafts saved,
    amendments while the edition is open, then downloads of its own response and benchmark."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="invitations")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["edition", "participant"], name="survey_one_invitation_per_org"
            )
        ]


class Response(models.Model):
    """An organization's answer to an edition: a draft until submitted, then versions."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="responses")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="responses")
    draft = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    current = models.ForeignKey(
        "ResponseVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["edition", "participant"], name="survey_one_response_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant} in {self.edition}"


class ImmutableError(Exception):
    """A submitted version was about to be changed or deleted."""


class ResponseVersion(models.Model):
    """A submitted response, frozen: version 1 is the submission, later ones amendments with
    their reason. The digest lets anyone check a downloaded copy against the record."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    digest = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar[list[str]] = ["response", "number"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["response", "number"], name="survey_version_once")
        ]

    def __str__(self) -> str:
        return f"version {self.number} of {self.response}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("a submitted response is never changed; submit an amendment")
        self.digest = self.digest_of(self.answers)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("a submitted response is never deleted")

    @staticmethod
    def digest_of(answers: dict[str, Any]) -> str:
        return hashlib.sha256(
            json.dumps(answers, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
