from __future__ import annotations

from pathlib import Path

import pytest

from hygeia.vendors.models import Product, Vendor

HERE = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures"
# Real SBOMs, VEX and the KEV catalog (CC0, licences beside them), plus any further ones in the
# shared fixtures folder next to the repository when it is there.
SBOMS = sorted(
    {
        p.name: p
        for d in (SHARED / "cyclonedx", HERE / "cyclonedx")
        for p in d.glob("*")
        if p.suffix in (".json", ".xml") and "vex" not in p.name
    }.values()
)
VEX = HERE / "cyclonedx" / "vex-cisa-case-2.json"
KEV = HERE / "kev" / "known_exploited_vulnerabilities.json"


@pytest.fixture
def product(db):
    vendor = Vendor.objects.create(legal_name="Meridian Infusion Technologies")
    return Product.objects.create(
        vendor=vendor,
        name="Pump gateway",
        kind="device",
        phi_volume="high",
        network_access="integrated",
        clinical_criticality="high",
    )


def osv(vid: str, ecosystem: str, name: str, *events: dict, versions=(), aliases=()) -> dict:
    return {
        "id": vid,
        "modified": "2025-01-01T00:00:00Z",
        "aliases": list(aliases),
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [{"type": "ECOSYSTEM", "events": list(events)}] if events else [],
                "versions": list(versions),
            }
        ],
    }
