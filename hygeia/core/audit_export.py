"""Filtering and streaming exports of the audit trail (UI, API and command line share these)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hygeia.core.audit_fhir import to_audit_event
from hygeia.core.models import AuditEntry

CSV_COLUMNS = [
    "seq",
    "at",
    "actor",
    "source_ip",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "patient_ref",
    "summary",
    "prev_hash",
    "entry_hash",
]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_entries(
    *,
    who: str = "",
    action: str = "",
    outcome: str = "",
    object_type: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching the viewer's filters, newest first. `until` includes that whole day."""
    entries = AuditEntry.objects.all()
    if who:
        entries = entries.filter(actor__icontains=who)
    if action:
        entries = entries.filter(action=action)
    if outcome:
        entries = entries.filter(outcome=outcome)
    if object_type:
        entries = entries.filter(object_type__icontains=object_type)
    if since:
        entries = entries.filter(at__gte=_day_start(since))
    if until:
        entries = entries.filter(at__lt=_day_start(until) + timedelta(days=1))
    return entries.order_by("-seq")


def describe_filter(filters: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(filters.items()) if v) or "all entries"


def iter_ndjson(entries: Iterable[AuditEntry]) -> Iterator[str]:
    for entry in entries:
        yield json.dumps(to_audit_event(entry), separators=(",", ":"), ensure_ascii=False) + "\n"


def iter_csv(entries: Iterable[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([_csv_safe(getattr(entry, c)) for c in CSV_COLUMNS])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_safe(value: Any) -> str:
    """Values as text, defused against spreadsheet formula injection."""
    text = (
        value.isoformat()
        if isinstance(value, datetime)
        else str(value if value is not None else "")
    )
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
