"""The third-party part of `hygeia demo`: synthetic vendors from a spreadsheet, assurance
evidence (some lapsing), assessments in every state (one concluded with a finding, a
corrective action and an accepted risk), SBOMs whose components carry known-exploited
vulnerabilities (one set aside by the supplier's VEX), and a breach-portal match to review.

All names are invented; the KEV excerpt is CISA's own (CC0) and the OSV records restate
public advisories."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from hygeia.core import audit
from hygeia.core.permissions import users_with
from hygeia.vendors import assessments, exposure, monitor, questionnaire, records, vulns
from hygeia.vendors.models import Assessment, Certification, Product, Vendor

DEMO = Path(__file__).resolve().parent.parent / "content" / "vendors" / "demo"

GOOD_ANSWERS: dict[str, Any] = {
    "profile.1": "Hosted billing and claims service for the hospital's revenue cycle.",
    "profile.2": ["phi", "financial"],
    "profile.3": "250000",
    "profile.4": "us_cloud",
    "profile.5": "yes",
    "profile.6": "Stratus Hosting runs the infrastructure (IaaS).",
    "gov.1": "yes",
    "gov.2": "yes",
    "gov.3": ["soc2", "pentest"],
    "gov.5": "",
    "gov.6": "yes",
    "access.1": "yes",
    "access.2": "no",
    "access.3": "yes",
    "access.4": "same_day",
    "access.5": "no",
    "prot.1": "yes",
    "prot.2": "yes",
    "prot.3": "yes",
    "prot.4": "yes",
    "prot.5": "yes",
    "prot.6": "yes",
    "prot.7": "yes",
    "vuln.1": "30",
    "vuln.2": "yes",
    "vuln.3": "no",
    "vuln.5": "yes",
    "inc.1": "yes",
    "inc.2": "yes",
    "inc.3": "48",
    "inc.4": "no",
    "inc.6": "yes",
    "inc.7": "yes",
}


def _answer(item: Assessment, submit: bool, overrides: dict[str, Any] | None = None) -> None:
    answers = {**GOOD_ANSWERS, **(overrides or {})}
    if item.state == Assessment.State.DRAFT:
        item.state = Assessment.State.SENT
        item.save()
    assessments.save_answers(item, answers, {}, submit=submit)


def seed() -> dict[str, int]:
    if Vendor.objects.exists():
        return {"vendors": Vendor.objects.count()}
    today = timezone.localdate()
    with audit.acting_as(audit.Actor(name="demo")), transaction.atomic():
        path = DEMO / "vendors.csv"
        with open(path, "rb") as handle:
            records.import_file(path.name, handle, path.stat().st_size, "demo")
        vendors = {v.legal_name.split()[0].lower(): v for v in Vendor.objects.all()}
        for key, kind, days in [
            ("cobalt", "soc2_type2", 300), ("cobalt", "pentest", 25),
            ("northwind", "hitrust", 420), ("meridian", "iso27001", -10),
            ("lumen", "soc2_type2", 45),
        ]:  # fmt: skip
            Certification.objects.create(
                vendor=vendors[key], kind=kind, expires_on=today + timedelta(days=days),
                issued_on=today + timedelta(days=days - 365),
            )  # fmt: skip
        form = next(q for q in questionnaire.install_bundled() if q.key != "mds2")
        due = today + timedelta(days=21)

        def new(key: str, reason: str, product: Product | None = None) -> Assessment:
            return assessments.create(vendors[key], form, due, product, reason)

        new("granite", "Annual reassessment (not sent yet)")
        sent = new("bluepeak", "New telehealth service")
        assessments.send(sent, "security@bluepeak.example")
        started = new("harbor", "Contract renewal")
        assessments.send(started, "it@harbor-transcribe.example")
        _answer(started, submit=False, overrides={"access.2": "", "inc.3": ""})
        submitted = new("lumen", "Tier 1 annual reassessment")
        assessments.send(submitted, "support@lumen-lab.example")
        _answer(submitted, submit=True)
        reviewing = new("northwind", "Tier 1 annual reassessment")
        assessments.send(reviewing, "privacy@northwind-imaging.example")
        _answer(reviewing, submit=True, overrides={"vuln.1": "later"})
        assessments.start_review(reviewing, None)
        assessments.review_answer(
            reviewing, "vuln.1", "unsatisfactory", "No patching deadline for critical flaws."
        )
        concluded = new("cobalt", "Initial due diligence")
        assessments.send(concluded, "compliance@cobalt-billing.example")
        _answer(concluded, submit=True)
        finding = assessments.raise_finding(
            concluded, concluded.vendor, "No multifactor authentication for remote support",
            "high", question_id="access.2",
            description="Support staff reach production with a password only.",
        )  # fmt: skip
        assessments.plan_action(
            finding, "Enforce MFA on the support VPN", "Luis Ortega", today + timedelta(days=45)
        )
        approvers = users_with("approve_vendor_risk")
        if approvers:
            assessments.accept_risk(
                concluded.vendor, approvers[0], "Support access is IP-restricted and logged "
                "until MFA is rolled out.", today + timedelta(days=90), finding,
                "IP allow-list; session recording",
            )  # fmt: skip
        assessments.conclude(
            concluded, None, "conditions", "medium", "Acceptable once MFA is enforced on support."
        )
        cancelled = new("summit", "Sent by mistake: no PHI")
        assessments.cancel(cancelled)
        for name in ("kev-excerpt.json", "osv-records.json", "pacs-viewer.vex.json"):
            vulns.import_path(DEMO / name)
        pump = Product.objects.get(vendor=vendors["meridian"])
        viewer = Product.objects.get(vendor=vendors["northwind"])
        exposure.add_sbom(pump, DEMO / "infusion-gateway.cdx.json")
        exposure.add_sbom(viewer, DEMO / "pacs-viewer.spdx")
        monitor.import_breach_report(DEMO / "breach-portal.csv")
        monitor.raise_triggers(today)
    return {
        "vendors": Vendor.objects.count(),
        "assessments": Assessment.objects.count(),
        "kev_products": sum(1 for row in exposure.exposure() if row["kev"]),
    }
