"""Inherent risk tiering: rules from a data file (content/vendors/tiering.yaml, or the file
HYGEIA_VENDOR_TIER_RULES names) applied to what a product touches. Residual risk, after an
assessment, is kept separately on the vendor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from hygeia.core.dates import add_months
from hygeia.vendors.models import Product, Trigger, Vendor

BUNDLED = Path(__file__).resolve().parent.parent / "content" / "vendors" / "tiering.yaml"


@dataclass(frozen=True)
class Tier:
    tier: int
    name: str
    min_points: float
    reassess_months: int


@dataclass(frozen=True)
class Rules:
    factors: dict[str, dict[str, Any]]
    tiers: list[Tier]
    floors: list[dict[str, Any]]

    def tier(self, number: int | None) -> Tier | None:
        return next((t for t in self.tiers if t.tier == number), None)


def rules_path() -> Path:
    configured = settings.VENDOR_TIER_RULES
    return Path(configured) if configured else BUNDLED


@cache
def _load(path: Path, mtime: float) -> Rules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    tiers = sorted(
        (Tier(int(t["tier"]), str(t["name"]), float(t["min_points"]), int(t["reassess_months"]))
         for t in data["tiers"]),
        key=lambda t: -t.min_points,
    )  # fmt: skip
    if not tiers or tiers[-1].min_points > 0:
        raise ValueError(f"{path.name}: one tier must start at 0 points")
    return Rules(factors=data["factors"], tiers=tiers, floors=list(data.get("floors") or []))


def rules() -> Rules:
    path = rules_path()
    return _load(path, path.stat().st_mtime)


def _value(product: Product, factor: str) -> str:
    return str(getattr(product, factor)).lower()


def classify(product: Product) -> tuple[int, list[str]]:
    """The product's tier and the reasons, e.g. ['Volume of PHI handled: high (+4)']."""
    table = rules()
    points = 0.0
    reasons = []
    for factor, spec in table.factors.items():
        value = _value(product, factor)
        gained = float(spec["points"].get(value, 0))
        points += gained
        if gained:
            reasons.append(f"{spec.get('title', factor)}: {value} (+{gained:g})")
    tier = next(t for t in table.tiers if points >= t.min_points)
    number = tier.tier
    for floor in table.floors:
        if (
            _value(product, floor["factor"]) == str(floor["value"]).lower()
            and floor["tier"] < number
        ):
            number = int(floor["tier"])
            reasons.append(f"at least tier {number}: {floor.get('why', floor['factor'])}")
    reasons.insert(0, f"{points:g} points")
    return number, reasons


def retier(vendor: Vendor) -> bool:
    """Recompute the tiers of a vendor's products and the vendor's; a change of the vendor's
    tier calls for reassessment. Returns whether the vendor's tier changed."""
    numbers = []
    for product in vendor.products.all():
        number, reasons = classify(product)
        if (product.tier, product.tier_reasons) != (number, reasons):
            product.tier, product.tier_reasons = number, reasons
            product.save()
        numbers.append(number)
    new_tier = min(numbers) if numbers else None
    changed = new_tier != vendor.tier
    if changed:
        before = vendor.tier
        vendor.tier = new_tier
        schedule(vendor)
        vendor.save()
        if before is not None and new_tier is not None:
            Trigger.objects.get_or_create(
                vendor=vendor,
                kind=Trigger.Kind.TIER,
                key=f"{before}->{new_tier}@{date.today().isoformat()}",
                defaults={"detail": f"Tier changed from {before} to {new_tier}"},
            )
    return changed


def schedule(vendor: Vendor) -> None:
    """The next assessment is due the tier's cadence after the last one (or now, if never)."""
    tier = rules().tier(vendor.tier)
    if tier is None:
        vendor.next_assessment_due = None
    elif vendor.last_assessed_on is None:
        vendor.next_assessment_due = date.today()
    else:
        vendor.next_assessment_due = add_months(vendor.last_assessed_on, tier.reassess_months)
