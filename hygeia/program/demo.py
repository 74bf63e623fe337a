"""The security-program part of `hygeia demo`: a small register of synthetic risks with
ranges, controls and planned treatments (content/program/demo/risks.yaml)."""

from __future__ import annotations

import csv
import random
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from hygeia.core import audit
from hygeia.program import assess, frameworks, policies, registry
from hygeia.program.models import (
    BudgetLine,
    Framework,
    FrameworkAssessment,
    PhishingCampaign,
    PhishingResult,
    Policy,
    PolicyVersion,
    Requirement,
    Risk,
    TrainingRecord,
    Treatment,
)

DEMO = Path(__file__).resolve().parent.parent / "content" / "program" / "demo" / "risks.yaml"


def seed(staff_csv: Path | None = None) -> dict[str, int]:
    if Risk.objects.exists():
        return {"risks": Risk.objects.count()}
    frameworks.install_bundled()
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    with audit.acting_as(audit.Actor(name="demo")), transaction.atomic():
        for item in data["risks"]:
            low, likely, high = item["frequency"]
            m_low, m_likely, m_high = item["magnitude"]
            risk = Risk.objects.create(
                reference=registry.next_reference(),
                title=item["title"],
                assets=item.get("assets", ""),
                threat=item.get("threat", ""),
                owner_name="Chief Information Security Officer",
                likelihood=item["likelihood"],
                impact=item["impact"],
                lef_min=low, lef_likely=likely, lef_max=high,
                lm_min=m_low, lm_likely=m_likely, lm_max=m_high,
            )  # fmt: skip
            risk.controls.set(
                Requirement.objects.filter(framework__key="hhs-cpg", ref__in=item["controls"])
            )
            for treatment in item.get("treatments", []):
                Treatment.objects.create(
                    risk=risk,
                    title=treatment["title"],
                    cost=Decimal(treatment["cost"]),
                    annual_cost=Decimal(treatment["annual_cost"]),
                    frequency_reduction=treatment["frequency_reduction"],
                    magnitude_reduction=treatment["magnitude_reduction"],
                    status=treatment["status"],
                )
        _assessment()
        _policies_and_budget()
        if staff_csv is not None and staff_csv.exists():
            _education(staff_csv)
    return {"risks": Risk.objects.count()}


def _assessment() -> None:
    """A CPG self-assessment under way: the essential goals answered, the enhanced ones not."""
    framework = Framework.objects.get(key="hhs-cpg")
    item = FrameworkAssessment.objects.create(
        framework=framework, title="CPG self-assessment", owner_name="CISO"
    )
    answers = {"CPG-E1": ("partial", 2), "CPG-E2": ("implemented", 3), "CPG-E3": ("partial", 2),
               "CPG-E4": ("implemented", 3), "CPG-E5": ("implemented", 4),
               "CPG-E6": ("partial", 2), "CPG-E7": ("implemented", 3), "CPG-E8": ("implemented", 4),
               "CPG-E9": ("not_implemented", 1), "CPG-E10": ("partial", 2)}  # fmt: skip
    for ref, (status, maturity) in answers.items():
        assess.record(item, framework.requirements.get(ref=ref), status=status,
                      maturity=maturity, target_maturity=4)  # fmt: skip


def _policies_and_budget() -> None:
    today = timezone.localdate()
    for title, text, refs in [
        ("Acceptable use of information systems",
         "Use hospital systems for hospital work. Never share your password. Report suspected "
         "phishing with the Report button.", ["GV.PO-01", "PR.AT-01"]),
        ("Access control", "Access follows the least privilege a role needs; accounts are "
         "removed the day someone leaves.", ["PR.AA-05", "PR.AA-01"]),
    ]:  # fmt: skip
        policy = Policy.objects.create(
            reference=policies.next_reference(), title=title, owner_name="CISO"
        )
        policy.requirements.set(Requirement.objects.filter(framework__key="nist-csf", ref__in=refs))
        PolicyVersion.objects.create(
            policy=policy, version="1.0", text=text, status=PolicyVersion.Status.APPROVED,
            approved_at=timezone.now(), next_review_on=today.replace(year=today.year + 1),
        )  # fmt: skip

    risks = {r.title.split()[0].lower(): r for r in Risk.objects.all()}
    for year, title, kind, amount, linked in [
        (today.year - 1, "Endpoint detection and response", "tool", 180_000, ["ransomware"]),
        (today.year - 1, "Security analysts (2 FTE)", "staff", 260_000, ["workforce"]),
        (today.year, "Immutable EHR backups", "project", 350_000, ["ransomware"]),
        (today.year, "MFA for remote access", "project", 120_000, ["ransomware"]),
        (today.year, "Vendor assessments (service)", "service", 90_000, ["business"]),
        (today.year, "Security analysts (3 FTE)", "staff", 390_000, ["workforce"]),
    ]:  # fmt: skip
        line = BudgetLine.objects.create(year=year, title=title, kind=kind, amount=Decimal(amount))
        line.risks.set([risks[k] for k in linked if k in risks])


def _education(staff_csv: Path) -> None:
    """Two phishing simulations of part of the staff (click rates falling after training) and
    a year's security training, as the learning system would export it."""
    with open(staff_csv, encoding="utf-8") as handle:
        staff = [(row["user_id"], row["department"]) for row in csv.DictReader(handle)]
    rng = random.Random(5)  # noqa: S311 - synthetic data
    people = rng.sample(staff, min(120, len(staff)))
    today = timezone.localdate()
    for number, (name, click, launched) in enumerate(
        [("Invoice lure", 0.30, today - timedelta(days=150)),
         ("Parcel delivery lure", 0.14, today - timedelta(days=40))], 1
    ):  # fmt: skip
        campaign = PhishingCampaign.objects.create(
            source="demo", external_id=str(number), name=name,
            launched_at=timezone.make_aware(datetime.combine(launched, time(9))),
        )  # fmt: skip
        for login, department in people:
            clicked = rng.random() < click
            PhishingResult.objects.create(
                campaign=campaign, email=f"{login}@fairhaven.example", department=department,
                sent=True, opened=clicked or rng.random() < 0.5, clicked=clicked,
                submitted=clicked and rng.random() < 0.4,
                reported=not clicked and rng.random() < 0.3,
            )  # fmt: skip
    for login, department in staff:
        TrainingRecord.objects.create(
            person=f"{login}@fairhaven.example", department=department,
            course=f"Security basics {today.year}", due_on=today - timedelta(days=30),
            completed_on=today - timedelta(days=rng.randint(31, 90))
            if rng.random() < 0.86 else None,
            source="demo",
        )  # fmt: skip
