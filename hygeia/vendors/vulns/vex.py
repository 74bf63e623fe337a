"""CycloneDX VEX: a supplier's word on whether vulnerabilities affect its product
(`analysis.state`: not_affected, false_positive, resolved... or exploitable, in_triage).
The same statements may ride inside an SBOM; both are kept as VexStatement rows."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hygeia.vendors.models import VexStatement
from hygeia.vendors.sbom.cyclonedx_json import vulnerabilities
from hygeia.vendors.vulns import ImportReport, VulnFileError

NOT_AFFECTING = {"not_affected", "false_positive", "resolved", "resolved_with_pedigree"}


def save_statements(
    source: str, subject: str, version: str, items: list[dict[str, Any]], report: ImportReport
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


def import_document(name: str, data: dict[str, Any]) -> ImportReport:
    items = vulnerabilities(data.get("vulnerabilities"))
    if not items:
        raise VulnFileError(f"{name}: a CycloneDX document without vulnerabilities is not VEX")
    subject = (data.get("metadata") or {}).get("component") or {}
    report = ImportReport(file=name, kind="vex")
    save_statements(
        name, str(subject.get("name", "")), str(subject.get("version", "")), items, report
    )
    return report
