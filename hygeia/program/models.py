"""Frameworks and their requirements (as loaded from data files), and the risk register."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from hygeia.core.models import AuditedModel, CapabilityLink


class Framework(models.Model):
    """A control framework at one version (HHS CPGs, HICP, NIST CSF 2.0, HIPAA Security
    Rule, or one imported from an OSCAL catalog)."""

    key = models.CharField(max_length=60)
    version = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["title"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["key", "version"], name="program_framework_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class Requirement(models.Model):
    """A node of a framework: a function, category, practice or standard (a group), or an
    assessable requirement (a leaf). `level` names what it is in that framework."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="requirements")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    ref = models.CharField(max_length=60)
    level = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    assessable = models.BooleanField(default=True)
    attributes = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["framework", "position"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["framework", "ref"], name="program_requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.title}"


class Mapping(models.Model):
    """`source` helps meet `target` (e.g. a CPG goal -> CSF subcategories)."""

    source = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="maps_to")
    target = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="mapped_from")

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["source", "target"], name="program_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source.ref} -> {self.target.ref}"


class Risk(AuditedModel):
    """A risk in the register, scored qualitatively and quantified FAIR-style: loss event
    frequency (events a year) and loss magnitude (dollars an event) as min / most likely / max
    ranges, simulated year by year."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        TREATING = "treating", "Being treated"
        ACCEPTED = "accepted", "Accepted"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_name = models.CharField(max_length=200, blank=True)
    assets = models.CharField(max_length=300, blank=True)
    threat = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    likelihood = models.PositiveSmallIntegerField(
        default=3, help_text="1 (rare) to 5 (almost certain)"
    )
    impact = models.PositiveSmallIntegerField(default=3, help_text="1 (minor) to 5 (severe)")
    lef_min = models.FloatField("events a year, minimum", default=0.1)
    lef_likely = models.FloatField("events a year, most likely", default=0.3)
    lef_max = models.FloatField("events a year, maximum", default=1.0)
    lm_min = models.FloatField("loss an event, minimum ($)", default=100_000)
    lm_likely = models.FloatField("loss an event, most likely ($)", default=1_000_000)
    lm_max = models.FloatField("loss an event, maximum ($)", default=9_770_000)
    controls = models.ManyToManyField(Requirement, blank=True, related_name="risks")
    findings = models.TextField(blank=True, help_text="Related findings (references).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def qualitative(self) -> int:
        return self.likelihood * self.impact


class Treatment(AuditedModel):
    """A planned or running control on a risk, with its cost and expected effect."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "In place"

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="treatments")
    title = models.CharField(max_length=200)
    cost = models.DecimalField("one-time cost ($)", max_digits=14, decimal_places=2, default=0)
    annual_cost = models.DecimalField("yearly cost ($)", max_digits=14, decimal_places=2, default=0)
    frequency_reduction = models.FloatField(
        "share of loss events it prevents", default=0, help_text="0 to 1, e.g. 0.5 for half."
    )
    magnitude_reduction = models.FloatField(
        "share of each event's loss it avoids", default=0, help_text="0 to 1, e.g. 0.5 for half."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    due_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title


class FrameworkAssessment(AuditedModel):
    """An assessment of the organization against one framework."""

    class Scale(models.TextChoices):
        ZERO_FIVE = "0-5", "Maturity 0-5"
        CSF_TIERS = "csf-tiers", "CSF tiers 1-4 (partial, risk informed, repeatable, adaptive)"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    title = models.CharField(max_length=200)
    scale = models.CharField(max_length=10, choices=Scale.choices, default=Scale.ZERO_FIVE)
    owner_name = models.CharField(max_length=200, blank=True)
    started_on = models.DateField(default=timezone.localdate)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def maturity_max(self) -> int:
        return 4 if self.scale == self.Scale.CSF_TIERS else 5


class AssessmentItem(AuditedModel):
    """Where one requirement stands."""

    class Status(models.TextChoices):
        NOT_ASSESSED = "", "Not assessed"
        NOT_IMPLEMENTED = "not_implemented", "Not implemented"
        PARTIAL = "partial", "Partially implemented"
        IMPLEMENTED = "implemented", "Implemented"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    assessment = models.ForeignKey(
        FrameworkAssessment, on_delete=models.CASCADE, related_name="items"
    )
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    maturity = models.PositiveSmallIntegerField(null=True, blank=True)
    target_maturity = models.PositiveSmallIntegerField(null=True, blank=True)
    owner = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    links = models.TextField(blank=True, help_text="Evidence links, one a line.")
    due_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["assessment", "requirement"], name="program_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.requirement.ref}: {self.get_status_display()}"


class ProgramEvidence(models.Model):
    """A file kept as evidence for an assessed requirement (stored like every upload)."""

    item = models.ForeignKey(AssessmentItem, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=300)
    uploaded_by = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class TrainingRecord(models.Model):
    """A course completion (or assignment) imported from the learning system."""

    person = models.CharField(max_length=254, help_text="E-mail or login, lower case.")
    name = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    course = models.CharField(max_length=200)
    assigned_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["person", "course", "due_on"], name="program_training_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.course}"


class PhishingCampaign(models.Model):
    source = models.CharField(max_length=20, help_text="gophish-api or gophish-csv")
    external_id = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    launched_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-launched_at"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["source", "external_id"], name="program_campaign_once")
        ]

    def __str__(self) -> str:
        return self.name


