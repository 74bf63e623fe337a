"""The security-program part of `hygeia demo`: a small register of synthetic risks with
ranges, controls and planned treatments (content/program/demo/risks.yaml)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction

from hygeia.core import audit
from hygeia.program import frameworks, registry
from hygeia.program.models import Requirement, Risk, Treatment

DEMO = Path(__file__).resolve().parent.parent / "content" / "program" / "demo" / "risks.yaml"


def seed() -> dict[str, int]:
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
    return {"risks": Risk.objects.count()}
