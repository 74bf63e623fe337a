"""The AI inventory: every AI use case, product, model and AI embedded in software the
hospital runs, with its governance facts, documentation and full change history."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from hygeia.core.models import AuditedModel


class AITool(AuditedModel):
    class Kind(models.TextChoices):
        USE_CASE = "use_case", "Use case"
        PRODUCT = "product", "Tool or product"
        MODEL = "model", "Model"
        EMBEDDED = "embedded", "AI embedded in existing software"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        CONDITIONS = "approved_with_conditions", "Approved with conditions"
        RESTRICTED = "restricted", "Restricted"
        REJECTED = "rejected", "Rejected"
        RETIRED = "retired", "Retired"

    class PhiUse(models.TextChoices):
        NONE = "none", "No PHI"
        DEIDENTIFIED = "deidentified", "De-identified data"
        LIMITED = "limited", "Limited data set"
        PHI = "phi", "Identifiable PHI"

    class DecisionRole(models.TextChoices):
        INFORMS = "informs", "Informs"
        AUGMENTS = "augments", "Augments"
        AUTOMATES = "automates", "Automates"

    class ClinicalRisk(models.TextChoices):
        NONE = "none", "None (non-clinical)"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    class DsiType(models.TextChoices):
        NONE = "", "Not a decision support intervention"
        EVIDENCE = "evidence_based", "Evidence-based DSI"
        PREDICTIVE = "predictive", "Predictive DSI"

    class YesNo(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_NEEDED = "not_needed", "Not needed"

    reference = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRODUCT)
    vendor = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=60, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parts",
        help_text="The product a model runs in, or the use case a product serves.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_tools_owned",
    )
    owner_name = models.CharField(max_length=200, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_requests",
    )
    department = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=30, choices=State.choices, default=State.PROPOSED, db_index=True
    )
    intended_use = models.TextField(blank=True)
    intended_users = models.TextField(blank=True)
    patient_population = models.TextField(blank=True)
    data_inputs = models.TextField(blank=True)
    output_type = models.TextField(blank=True)
    human_oversight = models.TextField(blank=True)
    third_party_dependencies = models.TextField(blank=True)
    regulatory_exposure = models.TextField(blank=True)
    phi_use = models.CharField(max_length=20, choices=PhiUse.choices, default=PhiUse.NONE)
    decision_role = models.CharField(
        max_length=20, choices=DecisionRole.choices, default=DecisionRole.INFORMS
    )
    clinical_risk_level = models.CharField(
        max_length=10, choices=ClinicalRisk.choices, default=ClinicalRisk.NONE
    )
    patient_facing = models.BooleanField(default=False)
    generative = models.BooleanField(default=False)
    predictive = models.BooleanField(default=False)
    dsi_type = models.CharField(max_length=20, choices=DsiType.choices, blank=True, default="")
    risk_tier = models.CharField(max_length=20, blank=True)
    risk_tier_override = models.CharField(max_length=20, blank=True)
    risk_tier_reason = models.TextField(blank=True)
    genai_risks = models.JSONField(default=list, blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    conditions = models.TextField(blank=True)
    decision_rationale = models.TextField(blank=True)
    baa_in_place = models.CharField(max_length=12, choices=YesNo.choices, default=YesNo.UNKNOWN)
    vendor_trains_on_data = models.CharField(
        max_length=12, choices=YesNo.choices, default=YesNo.UNKNOWN
    )
    data_retention = models.TextField(blank=True)
    subprocessors = models.TextField(blank=True)
    domains = models.JSONField(
        default=list, blank=True, help_text="Web domains the tool is reached at."
    )
    hti1 = models.JSONField(default=dict, blank=True, help_text="Source attribute id -> text.")
    checklist = models.JSONField(
        default=dict, blank=True, help_text="Item id -> {status, evidence}."
    )
    model_card = models.JSONField(
        default=dict, blank=True, help_text="The CHAI Applied Model Card, element by element."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["name", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def effective_tier(self) -> str:
        return self.risk_tier_override or self.risk_tier

    def risk_answers(self) -> dict[str, Any]:
        return {
            "clinical_risk_level": self.clinical_risk_level,
            "decision_role": self.decision_role,
            "phi_use": self.phi_use,
            "patient_facing": self.patient_facing,
            "generative": self.generative,
            "predictive": self.predictive,
        }


# States in which an entry may be used (and is re-reviewed on schedule).
APPROVED_STATES = (AITool.State.APPROVED, AITool.State.CONDITIONS, AITool.State.RESTRICTED)

# Fields whose values the history keeps (all plain governance facts, never patient data).
HISTORY_FIELDS = tuple(
    f.name
    for f in AITool._meta.concrete_fields
    if f.name not in ("id", "created_at", "updated_at", "model_card")
)


class AIToolChange(models.Model):
    """One change to an inventory entry, with the values before and after."""

    tool = models.ForeignKey(AITool, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(max_length=150)
    summary = models.CharField(max_length=300)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-id"]

    def __str__(self) -> str:
        return f"change to {self.tool_id} at {self.at:%Y-%m-%d}"


def snapshot(tool: AITool) -> dict[str, Any]:
    """The tool's governance fields as JSON values."""
    out: dict[str, Any] = {}
    for name in HISTORY_FIELDS:
        field = AITool._meta.get_field(name)
        assert isinstance(field, models.Field)
        value = getattr(tool, field.attname)
        if isinstance(value, date):
            value = value.isoformat()
        out[field.attname] = value
    return out


