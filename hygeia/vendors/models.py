"""Third parties: vendors, what they supply, the contracts and BAAs that bind them, the
assessments sent to them, what the review found, and the software inside their devices."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from hygeia.core.models import AuditedModel, CapabilityLink

LEVELS = [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")]


class Vendor(AuditedModel):
    legal_name = models.CharField(max_length=200, unique=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names it trades under.")
    identifiers = models.CharField(
        max_length=200, blank=True, help_text="e.g. DUNS, EIN or LEI, as 'DUNS:123; EIN:45-6'."
    )
    parent = models.CharField("parent company", max_length=200, blank=True)
    website = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    security_contact_email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    # Inherent tier: the most critical of its products' (1 = most critical); residual risk comes
    # from the latest concluded assessment. Kept apart on purpose.
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_risk = models.CharField(max_length=10, choices=LEVELS, blank=True)
    last_assessed_on = models.DateField(null=True, blank=True)
    next_assessment_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def handles_phi(self) -> bool:
        return any(p.handles_phi for p in self.products.all()) or any(
            b.handles_phi for b in self.baas.all()
        )


class Product(AuditedModel):
    class Kind(models.TextChoices):
        SOFTWARE = "software", "Software (on premises)"
        SAAS = "saas", "Cloud service (SaaS)"
        DEVICE = "device", "Medical device"
        SERVICE = "service", "Professional or managed service"
        OTHER = "other", "Other"

    class Volume(models.TextChoices):
        NONE = "none", "No PHI"
        LOW = "low", "Under 500 patients"
        MEDIUM = "medium", "500 to 10,000 patients"
        HIGH = "high", "Over 10,000 patients"

    class Access(models.TextChoices):
        NONE = "none", "No access to our network"
        REMOTE = "remote", "Remote access (support, VPN)"
        INTEGRATED = "integrated", "Persistent connection inside our network"

    class Criticality(models.TextChoices):
        NONE = "none", "None (not used in care)"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium (care slowed without it)"
        HIGH = "high", "High (care stops without it)"

    class Substitutability(models.TextChoices):
        EASY = "easy", "Easy to replace"
        MODERATE = "moderate", "Replaceable within months"
        HARD = "hard", "Hard to replace (sole source)"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SOFTWARE)
    version = models.CharField(max_length=60, blank=True)
    phi_data_types = models.CharField(
        "PHI data types", max_length=300, blank=True, help_text="e.g. demographics; images"
    )
    phi_volume = models.CharField(
        "PHI volume", max_length=10, choices=Volume.choices, default=Volume.NONE
    )
    network_access = models.CharField(max_length=12, choices=Access.choices, default=Access.NONE)
    ehr_integration = models.BooleanField("integrates with the EHR", default=False)
    hosting = models.CharField(max_length=200, blank=True, help_text="e.g. on premises; US cloud")
    clinical_criticality = models.CharField(
        max_length=10, choices=Criticality.choices, default=Criticality.NONE
    )
    substitutability = models.CharField(
        max_length=10, choices=Substitutability.choices, default=Substitutability.MODERATE
    )
    subcontractors = models.JSONField(
        default=list, blank=True, help_text="Fourth parties the vendor relies on for it."
    )
    tier = models.PositiveSmallIntegerField(null=True, blank=True)
    tier_reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["vendor__legal_name", "name"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["vendor", "name"], name="vendors_product_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vendor} — {self.name}"

    @property
    def handles_phi(self) -> bool:
        return self.phi_volume != self.Volume.NONE


class Contract(AuditedModel):
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="contracts")
    product = models.ForeignKey(
        "vendors.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        help_text="The product or service it covers, when it covers one.",
    )
    title = models.CharField(max_length=200)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    renewal_on = models.DateField(null=True, blank=True)
    notice_by = models.DateField(
        null=True, blank=True, help_text="Last day to give notice of non-renewal."
    )
    owner = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["ends_on", "title"]

    def __str__(self) -> str:
        return self.title


class Baa(AuditedModel):
    """A business associate agreement (45 CFR 164.504(e))."""

    class Status(models.TextChoices):
        NOT_REQUIRED = "not_required", "Not required"
        REQUESTED = "requested", "Requested"
        SIGNED = "signed", "Signed"
        EXPIRED = "expired", "Expired"
        TERMINATED = "terminated", "Terminated"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="baas")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.REQUESTED)
    signed_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    document = models.CharField(
        max_length=300, blank=True, help_text="Where the signed agreement is kept."
    )
    creates_phi = models.BooleanField(default=False)
    receives_phi = models.BooleanField(default=False)
    maintains_phi = models.BooleanField(default=False)
    transmits_phi = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["-signed_on"]

    def __str__(self) -> str:
        return f"BAA with {self.vendor} ({self.get_status_display()})"

    @property
    def handles_phi(self) -> bool:
        return self.creates_phi or self.receives_phi or self.maintains_phi or self.transmits_phi

    def current(self, on: date | None = None) -> bool:
        on = on or date.today()
        return self.status == self.Status.SIGNED and (
            self.expires_on is None or self.expires_on >= on
        )


class Certification(AuditedModel):
    """Assurance evidence kept per vendor: each lapses, and someone must ask for the next."""

    class Kind(models.TextChoices):
        SOC2 = "soc2_type2", "SOC 2 Type II report"
        HITRUST = "hitrust", "HITRUST certification"
        ISO27001 = "iso27001", "ISO/IEC 27001 certificate"
        PENTEST = "pentest", "Penetration-test report"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField()
    scope = models.CharField(max_length=300, blank=True)
    file = models.ForeignKey(
        "vendors.EvidenceFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminders_sent = models.JSONField(default=list, blank=True)

    audit_ignore_fields = frozenset({"reminders_sent"})

    class Meta:
        ordering: ClassVar[list[str]] = ["expires_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.vendor}"


class Questionnaire(models.Model):
    """A questionnaire definition (sections, questions, conditions, weights), from a bundled
    data file or imported (a CAIQ spreadsheet). Assessments keep the version they were sent."""

    key = models.CharField(max_length=60)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=200, blank=True)
    definition = models.JSONField()
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["key", "version"], name="vendors_questionnaire_unique")
        ]
        ordering: ClassVar[list[str]] = ["key", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Assessment(AuditedModel):
    class State(models.TextChoices):
        DRAFT = "draft", "Not sent"
        SENT = "sent", "Sent"
        IN_PROGRESS = "in_progress", "Vendor answering"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        CONCLUDED = "concluded", "Concluded"
        CANCELLED = "cancelled", "Cancelled"

    class Conclusion(models.TextChoices):
        NONE = "", "—"
        ACCEPTABLE = "acceptable", "Acceptable"
        CONDITIONS = "conditions", "Acceptable with conditions"
        NOT_ACCEPTABLE = "not_acceptable", "Not acceptable"

    number = models.CharField(max_length=20, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="assessments")
    product = models.ForeignKey(
        Product, on_delete=models.SET_NULL, null=True, blank=True, related_name="assessments"
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was sent.")
    due_on = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    conclusion = models.CharField(max_length=16, choices=Conclusion.choices, blank=True)
    residual_risk = models.CharField(max_length=10, choices=LEVELS, blank=True)
    conclusion_note = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminders_sent = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_ignore_fields = frozenset({"reminders_sent"})

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"assessment {self.number} of {self.vendor}"

    @property
    def open_for_vendor(self) -> bool:
        return self.state in (self.State.SENT, self.State.IN_PROGRESS)


class Answer(models.Model):
    class Review(models.TextChoices):
        PENDING = "", "Not reviewed"
        ACCEPTED = "accepted", "Accepted"
        NEEDS_INFO = "needs_info", "More information needed"
        UNSATISFACTORY = "unsatisfactory", "Unsatisfactory"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=60)
    value = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    prefilled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    review = models.CharField(max_length=16, choices=Review.choices, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["assessment", "question_id"], name="vendors_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"answer to {self.question_id}"


class EvidenceFile(models.Model):
    """A file a vendor or reviewer supplied; stored outside the web root under a random name,
    never executed or rendered inline."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="files")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="files"
    )
    question_id = models.CharField(max_length=60, blank=True)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=20)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=300)
    uploaded_by = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class PortalLink(CapabilityLink):
    """The vendor's way in: one assessment, no account."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="links")
    email = models.EmailField()

    def __str__(self) -> str:
        return f"portal link {self.pk} for {self.assessment}"


class Finding(AuditedModel):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REMEDIATED = "remediated", "Remediated"
        ACCEPTED = "accepted", "Risk accepted"
        CLOSED = "closed", "Closed"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="findings")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings"
    )
    question_id = models.CharField(max_length=60, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=LEVELS, default="medium")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["status", "-created_at"]

    def __str__(self) -> str:
        return self.title


class CorrectiveAction(AuditedModel):
    """A remediation the vendor commits to; the vendor sees and updates it in the portal."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done (vendor says)"
        VERIFIED = "verified", "Verified"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.CharField(max_length=200)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    vendor_update = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["due_on"]

    def __str__(self) -> str:
        return f"corrective action {self.pk}"


