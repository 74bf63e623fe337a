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

from hygeia.streams import JsonDocument, TopLevel
from hygeia.vendors.models import Vulnerability
from hygeia.vendors.vulns import ImportReport, VulnFileError, stored_rows

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
    writer = _Writer(report)
    with transaction.atomic():
        for where, record, problem in records:
            report.read += 1
            row = None if problem else record_to_row(record)
            if row is None:
                report.quarantined += 1
                report.problem(f"{where}: {problem or 'not an OSV record (no id)'}")
                continue
            writer.add(row)
        writer.finish()
    return report


class _Writer:
    """Records are decided in groups, with one look-up of the stored versions per group, and
    written BATCH stored rows at a time. A record is a duplicate when the version known for
    its id (stored, or stored earlier in this import) has the same `modified`, or when its id
    is already in the batch not yet written: the same rules, batch for batch, as a dict of
    every stored version would give."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.pending: list[Vulnerability] = []
        self.batch: dict[str, Vulnerability] = {}

    def add(self, row: Vulnerability) -> None:
        self.pending.append(row)
        if len(self.pending) >= BATCH:
            self._decide()

    def finish(self) -> None:
        self._decide()
        self._write()

    def _decide(self) -> None:
        ids = {row.id for row in self.pending}
        known = dict(stored_rows(Vulnerability, ["id", "modified"], ids))
        known.update((vid, row.modified) for vid, row in self.batch.items())
        for row in self.pending:
            if known.get(row.id) == row.modified or row.id in self.batch:
                self.report.duplicate += 1
                continue
            self.report.stored += 1
            known[row.id] = row.modified
            self.batch[row.id] = row
            if len(self.batch) >= BATCH:
                self._write()
        self.pending.clear()

    def _write(self) -> None:
        Vulnerability.objects.bulk_create(
            self.batch.values(),
            update_conflicts=True,
            unique_fields=["id"],
            update_fields=["source", "aliases", "summary", "severity", "modified", "affected"],
        )
        self.batch.clear()


def import_records(name: str, records: Iterable[Any]) -> ImportReport:
    report = ImportReport(file=name, kind="osv")
    return _store(report, ((f"{name}: record {n}", r, "") for n, r in enumerate(records, 1)))


def import_record(path: Path, document: JsonDocument, top: TopLevel) -> ImportReport:
    """A file holding one record, read whole only when it is of a record's size (a big
    object without an id is not read at all)."""
    if "id" not in top.values:
        return import_records(path.name, [None])
    if path.stat().st_size > MAX_RECORD_BYTES:
        report = ImportReport(file=path.name, kind="osv")
        return _store(
            report, [(f"{path.name}: record 1", None, f"larger than {MAX_RECORD_BYTES} bytes")]
        )
    return import_records(path.name, document.items(""))


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
