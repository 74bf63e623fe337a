"""CycloneDX VEX: a supplier's word on whether vulnerabilities affect its product
(`analysis.state`: not_affected, false_positive, resolved... or exploitable, in_triage).
The same statements may ride inside an SBOM; both are kept as VexStatement rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from hygeia.streams import JsonDocument
from hygeia.vendors.models import VexStatement
from hygeia.vendors.sbom.cyclonedx_json import subject_of, vulnerabilities
from hygeia.vendors.vulns import ImportReport, VulnFileError

NOT_AFFECTING = {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}


def save_statements(
    source: str, subject: str, version: str, items: Iterable[dict[str, Any]], report: ImportReport
) -> None:
    with transaction.atomic():
        for item in items:
            for ref in item["refs"] or [""]:
                report.read += 1
                _, created = VexStatement.objects.update_or_create(
                    vulnerability=item["id"][:100],
                    ref=ref[:500],
                    subject_name=subject[:300],
                    subject_version=version[:100],
                    defaults={
                        "state": item["state"][:30],
                        "justification": item["justification"][:60],
                        "detail": item["detail"],
                        "source_file": source[:255],
                    },
                )
                if created:
                    report.stored += 1
                else:
                    report.duplicate += 1


def import_document(name: str, document: JsonDocument) -> ImportReport:
    """The subject (metadata.component) first, then the statements one at a time."""
    subject = subject_of(document.first("metadata.component"))
    report = ImportReport(file=name, kind="vex")
    items = (
        found
        for item in document.items("vulnerabilities.item")
        for found in vulnerabilities([item])
    )
    save_statements(name, subject["name"], subject["version"], items, report)
    if report.read == 0:
        raise VulnFileError(f"{name}: a CycloneDX document without vulnerabilities is not VEX")
    return report
