"""What a daily run watches: due assessments (vendor reminders 7, 3 and 1 days before),
lapsing assurance evidence and BAAs, contract renewals and reassessment cadence; and the
HHS OCR breach portal, for vendors that reported a breach."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.urls import reverse

from hygeia.core import notify
from hygeia.core.names import similarity
from hygeia.core.permissions import users_with
from hygeia.streams import csv_rows, keep
from hygeia.vendors.assessments import REMINDER_DAYS, issue_link, portal_url
from hygeia.vendors.models import (
    Assessment,
    Baa,
    BreachReport,
    Certification,
    Contract,
    Trigger,
    Vendor,
)

EVIDENCE_WARNING_DAYS = (60, 30, 7)
RENEWAL_WINDOW_DAYS = 90
CADENCE_WINDOW_DAYS = 30
MATCH_THRESHOLD = 0.86


def remind(today: date) -> dict[str, int]:
    sent = {"assessments": 0, "evidence": 0, "baas": 0, "triggers": 0}
    for assessment in Assessment.objects.filter(
        state__in=[Assessment.State.SENT, Assessment.State.IN_PROGRESS], due_on__isnull=False
    ).select_related("vendor"):
        days = (assessment.due_on - today).days if assessment.due_on else None
        if days in REMINDER_DAYS and days not in assessment.reminders_sent:
            # Only hashes of the links are kept, so a reminder carries a fresh link (the one
            # sent before keeps working).
            emails = sorted({link.email for link in assessment.links.all() if link.active})
            for email in emails:
                notify.send_email(
                    [email],
                    f"Reminder: security assessment {assessment.number} is due in {days} "
                    f"day{'s' if days != 1 else ''}",
                    f"Our security questionnaire for {assessment.vendor} is due on "
                    f"{assessment.due_on:%Y-%m-%d}. Your answers so far are kept; this link "
                    f"opens the assessment:\n\n{portal_url(issue_link(assessment, email))}\n",
                )
            if emails:
                assessment.reminders_sent = [*assessment.reminders_sent, days]
                assessment.save(update_fields=["reminders_sent"])
                sent["assessments"] += 1
    managers = [u.email for u in users_with("manage_vendors", with_email=True)]
    for cert in Certification.objects.select_related("vendor"):
        days = (cert.expires_on - today).days
        due = [d for d in EVIDENCE_WARNING_DAYS if days <= d and d not in cert.reminders_sent]
        if due and days >= -1:
            notify.send_email(
                managers,
                f"{cert.get_kind_display()} of {cert.vendor} expires on {cert.expires_on}",
                f"Ask {cert.vendor} for the next one.\n\n"
                f"{notify.link(reverse('vendors:detail', args=[cert.vendor_id]))}\n",
            )
            cert.reminders_sent = [*cert.reminders_sent, *due]
            cert.save(update_fields=["reminders_sent"])
            sent["evidence"] += 1
    for baa in Baa.objects.filter(status=Baa.Status.SIGNED, expires_on__isnull=False):
        if baa.expires_on and (baa.expires_on - today).days in EVIDENCE_WARNING_DAYS:
            notify.send_email(
                managers,
                f"BAA with {baa.vendor} expires on {baa.expires_on}",
                "Renew it before it lapses: without it, PHI may not be shared.\n",
            )
            sent["baas"] += 1
    sent["triggers"] = raise_triggers(today)
    return sent


def raise_triggers(today: date) -> int:
    created = 0
    horizon = today + timedelta(days=RENEWAL_WINDOW_DAYS)
    for contract in Contract.objects.filter(renewal_on__gte=today, renewal_on__lte=horizon):
        _, new = Trigger.objects.get_or_create(
            vendor_id=contract.vendor_id,
            kind=Trigger.Kind.RENEWAL,
            key=f"contract {contract.pk} renews {contract.renewal_on}",
            defaults={"detail": f"{contract.title} renews on {contract.renewal_on}"},
        )
        created += int(new)
    open_states = [s for s in Assessment.State.values if s not in ("concluded", "cancelled")]
    cadence = today + timedelta(days=CADENCE_WINDOW_DAYS)
    for vendor in Vendor.objects.filter(next_assessment_due__lte=cadence).exclude(
        assessments__state__in=open_states
    ):
        _, new = Trigger.objects.get_or_create(
            vendor=vendor,
            kind=Trigger.Kind.CADENCE,
            key=f"due {vendor.next_assessment_due}",
            defaults={
                "detail": f"Reassessment due on {vendor.next_assessment_due} (tier {vendor.tier})"
            },
        )
        created += int(new)
    return created


# --- HHS OCR breach portal -----------------------------------------------------------------


HEADERS = {
    "name of covered entity": "entity",
    "state": "state",
    "covered entity type": "type",
    "individuals affected": "individuals",
    "breach submission date": "submitted",
    "type of breach": "breach_type",
    "business associate present": "ba",
}


def _date(text: str) -> date | None:
    for pattern in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def import_breach_report(path: Path) -> dict[str, Any]:
    """Rows that look like one of our vendors become matches to review. Returns counts:
    read = matched + unmatched + rejected. The file is read one row at a time; `problems`
    keeps the first ones and `problems_omitted` counts the rest. Raises ValueError naming the
    file (and the line: a line that is not UTF-8, too long, or that csv cannot read)."""
    header: dict[str, int] | None = None
    names = [(v, [v.legal_name, *v.aliases]) for v in Vendor.objects.all()]
    counts: dict[str, Any] = {"file": path.name, "read": 0, "matched": 0, "unmatched": 0,
                              "rejected": 0, "problems": [], "problems_omitted": 0}  # fmt: skip
    with transaction.atomic():
        for line, row in csv_rows(path):
            if header is None:
                found = {c.strip().lower(): i for i, c in enumerate(row)}
                if "name of covered entity" in found:
                    header = {HEADERS[k]: i for k, i in found.items() if k in HEADERS}
                continue
            counts["read"] += 1
            cells = {k: row[i].strip() if i < len(row) else "" for k, i in header.items()}
            entity = cells.get("entity", "")
            if not entity:
                counts["rejected"] += 1
                problem = f"{path.name}: line {line}: no entity name"
                counts["problems_omitted"] += keep(counts["problems"], problem)
                continue
            best = max(
                ((similarity(entity, n), v) for v, aliases in names for n in aliases),
                default=(0.0, None),
                key=lambda pair: pair[0],
            )
            if best[1] is None or best[0] < MATCH_THRESHOLD:
                counts["unmatched"] += 1
                continue
            BreachReport.objects.get_or_create(
                vendor=best[1],
                entity_name=entity[:300],
                submitted_on=_date(cells.get("submitted", "")),
                defaults={
                    "state": cells.get("state", "")[:10],
                    "entity_type": cells.get("type", "")[:100],
                    "individuals": int(re.sub(r"\D", "", cells.get("individuals", "")) or 0),
                    "breach_type": cells.get("breach_type", "")[:200],
                    "business_associate_present": cells.get("ba", "").lower() == "yes",
                    "similarity": round(best[0], 3),
                    "source_file": path.name[:300],
                    "source_line": line,
                },
            )
            counts["matched"] += 1
    if header is None:
        raise ValueError(
            f"{path.name}: no 'Name of Covered Entity' column: not a breach-portal export"
        )
    return counts


def review_breach(report: BreachReport, same: bool) -> None:
    report.review = BreachReport.Review.CONFIRMED if same else BreachReport.Review.DISMISSED
    report.save()
    if same:
        Trigger.objects.get_or_create(
            vendor=report.vendor,
            kind=Trigger.Kind.BREACH,
            key=f"breach {report.pk}",
            defaults={
                "detail": f"{report.entity_name} reported a breach on {report.submitted_on} "
                f"({report.individuals or 'unknown'} individuals)"
            },
        )
