"""The patient access report page (HTML, PDF, CSV), the privacy dashboard and the monthly
report PDF."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hygeia.core import audit, charts
from hygeia.core.models import Organization
from hygeia.core.permissions import require
from hygeia.core.uploads import attachment
from hygeia.privacy import accesses, reports
from hygeia.privacy.models import Patient

DEFAULT_DAYS = 90
MAX_DAYS = 6 * 366  # HIPAA records are kept six years


def _period(request: HttpRequest) -> tuple[date, date, list[str]]:
    today = timezone.localdate()
    problems = []
    try:
        until = date.fromisoformat(request.GET.get("until") or today.isoformat())
    except ValueError:
        problems.append("the end date is not a date (YYYY-MM-DD)")
        until = today
    try:
        since = date.fromisoformat(
            request.GET.get("since") or (until - timedelta(days=DEFAULT_DAYS)).isoformat()
        )
    except ValueError:
        problems.append("the start date is not a date (YYYY-MM-DD)")
        since = until - timedelta(days=DEFAULT_DAYS)
    if since > until:
        problems.append("the start date is after the end date")
        since = until
    if (until - since).days > MAX_DAYS:
        problems.append(f"a report covers at most {MAX_DAYS} days")
        since = until - timedelta(days=MAX_DAYS)
    return since, until, problems


def _organization() -> str:
    org = Organization.objects.first()
    return org.name if org else ""


@require("patient_access_reports")
def access_report(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = get_object_or_404(Patient, pk=patient_id)
    since, until, problems = _period(request)
    fmt = request.GET.get("format", "html")
    report = reports.AccessReport(patient, since, until, [], False)
    problem = ""
    if not problems:
        try:
            report = reports.patient_access(patient, since, until)
        except accesses.NotPrepared as exc:
            problem = f"Accesses cannot be explained yet: {exc}. Run `hygeia privacy detect`."
    audit.record(
        audit.Action.EXPORT if fmt in ("pdf", "csv") else audit.Action.VIEW_PHI,
        object_type="privacy.patient_access_report",
        object_id=str(patient.pk),
        patient_ref=str(patient.pk),
        summary=f"patient access report {since}..{until} ({fmt}, {len(report.rows)} accesses)",
    )
    name = f"access-report-{patient.pk}-{since}-{until}"
    if fmt == "csv" and not (problems or problem):
        return attachment(reports.access_csv(report), f"{name}.csv", "text/csv; charset=utf-8")
    if fmt == "pdf" and not (problems or problem):
        return attachment(
            reports.access_pdf(report, _organization()), f"{name}.pdf", "application/pdf"
        )
    return render(
        request,
        "privacy/access_report.html",
        {
            "patient": patient,
            "report": report,
            "rows": [reports.row(r) for r in report.rows],
            "since": since,
            "until": until,
            "problems": problems,
            "problem": problem,
        },
    )


@require("view_privacy_reports")
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    first = reports.months_back(today, 12)[0]
    data = reports.figures(first, today + timedelta(days=1))
    return render(
        request,
        "privacy/dashboard.html",
        {
            "data": data,
            "monthly": charts.bars(
                "Alerts, cases and confirmed violations by month",
                data["months"],
                {
                    "alerts": data["alerts_by_month"],
                    "cases": data["cases_by_month"],
                    "violations": data["violations_by_month"],
                },
            ),
            "detectors": charts.bars(
                "Alerts by detector",
                [d for d, _ in data["by_detector"]],
                {"alerts": [n for _, n in data["by_detector"]]},
            ),
            "departments": charts.bars(
                "Alerts by department",
                [d for d, _ in data["by_department"]],
                {"alerts": [n for _, n in data["by_department"]]},
            ),
            "categories": charts.bars(
                "Confirmed violations by category",
                [c for c, _ in data["by_category"]],
                {"violations": [n for _, n in data["by_category"]]},
            )
            if data["by_category"]
            else None,
            "report_months": reports.months_back(today, 12)[::-1],
        },
    )


@require("view_privacy_reports")
def monthly(request: HttpRequest, year: int, month: int) -> HttpResponse:
    try:
        first = date(year, month, 1)
    except ValueError:
        raise Http404("no such month") from None
    audit.record(
        audit.Action.EXPORT,
        object_type="privacy.monthly_report",
        object_id=first.isoformat()[:7],
        summary=f"monthly privacy report {first:%Y-%m}",
    )
    return attachment(
        reports.monthly_pdf(first, _organization()),
        f"privacy-report-{first:%Y-%m}.pdf",
        "application/pdf",
    )
