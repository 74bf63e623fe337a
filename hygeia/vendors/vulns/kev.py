"""CISA's Known Exploited Vulnerabilities catalog, as its JSON feed publishes it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction

from hygeia.vendors.models import KevEntry
from hygeia.vendors.vulns import ImportReport, VulnFileError

CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def import_catalog(name: str, data: dict[str, Any]) -> ImportReport:
    entries = data.get("vulnerabilities")
    if not isinstance(entries, list):
        raise VulnFileError(f"{name}: a KEV catalog needs a `vulnerabilities` list")
    report = ImportReport(file=name, kind="kev")
    version = str(data.get("catalogVersion", ""))[:20]
    existing = {
        row[0]: row[1:] for row in KevEntry.objects.values_list("cve_id", "due_date", "name")
    }
    rows: dict[str, KevEntry] = {}
    for number, item in enumerate(entries, 1):
        report.read += 1
        cve = str(item.get("cveID", "")) if isinstance(item, dict) else ""
        if not CVE.match(cve):
            report.quarantined += 1
            report.problems.append(f"{name}: entry {number}: no valid cveID")
            continue
        entry = KevEntry(
            cve_id=cve,
            vendor_project=str(item.get("vendorProject", ""))[:200],
            product=str(item.get("product", ""))[:200],
            name=str(item.get("vulnerabilityName", ""))[:300],
            date_added=_date(item.get("dateAdded")),
            due_date=_date(item.get("dueDate")),
            ransomware=str(item.get("knownRansomwareCampaignUse", ""))[:20],
            catalog_version=version,
        )
        if cve in rows or existing.get(cve) == (entry.due_date, entry.name):
            report.duplicate += 1
        else:
            report.stored += 1
        rows[cve] = entry
    with transaction.atomic():
        KevEntry.objects.bulk_create(
            rows.values(),
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["cve_id"],
            update_fields=[
                "vendor_project", "product", "name", "date_added", "due_date", "ransomware",
                "catalog_version",
            ],
        )  # fmt: skip
    return report
