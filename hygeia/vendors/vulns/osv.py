"""OSV records (https://ossf.github.io/osv-schema/): single JSON files, JSON lists, or an
ecosystem dump zip (one record per member). Zip members are read with a size cap, not by
trusting their headers, so a zip bomb stops at the cap."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from django.db import transaction
from tqdm import tqdm

from hygeia.vendors.models import Vulnerability
from hygeia.vendors.vulns import ImportReport, VulnFileError

MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_MEMBERS = 2_000_000
BATCH = 5000


def _severity(record: dict[str, Any]) -> str:
    for item in record.get("severity") or []:
        if isinstance(item, dict) and item.get("score"):
            return f"{item.get('type', '')} {item['score']}"[:100]
    database = record.get("database_specific") or {}
    return str(database.get("severity", ""))[:100] if isinstance(database, dict) else ""


def record_to_row(record: Any) -> Vulnerability | None:
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return None
    affected = [a for a in record.get("affected") or [] if isinstance(a, dict)]
    return Vulnerability(
        id=record["id"][:100],
        source="osv",
        aliases=[str(a) for a in record.get("aliases") or []][:50],
        summary=str(record.get("summary") or record.get("details") or "")[:500],
        severity=_severity(record),
        modified=str(record.get("modified", ""))[:40],
        affected=[{k: a[k] for k in ("package", "ranges", "versions") if k in a} for a in affected],
    )


def _store(report: ImportReport, records: Iterable[tuple[str, Any, str]]) -> ImportReport:
    """records: (where, parsed JSON, why it could not be read). Unchanged records (same id
    and `modified`) count as duplicates; written in batches inside one transaction."""
    known = dict(Vulnerability.objects.values_list("id", "modified"))
    batch: dict[str, Vulnerability] = {}
    with transaction.atomic():
        for where, record, problem in records:
            report.read += 1
            row = None if problem else record_to_row(record)
            if row is None:
                report.quarantined += 1
                report.problems.append(f"{where}: {problem or 'not an OSV record (no id)'}")
                continue
            if known.get(row.id) == row.modified or row.id in batch:
                report.duplicate += 1
                continue
            report.stored += 1
            known[row.id] = row.modified
            batch[row.id] = row
            if len(batch) >= BATCH:
                _flush(batch)
        _flush(batch)
    return report


def _flush(batch: dict[str, Vulnerability]) -> None:
    Vulnerability.objects.bulk_create(
        batch.values(),
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["source", "aliases", "summary", "severity", "modified", "affected"],
    )
    batch.clear()


def import_records(name: str, records: list[Any]) -> ImportReport:
    report = ImportReport(file=name, kind="osv")
    return _store(report, ((f"{name}: record {n}", r, "") for n, r in enumerate(records, 1)))


def import_zip(path: Path) -> ImportReport:
    report = ImportReport(file=path.name, kind="osv-zip")

    def members() -> Iterable[tuple[str, Any, str]]:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if len(infos) > MAX_MEMBERS:
                raise VulnFileError(f"{path.name}: more than {MAX_MEMBERS} members")
            for info in tqdm(infos, desc=path.name, unit=" records", disable=None):
                where = f"{path.name}!{info.filename}"
                if not info.filename.endswith(".json"):
                    yield where, None, "not a .json record"
                    continue
                with archive.open(info) as handle:
                    raw = handle.read(MAX_RECORD_BYTES + 1)
                if len(raw) > MAX_RECORD_BYTES:
                    yield where, None, f"larger than {MAX_RECORD_BYTES} bytes"
                    continue
                try:
                    record = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    yield where, None, f"line {exc.lineno}: not valid JSON"
                    continue
                yield where, record, ""

    return _store(report, members())
