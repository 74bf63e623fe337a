"""The patient directory: who the audited records belong to.

Patients are referred to everywhere else in Hygeia (audit trail, URLs, logs) by `id`, an
opaque UUID, never by MRN or name.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models

from hygeia.privacy.detection.template_key import TemplateFigures


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField("MRN", max_length=64, unique=True)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=16, blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fhir_id = models.CharField("FHIR id", max_length=64, blank=True, db_index=True)
    deceased = models.BooleanField(default=False)
    security_labels = models.JSONField(
        default=list, blank=True, help_text="HL7 v3 confidentiality labels, e.g. CEL, EMP."
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["family_name", "given_name"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        # Deliberately not the name or MRN: __str__ ends up in logs and error reports.
        return f"Patient {self.id}"


class IngestFile(models.Model):
    """The manifest of the analytics store: one row per input file per ingest, with its counts.

    The status moves reading -> committing -> committed. `moves` is written when a commit is
    decided (see hygeia.lake.store), so that a crash after it is rolled forward, and a crash
    before it rolled back, by the next ingest. `source_system` is the source the site named
    (--source), if any.
    """

    class Status(models.TextChoices):
        READING = "reading", "reading"
        COMMITTING = "committing", "committing"
        COMMITTED = "committed", "committed"
        FAILED = "failed", "failed"
        INTERRUPTED = "interrupted", "interrupted"

    token = models.CharField(max_length=32, unique=True)
    run = models.CharField(max_length=32, db_index=True, help_text="One `privacy ingest` call.")
    path = models.CharField(max_length=1000)
    size = models.BigIntegerField(default=0)
    format = models.CharField(max_length=40)
    dataset = models.CharField(max_length=60, help_text="Where its rows go, e.g. events.")
    source_system = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READING)
    read = models.BigIntegerField(default=0)
    stored = models.BigIntegerField(default=0)
    duplicate = models.BigIntegerField(default=0)
    quarantined = models.BigIntegerField(default=0)
    conflicts = models.BigIntegerField(
        default=0, help_text="Of stored: records whose id another record holds, kept apart."
    )
    unread_bytes = models.BigIntegerField(
        default=0, help_text="What the reader could not read after a fault it could not pass."
    )
    unread_records = models.BigIntegerField(default=0, help_text="Records in it, where counted.")
    error = models.TextField(blank=True)
    notes = models.JSONField(default=dict, blank=True, help_text="Reader-specific counts.")
    first_event = models.DateTimeField(null=True, blank=True)
    last_event = models.DateTimeField(null=True, blank=True)
    moves = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at", "path"]

    def __str__(self) -> str:
        return f"{self.format} {self.path} ({self.status})"


class DetectionRun(models.Model):
    """One `privacy detect`: the period, the engine, and what it found (counts, the share of
    accesses explained and by what)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    since = models.DateField()
    until = models.DateField(help_text="Exclusive.")
    engine = models.CharField(max_length=20)
    events = models.BigIntegerField(default=0)
    explained = models.BigIntegerField(default=0)
    alerts = models.IntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at"]

    def __str__(self) -> str:
        return f"Detection {self.since}..{self.until} ({self.engine})"

    @property
    def explained_share(self) -> float:
        return self.explained / self.events if self.events else 0.0


