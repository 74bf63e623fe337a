"""The Sources page: what has been ingested, from where, how fresh it is, and what was
quarantined and why. Quarantined records are shown masked unless the role sees patient
identifiers; every display of them is recorded in the audit trail."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Max, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from hygeia.core import audit
from hygeia.core.permissions import has, require
from hygeia.privacy.ingest import lake
from hygeia.privacy.models import IngestFile
from hygeia.privacy.phi import MASK

FILES_PER_PAGE = 50
RECORDS_PER_PAGE = 50
FORMAT_NAMES = {
    "fhir-auditevent": "FHIR AuditEvent",
    "atna": "IHE ATNA (XML files)",
    "atna-syslog": "IHE ATNA (syslog listener)",
    "staff-roster": "HR staff roster",
}


def format_name(code: str) -> str:
    if code in FORMAT_NAMES:
        return FORMAT_NAMES[code]
    if code.startswith("csv:"):
        return f"CSV export ({code[4:]})"
    if code.startswith("fhir-"):
        return "FHIR " + code[5:].replace("_", " ").title().replace(" ", "")
    return code


def _age(moment: datetime | None) -> str:
    if moment is None:
        return ""
    seconds = (datetime.now(UTC) - moment).total_seconds()
    if seconds < 3600:
        return f"{max(0, int(seconds // 60))} min"
    if seconds < 2 * 86400:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


@require("view_sources")
def sources(request: HttpRequest) -> HttpResponse:
    committed = IngestFile.objects.filter(status=IngestFile.Status.COMMITTED)
    summary = []
    for row in (
        committed.values("format")
        .annotate(
            files=Count("id"),
            read=Sum("read"),
            stored=Sum("stored"),
            duplicate=Sum("duplicate"),
            quarantined=Sum("quarantined"),
            conflicts=Sum("conflicts"),
            unread_bytes=Sum("unread_bytes"),
            last_ingest=Max("finished_at"),
            newest_event=Max("last_event"),
        )
        .order_by("format")
    ):
        row["name"] = format_name(row["format"])
        row["freshness"] = _age(row["newest_event"])
        summary.append(row)
    page = Paginator(IngestFile.objects.all(), FILES_PER_PAGE).get_page(request.GET.get("page"))
    problems = IngestFile.objects.exclude(status=IngestFile.Status.COMMITTED).count()
    totals = committed.aggregate(conflicts=Sum("conflicts"), unread_bytes=Sum("unread_bytes"))
    return render(
        request,
        "privacy/sources.html",
        {"summary": summary, "page": page, "problems": problems, "totals": totals},
    )


@dataclass(frozen=True)
class QuarantineRow:
    file: str
    line: int
    reason: str
    content: str


_XML_VALUES = re.compile(r'(=")[^"]*(")|(>)[^<]+(<)')
_WORDS = re.compile(r"\w+")
HIDDEN = MASK * 3


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _mask_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_json(item) for item in value]
    return HIDDEN


def mask_content(text: str) -> str:
    """A quarantined record with its values hidden but its shape kept (JSON keys, XML tags,
    separators), so that a role that must not see patient data can still tell what is wrong
    with it."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.dumps(_mask_json(json.loads(text)), ensure_ascii=False)
        except (json.JSONDecodeError, RecursionError):
            pass
    elif stripped.startswith("<"):
        return _XML_VALUES.sub(lambda m: f'="{HIDDEN}"' if m.group(1) else f">{HIDDEN}<", text)
    return _WORDS.sub(HIDDEN, text)


def read_quarantine(token: str, page_number: int) -> tuple[list[QuarantineRow], int]:
    """One page of a file's quarantine, and how many records it holds."""
    path = lake().quarantine_path(token)
    if not path.exists():
        return [], 0
    start = (page_number - 1) * RECORDS_PER_PAGE
    rows: list[QuarantineRow] = []
    total = 0
    with path.open(encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            total += 1
            if start <= index < start + RECORDS_PER_PAGE:
                try:
                    item: dict[str, Any] = json.loads(line)
                except json.JSONDecodeError:
                    continue
                rows.append(
                    QuarantineRow(
                        str(item.get("file", "")),
                        int(item.get("line", 0)),
                        str(item.get("reason", "")),
                        str(item.get("content", "")),
                    )
                )
    return rows, total


@require("view_sources")
def quarantine(request: HttpRequest, token: str) -> HttpResponse:
    record = get_object_or_404(IngestFile, token=token)
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError as exc:
        raise Http404 from exc
    rows, total = read_quarantine(token, number)
    full = has(request.user, "view_patient_identifiers")
    if not full:
        rows = [QuarantineRow(r.file, r.line, r.reason, mask_content(r.content)) for r in rows]
    if rows:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.quarantine",
            object_id=token,
            summary=f"quarantined records of an ingested file ({len(rows)} shown, "
            f"{'full' if full else 'masked'})",
            details={"records": len(rows), "masked": not full, "page": number},
        )
    pages = Paginator(range(total), RECORDS_PER_PAGE)
    page = pages.get_page(number)
    reasons = record.notes.get("reasons", {}) if isinstance(record.notes, dict) else {}
    return render(
        request,
        "privacy/quarantine.html",
        {
            "file": record,
            "rows": rows,
            "page": page,
            "total": total,
            "refused": max(total, record.quarantined),
            "reasons": sorted(reasons.items(), key=lambda pair: -pair[1]),
            "masked": not full,
            "format": format_name(record.format),
        },
    )
