"""The third-party risk dashboard, and the breach-portal and vulnerability-file imports that
feed it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hygeia.core import charts, uploads
from hygeia.core.permissions import has, require
from hygeia.vendors import exposure, monitor, tiering, vulns
from hygeia.vendors.models import (
    Assessment,
    Baa,
    BreachReport,
    Certification,
    CorrectiveAction,
    Finding,
    KevEntry,
    RiskAcceptance,
    Trigger,
    Vendor,
)
from hygeia.vendors.summary import baa_coverage

OPEN_STATES = ["sent", "in_progress"]


def _months(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


def monthly(today: date) -> Any:
    months = _months(today, 12)
    start = timezone.make_aware(datetime.combine(months[0], datetime.min.time()))
    concluded = Counter(
        d.strftime("%Y-%m")
        for d in Assessment.objects.filter(concluded_at__gte=start).values_list(
            "concluded_at", flat=True
        )
        if d
    )
    raised = Counter(
        d.strftime("%Y-%m")
        for d in Finding.objects.filter(created_at__gte=start).values_list("created_at", flat=True)
    )
    labels = [m.strftime("%Y-%m") for m in months]
    return charts.lines(
        "Assessments concluded and findings raised, by month",
        labels,
        {"assessments concluded": [concluded[m] for m in labels],
         "findings raised": [raised[m] for m in labels]},
    )  # fmt: skip


@require("view_vendors")
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rules = tiering.rules()
    by_tier = Counter(Vendor.objects.values_list("tier", flat=True))
    tier_labels = [f"{t.tier} {t.name}" for t in sorted(rules.tiers, key=lambda t: t.tier)]
    tier_counts = [by_tier.get(t.tier, 0) for t in sorted(rules.tiers, key=lambda t: t.tier)]
    findings = Finding.objects.filter(status=Finding.Status.OPEN)
    severity = Counter(findings.values_list("severity", flat=True))
    rows = exposure.exposure()
    kev_products = [r for r in rows if r["kev"]]
    overdue_assessments = Assessment.objects.filter(due_on__lt=today, state__in=OPEN_STATES)
    overdue_reassessments = Vendor.objects.filter(next_assessment_due__lt=today).exclude(
        assessments__state__in=[*OPEN_STATES, "draft", "submitted", "in_review"]
    )
    context = {
        "total": Vendor.objects.count(),
        "coverage": baa_coverage(today),
        "tiers_chart": (
            charts.bars("Vendors by inherent tier", tier_labels, {"vendors": tier_counts})
            if sum(tier_counts)
            else None
        ),
        "overdue_assessments": overdue_assessments.select_related("vendor"),
        "overdue_reassessments": overdue_reassessments[:20],
        "in_review": Assessment.objects.filter(state__in=["submitted", "in_review"]).count(),
        "open_findings": findings.count(),
        "severity": [(label, severity.get(key, 0)) for key, label in reversed(
            Finding._meta.get_field("severity").choices or [])],
        "open_actions": CorrectiveAction.objects.exclude(status="verified").count(),
        "late_actions": CorrectiveAction.objects.exclude(status__in=["done", "verified"])
        .filter(due_on__lt=today).count(),
        "acceptances": RiskAcceptance.objects.filter(revoked_at__isnull=True, expires_on__gte=today)
        .select_related("vendor").order_by("expires_on")[:10],
        "kev_products": kev_products,
        "sbom_products": len(rows),
        "kev_catalog": KevEntry.objects.count(),
        "triggers": Trigger.objects.filter(resolved_at__isnull=True).select_related("vendor")[:20],
        "breaches": BreachReport.objects.filter(review="pending").select_related("vendor"),
        "lapsing": Certification.objects.filter(expires_on__lte=today + timedelta(days=60))
        .select_related("vendor").order_by("expires_on")[:20],
        "baas_lapsing": Baa.objects.filter(
            status="signed", expires_on__lte=today + timedelta(days=60)
        ).select_related("vendor")[:20],
        "trend": monthly(today),
        "can_manage": has(request.user, "manage_vendors"),
        "today": today,
    }  # fmt: skip
    return render(request, "vendors/dashboard.html", context)


@require("manage_vendors")
@require_POST
def breach_import(request: HttpRequest) -> HttpResponse:
    with uploads.spooled(request.FILES.getlist("file")) as paths:
        for path in paths:
            try:
                counts = monitor.import_breach_report(path)
            except ValueError as exc:
                messages.error(request, str(exc))
                continue
            messages.success(
                request,
                f"{path.name}: {counts['read']} rows, {counts['matched']} resembling a vendor.",
            )
    return redirect("vendors:dashboard")


@require("manage_vendors")
@require_POST
def breach_review(request: HttpRequest, report_id: int) -> HttpResponse:
    report = get_object_or_404(BreachReport, pk=report_id)
    monitor.review_breach(report, request.POST.get("same") == "yes")
    messages.success(request, "Recorded.")
    return redirect("vendors:dashboard")


@require("manage_vendors")
@require_POST
def vulns_import(request: HttpRequest) -> HttpResponse:
    with uploads.spooled(request.FILES.getlist("file")) as paths:
        for path in paths:
            try:
                messages.success(request, vulns.import_path(path).summary())
            except vulns.VulnFileError as exc:
                messages.error(request, str(exc))
    totals = exposure.rematch()
    messages.info(
        request,
        f"Re-matched {totals['products']} products: {totals['kev']} known-exploited "
        f"({totals['new_kev']} new).",
    )
    return redirect("vendors:exposure")