class RestrictedRecord(models.Model):
    """A record the site restricts without a label on it (an executive's, a board member's, a
    patient in the news): every access outside its care is raised in the restricted lane."""

    patient = models.CharField(
        "patient (FHIR id or MRN)", max_length=64, unique=True, help_text="As the store has it."
    )
    reason = models.CharField(max_length=300, blank=True)
    added_by = models.CharField(max_length=150, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["patient"]

    def __str__(self) -> str:
        return f"restricted record {self.pk}"


class TestRecord(models.Model):
    """A reviewer's mark on a record: a test or training chart (left out of detection
    whatever the data shows) or a real one (never taken for a test chart)."""

    class Decision(models.TextChoices):
        TEST = "test", "Test or training record"
        REAL = "real", "Real patient"

    patient = models.CharField("patient (FHIR id or MRN)", max_length=64, unique=True)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["patient"]

    def __str__(self) -> str:
        return f"test-record mark {self.pk}"


class ExplanationTemplate(TemplateFigures, models.Model):
    """An explanation learned from the site's accesses (detection/mining.py), kept so that a
    person can review it: a pinned template applies whether or not the data still shows it, a
    rejected one never applies. The figures are those of the latest run that mined it."""

    class Decision(models.TextChoices):
        NONE = "", "Learned"
        PINNED = "pinned", "Pinned"
        REJECTED = "rejected", "Rejected"

    role_group = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, help_text="Encounter class, TEAM or APPT.")
    relation = models.CharField(max_length=20)
    scope = models.CharField(max_length=300, default="*")
    bin = models.CharField(max_length=8)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    events = models.IntegerField(default=0, help_text="Sampled accesses of the group it covers.")
    group_events = models.IntegerField(default=0)
    users = models.IntegerField(default=0)
    lift = models.FloatField(default=0)
    rank = models.SmallIntegerField(default=0)
    description = models.CharField(max_length=500, blank=True)
    in_latest_run = models.BooleanField(default=True)
    last_run = models.ForeignKey(
        "DetectionRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["role_group", "kind", "relation", "scope", "bin"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["role_group", "kind", "relation", "scope", "bin"],
                name="privacy_template_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role_group}: {self.description}"


class Incident(models.Model):
    """A user's alerts in one detection period, reviewed together: repeated behaviour is
    one case, not many."""

    key = models.CharField(max_length=64, unique=True)
    user_id = models.CharField("login", max_length=150, db_index=True)
    first_event = models.DateTimeField()
    last_event = models.DateTimeField()
    score = models.FloatField(default=0)
    severity = models.CharField(max_length=10)
    alert_count = models.IntegerField(default=0)
    run = models.ForeignKey(DetectionRun, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-score", "-last_event"]

    def __str__(self) -> str:
        return f"Incident {self.key[:8]}"


class Alert(models.Model):
    """What one user did to one patient (or, for behaviour such as browsing or exporting, in
    general), with the detectors that fired, a 0-100 score and the reasons in words."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        IN_CASE = "in_case", "In a case"
        CLOSED = "closed", "Closed"

    class Disposition(models.TextChoices):
        NONE = "", "not reviewed"
        TRUE_POSITIVE = "true_positive", "true positive"
        FALSE_POSITIVE = "false_positive", "false positive"

    key = models.CharField(max_length=64, unique=True)
    user_id = models.CharField("login", max_length=150, db_index=True)
    practitioner_id = models.CharField(max_length=100, blank=True)
    department = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    patient_id = models.CharField(
        "patient (FHIR id)", max_length=100, blank=True, help_text="Empty for user-level alerts."
    )
    detectors = models.JSONField(default=list)
    score = models.FloatField()
    severity = models.CharField(max_length=10, db_index=True)
    reasons = models.JSONField(default=list)
    evidence = models.JSONField(default=list, blank=True)
    patients = models.JSONField(
        default=list,
        blank=True,
        help_text="For a user-level alert, the records its evidence names (browsed, exported, "
        "opened at odd hours or by a dead account, flagged records folded into it).",
    )
    first_event = models.DateTimeField()
    last_event = models.DateTimeField()
    events = models.IntegerField(default=0)
    disposition = models.CharField(
        max_length=20, choices=Disposition.choices, blank=True, default=""
    )
    disposition_note = models.TextField(blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    run = models.ForeignKey(DetectionRun, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-score", "-first_event"]
        # The queue's orders and filters, each led by what narrows it: a page of a million
        # alerts is then read from an index, not sorted (see benchmarks/alert_queue.py).
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["-score", "id"], name="alert_score"),
            models.Index(fields=["status", "-score", "id"], name="alert_status_score"),
            models.Index(fields=["department", "-score", "id"], name="alert_department_score"),
            models.Index(fields=["user_id", "-score", "id"], name="alert_user_score"),
            models.Index(fields=["-first_event", "id"], name="alert_recent"),
            models.Index(fields=["status", "severity"], name="alert_status_severity"),
        ]

    def __str__(self) -> str:
        # Not the patient: __str__ ends up in logs.
        return f"Alert {self.key[:8]} ({self.score:.0f})"


class AlertTally(models.Model):
    """How many alerts there are per status and severity: the counts above the queue, kept
    exact by database triggers on the alert table (migration 0005), so that they cost one
    small read however many alerts there are."""

    status = models.CharField(max_length=12)
    severity = models.CharField(max_length=10)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["status", "severity"], name="alert_tally_key")
        ]

    def __str__(self) -> str:
        return f"{self.status}/{self.severity}: {self.n}"


class AlertDetector(models.Model):
    """Which detectors fired for an alert, one row each, so that the queue filters by detector
    through an index instead of searching every alert's list."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="detector_rows")
    detector = models.CharField(max_length=40)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["detector", "alert"], name="alert_detector")
        ]

    def __str__(self) -> str:
        return f"{self.detector} on {self.alert_id}"


from hygeia.privacy.cases.models import (  # noqa: E402  (the app's models, in their package)
    BreachAssessment,
    Case,
    CaseAttachment,
    CaseNote,
    ReminderSent,
    ReviewerInvite,
    Sanction,
)

__all__ = [
    "Alert",
    "AlertDetector",
    "AlertTally",
    "BreachAssessment",
    "Case",
    "CaseAttachment",
    "CaseNote",
    "DetectionRun",
    "Incident",
    "IngestFile",
    "Patient",
    "ReminderSent",
    "ReviewerInvite",
    "Sanction",
]