class PhishingResult(models.Model):
    """What one recipient did in one campaign."""

    campaign = models.ForeignKey(PhishingCampaign, on_delete=models.CASCADE, related_name="results")
    email = models.CharField(max_length=254)
    department = models.CharField(max_length=200, blank=True)
    sent = models.BooleanField(default=False)
    opened = models.BooleanField(default=False)
    clicked = models.BooleanField(default=False)
    submitted = models.BooleanField(default=False)
    reported = models.BooleanField(default=False)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["campaign", "email"], name="program_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.email} in {self.campaign}"


class Policy(AuditedModel):
    """A policy in the library; its text lives in versions."""

    reference = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    owner_name = models.CharField(max_length=200, blank=True)
    review_every_months = models.PositiveSmallIntegerField(default=12)
    requirements = models.ManyToManyField(Requirement, blank=True, related_name="policies")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["reference"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def current(self) -> PolicyVersion | None:
        return (
            self.versions.filter(status=PolicyVersion.Status.APPROVED)
            .order_by("-approved_at")
            .first()
        )


class PolicyVersion(AuditedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        RETIRED = "retired", "Retired"

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=20)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["policy", "version"], name="program_policy_version")
        ]

    def __str__(self) -> str:
        return f"{self.policy.reference} v{self.version}"


class AckCampaign(AuditedModel):
    """Asking staff to read and acknowledge one approved policy version."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="campaigns")
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"acknowledgement of {self.version}"


class Acknowledgement(CapabilityLink):
    """One person's link to read and acknowledge a policy; acknowledged_at says they did."""

    campaign = models.ForeignKey(AckCampaign, on_delete=models.CASCADE, related_name="acks")
    email = models.EmailField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"acknowledgement {self.pk}"


class PolicyException(AuditedModel):
    """A granted exception to a policy, for a reason, by an approver, until a date."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="exceptions")
    scope = models.CharField(max_length=300, help_text="Who or what it covers.")
    reason = models.TextField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField()

    def __str__(self) -> str:
        return f"exception to {self.policy.reference}: {self.scope}"


class BudgetLine(AuditedModel):
    """A line of the security budget, tied to the risks and framework gaps it addresses."""

    class Kind(models.TextChoices):
        PROJECT = "project", "Project"
        TOOL = "tool", "Tool or licence"
        STAFF = "staff", "Staff"
        SERVICE = "service", "Service"

    year = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROJECT)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    owner = models.CharField(max_length=200, blank=True)
    risks = models.ManyToManyField(Risk, blank=True, related_name="budget_lines")
    requirements = models.ManyToManyField(Requirement, blank=True, related_name="budget_lines")

    class Meta:
        ordering: ClassVar[list[str]] = ["-year", "title"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"
