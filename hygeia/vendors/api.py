"""Vendors in the JSON API: the register, one vendor, assessments and SBOM exposure, for
GRC tools and spreadsheets that pull rather than import."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from hygeia.core.permissions import need
from hygeia.vendors import exposure
from hygeia.vendors.models import Assessment, Vendor
from hygeia.vendors.summary import baa_coverage
from hygeia.vendors.views import baa_status

router = Router(tags=["vendors"])


class ProductOut(Schema):
    id: int
    name: str
    kind: str
    phi_volume: str
    network_access: str
    clinical_criticality: str
    tier: int | None
    tier_reasons: list[str]


class VendorOut(Schema):
    id: int
    legal_name: str
    aliases: list[str]
    tier: int | None
    residual_risk: str
    baa: str
    last_assessed_on: date | None
    next_assessment_due: date | None
    open_findings: int
    products: list[ProductOut]


def _vendor(vendor: Vendor) -> dict[str, Any]:
    return {
        "id": vendor.pk,
        "legal_name": vendor.legal_name,
        "aliases": vendor.aliases,
        "tier": vendor.tier,
        "residual_risk": vendor.residual_risk,
        "baa": baa_status(vendor, timezone.localdate()),
        "last_assessed_on": vendor.last_assessed_on,
        "next_assessment_due": vendor.next_assessment_due,
        "open_findings": vendor.findings.filter(status="open").count(),
        "products": list(vendor.products.all()),
    }


@router.get("/vendors", response=list[VendorOut], summary="The vendor register")
def list_vendors(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[Any]:
    need(request, "view_vendors")
    vendors = Vendor.objects.prefetch_related("products", "baas")[
        max(offset, 0) : max(offset, 0) + min(limit, 500)
    ]
    return [_vendor(v) for v in vendors]


class ExposureOut(Schema):
    product_id: int
    product: str
    vendor: str
    tier: int | None
    components: int
    vulnerable_components: int
    kev: list[str]
    kev_possible: list[str]
    vulnerabilities: list[str]
    suppressed_by_vex: int


@router.get(
    "/vendors/exposure",
    response=list[ExposureOut],
    summary="Per product with an SBOM: vulnerable components and KEV CVEs",
)
def vendor_exposure(request: HttpRequest) -> list[dict[str, Any]]:
    need(request, "view_vendors")
    return exposure.exposure()


class AssessmentOut(Schema):
    number: str
    vendor: str
    product: str | None
    questionnaire: str
    state: str
    due_on: date | None
    score: float | None
    conclusion: str
    residual_risk: str


@router.get("/vendors/assessments", response=list[AssessmentOut], summary="Assessments")
def list_assessments(
    request: HttpRequest, state: str = "", limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    need(request, "view_vendors")
    items = Assessment.objects.select_related("vendor", "product", "questionnaire")
    if state:
        items = items.filter(state=state)
    return [
        {
            "number": a.number,
            "vendor": a.vendor.legal_name,
            "product": a.product.name if a.product else None,
            "questionnaire": f"{a.questionnaire.key} {a.questionnaire.version}",
            "state": a.state,
            "due_on": a.due_on,
            "score": a.score,
            "conclusion": a.conclusion,
            "residual_risk": a.residual_risk,
        }
        for a in items[max(offset, 0) : max(offset, 0) + min(limit, 500)]
    ]


class CoverageOut(Schema):
    handling: int
    covered: int
    share: int | None


@router.get("/vendors/baa-coverage", response=CoverageOut, summary="BAA coverage")
def coverage(request: HttpRequest) -> dict[str, Any]:
    need(request, "view_vendors")
    return baa_coverage(timezone.localdate())


@router.get("/vendors/{vendor_id}", response=VendorOut, summary="One vendor")
def get_vendor(request: HttpRequest, vendor_id: int) -> dict[str, Any]:
    need(request, "view_vendors")
    return _vendor(get_object_or_404(Vendor, pk=vendor_id))