class RiskAcceptance(AuditedModel):
    """An exception: a known risk accepted by someone entitled to, until a date."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="acceptances")
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="acceptances"
    )
    reason = models.TextField()
    compensating_controls = models.TextField(blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["expires_on"]

    def __str__(self) -> str:
        return f"risk acceptance {self.pk} for {self.vendor}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_on >= date.today()


class Trigger(AuditedModel):
    """Something that calls for a reassessment before the cadence would."""

    class Kind(models.TextChoices):
        CADENCE = "cadence", "Reassessment due"
        RENEWAL = "renewal", "Contract renewal"
        TIER = "tier", "Tier changed"
        KEV = "kev", "Known-exploited vulnerability"
        BREACH = "breach", "Reported breach"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="What it is about; one trigger per key.")
    detail = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="triggers"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["vendor", "kind", "key"], name="vendors_trigger_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.vendor}"


class BreachReport(models.Model):
    """A row of an imported HHS OCR breach-portal export that looks like one of our vendors;
    a person confirms or dismisses the match."""

    class Review(models.TextChoices):
        PENDING = "pending", "To review"
        CONFIRMED = "confirmed", "Same organization"
        DISMISSED = "dismissed", "Different organization"

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="breach_reports")
    entity_name = models.CharField(max_length=300)
    state = models.CharField(max_length=10, blank=True)
    entity_type = models.CharField(max_length=100, blank=True)
    individuals = models.PositiveIntegerField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    breach_type = models.CharField(max_length=200, blank=True)
    business_associate_present = models.BooleanField(default=False)
    similarity = models.FloatField()
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)
    source_file = models.CharField(max_length=300)
    source_line = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["vendor", "entity_name", "submitted_on"], name="vendors_breach_once"
            )
        ]

    def __str__(self) -> str:
        return f"breach report of {self.entity_name}"


class Sbom(models.Model):
    """A software bill of materials attached to a product (a device, an application)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="sboms")
    format = models.CharField(max_length=30)
    spec_version = models.CharField(max_length=10, blank=True)
    subject = models.CharField(max_length=300, blank=True, help_text="What the SBOM describes.")
    subject_version = models.CharField(max_length=100, blank=True)
    subject_ref = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["product", "sha256"], name="vendors_sbom_once")
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.format})"


