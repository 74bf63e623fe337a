"""CISA's Known Exploited Vulnerabilities catalog, as its JSON feed publishes it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction

from hygeia.streams import ARRAY, Container, JsonDocument
from hygeia.vendors.models import KevEntry
from hygeia.vendors.vulns import ImportReport, VulnFileError, stored_rows

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
BATCH = 2000
FIELDS = ["vendor_project", "product", "name", "date_added", "due_date", "ransomware",
          "catalog_version"]  # fmt: skip


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def import_catalog(name: str, document: JsonDocument, catalog_version: Any) -> ImportReport:
    """The entries are read one at a time and written in batches. A CVE counts as a duplicate
    when its stored row has the same due date and name, or when it came earlier in the file;
    the last occurrence in the file is the one kept, as when the file was read whole."""
    report = ImportReport(file=name, kind="kev")
    version = "" if isinstance(catalog_version, Container) else str(catalog_version)[:20]
    # Rows written by this import carry a mark instead of the version until the end, so that
    # "came earlier in the file" is a look at the stored row rather than a set of every CVE.
    mark = f"~import~{secrets.token_hex(6)}"
    pending: list[KevEntry] = []
    with transaction.atomic():
        for number, item in enumerate(document.items("vulnerabilities.item"), 1):
            report.read += 1
            cve = str(item.get("cveID", "")) if isinstance(item, dict) else ""
            if not CVE.match(cve):
                report.quarantined += 1
                report.problem(f"{name}: entry {number}: no valid cveID")
                continue
            pending.append(
                KevEntry(
                    cve_id=cve,
                    vendor_project=str(item.get("vendorProject", ""))[:200],
                    product=str(item.get("product", ""))[:200],
                    name=str(item.get("vulnerabilityName", ""))[:300],
                    date_added=_date(item.get("dateAdded")),
                    due_date=_date(item.get("dueDate")),
                    ransomware=str(item.get("knownRansomwareCampaignUse", ""))[:20],
                    catalog_version=mark,
                )
            )
            if len(pending) >= BATCH:
                _flush(pending, report, mark)
        _flush(pending, report, mark)
        if report.read == 0 and not _has_list(document):
            raise VulnFileError(f"{name}: a KEV catalog needs a `vulnerabilities` list")
        KevEntry.objects.filter(catalog_version=mark).update(catalog_version=version)
    return report


def _has_list(document: JsonDocument) -> bool:
    """An empty catalog is fine; a missing or non-list `vulnerabilities` is not."""
    top = document.top_level(lambda values: "vulnerabilities" in values)
    return top.values.get("vulnerabilities") is ARRAY


def _stored(cves: Iterable[str]) -> dict[str, tuple[str, tuple[date | None, str]]]:
    """cve -> (its stored catalog version, (due date, name)) for those already stored."""
    columns = ["cve_id", "due_date", "name", "catalog_version"]
    return {
        cve: (version, (_as_date(due), title))
        for cve, due, title, version in stored_rows(KevEntry, columns, cves)
    }


def _as_date(value: Any) -> date | None:
    """A date column as the database driver returns it (SQLite: text)."""
    return value if value is None or isinstance(value, date) else date.fromisoformat(value)


def _flush(pending: list[KevEntry], report: ImportReport, mark: str) -> None:
    if not pending:
        return
    stored = _stored({entry.cve_id for entry in pending})
    rows: dict[str, KevEntry] = {}
    for entry in pending:
        version, values = stored.get(entry.cve_id, ("", None))
        if version == mark or entry.cve_id in rows or values == (entry.due_date, entry.name):
            report.duplicate += 1
        else:
            report.stored += 1
        rows[entry.cve_id] = entry
    KevEntry.objects.bulk_create(
        rows.values(),
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["cve_id"],
        update_fields=FIELDS,
    )
    pending.clear()
