"""Figures about the vendor program that other pages (the dashboard, the API, the security
program's evidence, the board report) show."""

from __future__ import annotations

from datetime import date
from typing import Any

from hygeia.vendors.models import Assessment, Vendor


def baa_coverage(today: date) -> dict[str, Any]:
    """Share of PHI-handling vendors with a current BAA."""
    vendors = list(Vendor.objects.prefetch_related("products", "baas"))
    handling = [v for v in vendors if v.handles_phi]
    covered = [v for v in handling if any(b.current(today) for b in v.baas.all())]
    share = round(100 * len(covered) / len(handling)) if handling else None
    missing = [v for v in handling if v not in covered]
    return {"handling": len(handling), "covered": len(covered), "share": share,
            "missing": missing[:20]}  # fmt: skip


def assessment_coverage(today: date) -> dict[str, Any]:
    """Tier 1-2 vendors whose reassessment is not overdue, out of all tier 1-2 vendors."""
    critical = Vendor.objects.filter(tier__in=[1, 2])
    current = critical.exclude(next_assessment_due__lt=today).exclude(last_assessed_on=None)
    total = critical.count()
    return {
        "critical": total,
        "current": current.count(),
        "share": round(100 * current.count() / total) if total else None,
        "concluded_last_year": Assessment.objects.filter(
            state=Assessment.State.CONCLUDED,
            concluded_at__date__gte=date(today.year - 1, today.month, 1),
        ).count(),
    }
