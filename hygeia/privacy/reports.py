"""Reports: the patient access report ("who looked at my record?") and the monthly privacy
report for the compliance committee, with the figures behind the privacy dashboard."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hygeia.core.pdf import Document, stamp
from hygeia.privacy import accesses
from hygeia.privacy.cases.models import Case
from hygeia.privacy.cases.vocabulary import vocabulary
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.ingest import lake
from hygeia.privacy.models import Alert, AlertDetector, Patient

ACCESS_COLUMNS = (
    "date_time_local",
    "date_time_utc",
    "user",
    "user_name",
    "role",
    "department",
    "action",
    "what",
    "system",
    "explained",
    "explanation",
)
ACTION_WORDS = {
    "read": "viewed",
    "search": "searched",
    "create": "created",
    "update": "changed",
    "delete": "deleted",
    "export": "exported or printed",
    "execute": "ran a function on",
}


@dataclass
class AccessReport:
    patient: Patient
    since: date
    until: date
    rows: list[accesses.Access]
    cut: bool

    @property
    def unexplained(self) -> int:
        return sum(1 for r in self.rows if not r.explained)


def patient_access(patient: Patient, since: date, until: date) -> AccessReport:
    accesses.require_prepared(lake())
    if not patient.fhir_id:  # never referenced by the audit logs' patient references
        return AccessReport(patient, since, until, [], False)
    rows, cut = accesses.lookup(lake(), since, until, patient_id=patient.fhir_id)
    return AccessReport(patient, since, until, rows, cut)


def row(access: accesses.Access) -> dict[str, str]:
    return {
        "date_time_local": access.local.strftime("%Y-%m-%d %H:%M"),
        "date_time_utc": access.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "user": access.user_id,
        "user_name": access.user_name,
        "role": access.job_title,
        "department": access.department,
        "action": ACTION_WORDS.get(access.action, access.action),
        "what": access.resource_type or "record",
        "system": access.source_system,
        "explained": "yes" if access.explained else "no",
        "explanation": access.explanation,
    }


def access_csv(report: AccessReport) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ACCESS_COLUMNS)
    writer.writeheader()
    for access in report.rows:
        writer.writerow(row(access))
    return out.getvalue()


def access_pdf(report: AccessReport, organization: str) -> bytes:
    """Fit to send to the patient: plain words, who (name, role, department), when, what."""
    p = report.patient
    doc = Document(
        f"Who looked at your health record — {organization or 'our hospital'}",
        f"Report for {p.given_name} {p.family_name} (MRN {p.mrn}), accesses from "
        f"{report.since:%d %B %Y} to {report.until:%d %B %Y}. Prepared "
        f"{stamp(timezone.localtime())}.",
        footer=f"Confidential: contains health information about {p.given_name} {p.family_name}",
    )
    doc.paragraph(
        "This report lists each time a member of our workforce opened, searched, changed or "
        "printed your electronic health record in the period above, as recorded in our systems' "
        "audit logs. Most accesses are part of your care, its scheduling and its billing; where "
        "our records show why, the reason is given. If you have questions about any access, "
        "contact our Privacy Office."
    )
    doc.facts(
        [
            ("Accesses listed", len(report.rows)),
            ("People", len({r.user_id for r in report.rows})),
        ]
    )
    if report.cut:
        doc.paragraph(
            f"Only the first {len(report.rows)} accesses are listed; ask the Privacy Office "
            "for the complete list."
        )
    if not report.rows:
        doc.paragraph("No access to your record was recorded in this period.")
    else:
        doc.grid(
            ("Date and time", "Person", "Role", "Department", "What they did", "Reason recorded"),
            [
                (
                    r.local.strftime("%Y-%m-%d %H:%M"),
                    r.user_name or r.user_id,
                    r.job_title,
                    r.department,
                    f"{ACTION_WORDS.get(r.action, r.action)} {r.resource_type or 'record'}",
                    r.explanation or "not recorded",
                )
                for r in report.rows
            ],
            widths=(26, 32, 30, 30, 30, 32),
        )
    return doc.render()


# --- the dashboard and the monthly report ----------------------------------------------


def _month_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day.replace(day=1), time.min))


def months_back(end: date, count: int) -> list[date]:
    first = end.replace(day=1)
    found = []
    for _ in range(count):
        found.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(found))


def figures(since: date, until: date) -> dict[str, Any]:
    """Alerts, cases and confirmed violations for [since, until): by month, detector,
    department and category, and days to close."""
    start, end = _month_start(since), timezone.make_aware(datetime.combine(until, time.min))
    alerts = Alert.objects.filter(first_event__gte=start, first_event__lt=end)
    by_month_alerts = {
        row["m"].date().isoformat()[:7]: row["n"]
        for row in alerts.annotate(m=TruncMonth("first_event")).values("m").annotate(n=Count("id"))
    }
    cases = Case.objects.filter(created_at__gte=start, created_at__lt=end)
    by_month_cases = Counter(c.created_at.date().isoformat()[:7] for c in cases)
    violations = cases.filter(disposition="violation")
    by_month_violations = Counter(c.created_at.date().isoformat()[:7] for c in violations)
    detectors = Counter(
        AlertDetector.objects.filter(alert__in=alerts).values_list("detector", flat=True)
    )
    departments = Counter(alerts.values_list("department", flat=True))
    words = vocabulary()
    categories = Counter(
        words.violation_categories.get(c, c)
        for c in violations.values_list("violation_category", flat=True)
    )
    closed = [c for c in cases if c.closed_at]
    days_to_close = sorted((c.closed_at - c.created_at).days for c in closed)  # type: ignore[operator]
    dispositions = Counter(
        words.dispositions[d].title if d in words.dispositions else "undecided"
        for d in cases.values_list("disposition", flat=True)
    )
    months = [
        m.isoformat()[:7]
        for m in months_back(until - timedelta(days=1), 12)
        if m >= since.replace(day=1)
    ]
    return {
        "months": months,
        "alerts_by_month": [by_month_alerts.get(m, 0) for m in months],
        "cases_by_month": [by_month_cases.get(m, 0) for m in months],
        "violations_by_month": [by_month_violations.get(m, 0) for m in months],
        "by_detector": [
            (DETECTORS[d].title if d in DETECTORS else d, n) for d, n in detectors.most_common(12)
        ],
        "by_department": [(d or "unknown", n) for d, n in departments.most_common(12)],
        "by_category": categories.most_common(),
        "dispositions": dispositions.most_common(),
        "alerts": alerts.count(),
        "open_alerts": alerts.filter(Q(status="new") | Q(status="in_review")).count(),
        "cases": cases.count(),
        "violations": violations.count(),
        "closed": len(closed),
        "median_days_to_close": days_to_close[len(days_to_close) // 2] if days_to_close else None,
        "max_days_to_close": days_to_close[-1] if days_to_close else None,
    }


def monthly_pdf(month: date, organization: str) -> bytes:
    """The compliance committee's report for one calendar month, with the year to date."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    this = figures(first, following)
    year = figures(date(first.year, 1, 1), following)
    doc = Document(
        f"Privacy monitoring report — {first:%B %Y}",
        f"{organization or 'Hygeia'} · prepared {stamp(timezone.localtime())}",
        footer="Confidential: for the compliance committee",
    )
    doc.heading("The month at a glance")
    doc.facts(
        [
            ("Alerts raised", this["alerts"]),
            ("Alerts still open", this["open_alerts"]),
            ("Cases opened", this["cases"]),
            ("Confirmed violations", this["violations"]),
            ("Cases closed", this["closed"]),
            (
                "Median days to close",
                this["median_days_to_close"] if this["median_days_to_close"] is not None else "—",
            ),
        ]
    )
    doc.bars("Alerts by detector", this["by_detector"])
    doc.bars("Alerts by department", this["by_department"])
    doc.bars("Confirmed violations by category", this["by_category"])
    doc.bars("Case outcomes", this["dispositions"])
    doc.heading(f"Year to date ({first.year})")
    doc.grid(
        ("Month", "Alerts", "Cases", "Violations"),
        list(
            zip(
                year["months"],
                year["alerts_by_month"],
                year["cases_by_month"],
                year["violations_by_month"],
                strict=True,
            )
        ),
        widths=(45, 45, 45, 45),
    )
    open_cases = Case.objects.exclude(status=Case.Status.CLOSED).order_by("created_at")
    if open_cases.exists():
        doc.heading("Open cases")
        doc.grid(
            ("Case", "Opened", "Status", "Employees"),
            [
                (
                    c.number,
                    c.created_at.date().isoformat(),
                    c.get_status_display(),
                    ", ".join(c.subjects),
                )
                for c in open_cases[:200]
            ],
            widths=(35, 30, 45, 70),
        )
    return doc.render()
