"""The alert list: what detection found, highest score first, with the reasons in words.
Patient ids are masked for roles that do not see identifiers; showing them is recorded in
the audit trail. (Triage, cases and the breach assessment build on this page.)"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hygeia.core import audit
from hygeia.core.permissions import has, require
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.models import Alert, DetectionRun
from hygeia.privacy.phi import MASK

PER_PAGE = 50
SEVERITIES = ("critical", "high", "medium", "low")


@require("view_alerts")
def alerts(request: HttpRequest) -> HttpResponse:
    found = Alert.objects.all()
    detector = request.GET.get("detector", "")
    severity = request.GET.get("severity", "")
    if detector in DETECTORS:  # detector ids are distinct words: a text match is exact
        found = found.filter(detectors__icontains=f'"{detector}"')
    if severity in SEVERITIES:
        found = found.filter(severity=severity)
    page = Paginator(found.order_by("-score", "key"), PER_PAGE).get_page(request.GET.get("page"))
    identifiers = has(request.user, "view_patient_identifiers")
    shown = [
        {
            "alert": a,
            "patient": (a.patient_id if identifiers else MASK) if a.patient_id else "",
            "detectors": [DETECTORS[d].title if d in DETECTORS else d for d in a.detectors],
        }
        for a in page.object_list
    ]
    if identifiers and any(a["patient"] for a in shown):
        audit.record(
            "view_phi",
            summary=f"privacy alert list: {sum(1 for a in shown if a['patient'])} patient ids",
            object_type="privacy_alerts",
            details={"page": page.number},
        )
    return render(
        request,
        "privacy/alerts.html",
        {
            "page": page,
            "rows": shown,
            "run": DetectionRun.objects.first(),
            "detectors": sorted((d.id, d.title) for d in DETECTORS.values()),
            "severities": SEVERITIES,
            "detector": detector,
            "severity": severity,
            "total": Alert.objects.count(),
        },
    )
