"""Inherent tiering from the rules file, and what a tier change sets off."""

from __future__ import annotations

from datetime import date

import pytest

from hygeia.vendors import tiering
from hygeia.vendors.models import Product, Trigger, Vendor

pytestmark = pytest.mark.django_db


def _product(**fields):
    vendor = Vendor.objects.create(legal_name=f"V{Vendor.objects.count()}")
    return Product.objects.create(vendor=vendor, name="p", **fields)


def test_points_and_reasons():
    critical = _product(
        phi_volume="high",
        clinical_criticality="high",
        network_access="integrated",
        substitutability="hard",
        ehr_integration=True,
    )
    tier, reasons = tiering.classify(critical)
    assert tier == 1 and reasons[0] == "14 points"
    assert "Volume of PHI handled: high (+4)" in reasons
    low = _product(phi_volume="none", substitutability="easy")
    assert tiering.classify(low) == (4, ["0 points"])


def test_floors_lift_a_product_that_points_alone_would_leave_low():
    phi_only = _product(phi_volume="high", substitutability="easy")  # 4 points: tier 3
    tier, reasons = tiering.classify(phi_only)
    assert tier == 2 and any("at least tier 2" in r for r in reasons)


def test_vendor_takes_its_most_critical_product_and_a_change_is_a_trigger():
    product = _product(phi_volume="low")
    vendor = product.vendor
    assert tiering.retier(vendor) and vendor.tier == 4  # 1 (low PHI) + 1 (moderate) points
    first = vendor.tier
    assert vendor.next_assessment_due == date.today()  # never assessed: due now
    Product.objects.create(
        vendor=vendor, name="q", clinical_criticality="high", network_access="integrated"
    )
    assert tiering.retier(vendor) and vendor.tier == 2
    trigger = Trigger.objects.get(vendor=vendor, kind="tier")
    assert trigger.detail == f"Tier changed from {first} to 2"
    assert not tiering.retier(vendor)  # nothing changed: nothing new


def test_cadence_follows_the_tier():
    vendor = Vendor.objects.create(legal_name="Cadence", tier=1, last_assessed_on=date(2025, 1, 31))
    tiering.schedule(vendor)
    assert vendor.next_assessment_due == date(2026, 1, 31)
    vendor.tier = 4
    tiering.schedule(vendor)
    assert vendor.next_assessment_due == date(2028, 1, 31)
    assert tiering.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_the_hospital_can_use_its_own_rules(settings, tmp_path):
    rules = tmp_path / "tiers.yaml"
    rules.write_text(
        "factors:\n  phi_volume:\n    points: {none: 0, low: 5, medium: 5, high: 5}\n"
        "tiers:\n  - {tier: 1, name: Top, min_points: 5, reassess_months: 6}\n"
        "  - {tier: 2, name: Rest, min_points: 0, reassess_months: 24}\n"
    )
    settings.VENDOR_TIER_RULES = str(rules)
    assert tiering.classify(_product(phi_volume="low"))[0] == 1
    assert tiering.rules().tier(1).reassess_months == 6
    rules.write_text(rules.read_text().replace("min_points: 0", "min_points: 1"))
    with pytest.raises(ValueError, match="start at 0"):
        tiering.rules()