class Component(models.Model):
    FIELDS: ClassVar[tuple[str, ...]] = (
        "ref",
        "name",
        "version",
        "purl",
        "cpe",
        "supplier",
        "kind",
    )

    sbom = models.ForeignKey(Sbom, on_delete=models.CASCADE, related_name="components")
    ref = models.CharField(max_length=500, blank=True)
    name = models.CharField(max_length=300)
    version = models.CharField(max_length=100, blank=True)
    purl = models.CharField(max_length=500, blank=True)
    cpe = models.CharField(max_length=300, blank=True)
    supplier = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class Vulnerability(models.Model):
    """A vulnerability record from an imported file (OSV, or an SBOM's own list)."""

    id = models.CharField(max_length=100, primary_key=True)
    source = models.CharField(max_length=20)
    aliases = models.JSONField(default=list)
    summary = models.CharField(max_length=500, blank=True)
    severity = models.CharField(max_length=100, blank=True)
    modified = models.CharField(max_length=40, blank=True)
    affected = models.JSONField(default=list, help_text="[{ecosystem, name, ranges, versions}]")

    def __str__(self) -> str:
        return self.id


class KevEntry(models.Model):
    """One entry of CISA's Known Exploited Vulnerabilities catalog."""

    cve_id = models.CharField(max_length=30, primary_key=True)
    vendor_project = models.CharField(max_length=200)
    product = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    date_added = models.DateField(null=True)
    due_date = models.DateField(null=True)
    ransomware = models.CharField(max_length=20, blank=True)
    catalog_version = models.CharField(max_length=20)

    def __str__(self) -> str:
        return self.cve_id


class VexStatement(models.Model):
    """A supplier's statement on whether a vulnerability affects a product or component."""

    vulnerability = models.CharField(max_length=100, db_index=True)
    ref = models.CharField(max_length=500, help_text="bom-ref or purl it is about")
    subject_name = models.CharField(max_length=300, blank=True)
    subject_version = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=30)
    justification = models.CharField(max_length=60, blank=True)
    detail = models.TextField(blank=True)
    source_file = models.CharField(max_length=255)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["vulnerability", "ref", "subject_name", "subject_version"],
                name="vendors_vex_once",
            )
        ]

    def __str__(self) -> str:
        return f"VEX {self.vulnerability}: {self.state}"


class Match(models.Model):
    """A component found to carry a vulnerability; recomputed when SBOMs or vulnerability
    data change. `suppressed_by` names the VEX statement that says it does not apply."""

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="matches")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="matches")
    vulnerability = models.CharField(max_length=100)
    cves = models.JSONField(default=list)
    kev = models.BooleanField(default=False)
    how = models.CharField(max_length=20)
    suppressed_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["component", "vulnerability"], name="vendors_match_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vulnerability} in component {self.component_id}"