class AIReview(AuditedModel):
    """One review stage of a request (content/ai/review.yaml), decided in order."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        CONDITIONS = "approved_with_conditions", "Approved with conditions"
        CHANGES = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"

    tool = models.ForeignKey(AITool, on_delete=models.CASCADE, related_name="reviews")
    round = models.PositiveIntegerField(default=1, help_text="1 at intake; +1 per re-review.")
    position = models.PositiveIntegerField()
    stage = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_reviews",
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.PENDING)
    checklist = models.JSONField(default=dict, blank=True, help_text="Item text -> ticked.")
    conditions = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["tool", "round", "position"]

    def __str__(self) -> str:
        return f"{self.stage} review of {self.tool_id} (round {self.round})"


class AIComment(models.Model):
    """A comment on a request: reviewers and the requester talk here."""

    tool = models.ForeignKey(AITool, on_delete=models.CASCADE, related_name="comments")
    stage = models.CharField(max_length=40, blank=True)
    author = models.CharField(max_length=150)
    text = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]

    def __str__(self) -> str:
        return f"comment on {self.tool_id}"


class ShadowReview(AuditedModel):
    """A person's decision about an AI service seen in the logs without an approved entry."""

    class Decision(models.TextChoices):
        INVENTORIED = "inventoried", "Added to the inventory for review"
        BLOCK = "block", "Block at the proxy"
        TOLERATE = "tolerate", "Tolerated (no PHI; low risk)"

    service = models.CharField(max_length=200, unique=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    note = models.TextField(blank=True)
    reviewed_by = models.CharField(max_length=150)
    reviewed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.service}: {self.decision}"


class PromptScan(models.Model):
    """What the PHI guard did with one prompt: who, from which department, bound for which AI
    service, and how many identifiers of which types. Never the text. Joined with the
    proxy logs to show which services carry PHI (`web.guard_by_service`)."""

    class Outcome(models.TextChoices):
        BLOCKED = "blocked", "Blocked"
        MASKED = "masked", "Masked"
        REPORTED = "reported", "Reported (let through)"
        CLEAN = "clean", "No identifier"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.CharField(max_length=150, blank=True, db_index=True)
    department = models.CharField(max_length=200, blank=True)
    service = models.CharField(max_length=200, blank=True, help_text="Catalog service name.")
    destination = models.CharField(max_length=255, blank=True, help_text="Host the prompt was for.")
    policy = models.CharField(max_length=10)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    identifiers = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Identifiers by type.")
    characters = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at"]

    def __str__(self) -> str:
        return f"{self.outcome} scan for {self.service or self.destination or 'no service'}"
