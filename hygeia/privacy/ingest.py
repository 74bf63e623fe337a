"""`hygeia privacy ingest`: files and folders in, the analytics store and a report out.

Every input record is accounted for: read = stored + duplicate + quarantined, per file and in
total. A file is committed whole or not at all (see hygeia.lake.store); the manifest
(`IngestFile`) records each file's counts and lets a re-run finish or discard the work of a
process that was killed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from hygeia.core import audit
from hygeia.lake.records import Rejected
from hygeia.lake.store import Lake, crash_point
from hygeia.privacy.formats import Format, ReadContext, Unrecognised, detect
from hygeia.privacy.models import IngestFile
from hygeia.privacy.resolve import MRN_INDEX

MAX_REASONS_IN_REPORT = 5


def lake() -> Lake:
    return Lake(Path(settings.DATA_DIR) / "lake")


@dataclass
class FileReport:
    path: str
    format: str
    read: int = 0
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    status: str = "committed"
    error: str = ""
    notes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)  # quarantine reasons, counted
    hint: str = ""  # when no line was stored: what the first line's problem is, what to try

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Report:
    run: str
    files: list[FileReport] = field(default_factory=list)
    recovered: dict[str, int] = field(default_factory=dict)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status not in ("committed", "skipped")]

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            **{n: self.total(n) for n in ("read", "stored", "duplicate", "quarantined")},
            "files": [f.as_dict() for f in self.files],
            "failed_files": len(self.failed),
            "recovered": self.recovered,
        }


# --- recovery --------------------------------------------------------------------------------


def recover(store: Lake) -> dict[str, int]:
    """Finish commits that were decided, discard work that was not (after a crash)."""
    rolled_forward = discarded = 0
    with store.locked():
        for record in IngestFile.objects.filter(status=IngestFile.Status.COMMITTING):
            store.apply([tuple(m) for m in record.moves])  # type: ignore[misc]
            record.status = IngestFile.Status.COMMITTED
            record.finished_at = record.finished_at or datetime.now(UTC)
            record.save(update_fields=["status", "finished_at"])
            store.discard(record.token)
            rolled_forward += 1
        idle = set(store.staging_tokens_not_in_use())
        for record in IngestFile.objects.filter(status=IngestFile.Status.READING):
            folder_gone = not (store.root / "_staging" / record.token).exists()
            if record.token in idle or folder_gone:
                record.status = IngestFile.Status.INTERRUPTED
                record.error = "interrupted before it was committed; nothing of it was stored"
                record.save(update_fields=["status", "error"])
                store.quarantine_path(record.token).unlink(missing_ok=True)
                discarded += 1
        for token in idle:
            store.discard(token)
    return {"rolled_forward": rolled_forward, "discarded": discarded}


# --- discovery -------------------------------------------------------------------------------


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and the files inside folders named (recursively, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                relative = child.relative_to(path).parts
                if child.is_file() and not any(p.startswith((".", "_")) for p in relative):
                    yield child
        else:
            yield path


def plan_files(
    paths: Iterable[Path], profile: str | None
) -> tuple[list[tuple[Path, Format]], list[FileReport]]:
    """Readable files in the order they must be read (context first); reports for the rest."""
    planned: list[tuple[Path, Format]] = []
    problems: list[FileReport] = []
    for path in discover(paths):
        if not path.exists():
            problems.append(
                FileReport(str(path), "", status="failed", error=f"{path}: no such file")
            )
            continue
        try:
            found = detect(path, profile)
        except Unrecognised as exc:
            problems.append(FileReport(str(path), "", status="failed", error=str(exc)))
            continue
        except OSError as exc:
            problems.append(
                FileReport(str(path), "", status="failed", error=f"{path}: {exc.strerror}")
            )
            continue
        if found is None:
            problems.append(FileReport(str(path), "", status="skipped", error="not data"))
            continue
        planned.append((path, found))
    planned.sort(key=lambda item: (item[1].order, str(item[0])))
    return planned, problems


# --- one file --------------------------------------------------------------------------------


def _time_range(batch: pa.Table) -> tuple[datetime | None, datetime | None]:
    if "occurred_utc" not in batch.column_names or batch.num_rows == 0:
        return None, None
    bounds = pc.min_max(batch["occurred_utc"]).as_py()
    return bounds["min"], bounds["max"]


def ingest_file(store: Lake, run: str, path: Path, fmt: Format, context: ReadContext) -> FileReport:
    """One file, committed whole; a file that cannot be read (gone, unreadable) is reported
    as failed and its staged work discarded."""
    try:
        return commit_items(
            store,
            run,
            str(path),
            path.stat().st_size,
            fmt,
            lambda: fmt.read(path, context),
            context,
        )
    except OSError as exc:
        IngestFile.objects.filter(token=context.token).update(
            status=IngestFile.Status.FAILED, error=str(exc)[:500]
        )
        store.discard(context.token)
        return FileReport(str(path), fmt.name, status="failed", error=f"{path}: {exc}")


def commit_items(
    store: Lake,
    run: str,
    label: str,
    size: int,
    fmt: Format,
    items: Callable[[], Iterable[Any]],
    context: ReadContext,
) -> FileReport:
    """Stage what `items` yields (tables of rows, and rejections), then commit it as one unit
    recorded in the manifest under `label` (a file's path, or a live source's name)."""
    report = FileReport(label, fmt.name)
    token = context.token
    with store.staging(token, fmt.table) as staged:
        record = IngestFile.objects.create(
            token=token,
            run=run,
            path=label,
            size=size,
            format=fmt.name,
            dataset=fmt.table.path,
            started_at=datetime.now(UTC),
        )
        first: datetime | None = None
        last: datetime | None = None
        with store.open_quarantine(token) as quarantine:
            for item in items():
                if isinstance(item, Rejected):
                    report.quarantined += 1
                    report.reasons[_reason_kind(item.reason)] = (
                        report.reasons.get(_reason_kind(item.reason), 0) + 1
                    )
                    quarantine.write(
                        json.dumps(
                            {
                                "file": item.location.file,
                                "line": item.location.line,
                                "reason": item.reason,
                                "content": item.content,
                            }
                        )
                        + "\n"
                    )
                    continue
                staged.write(item)
                low, high = _time_range(item)
                if low is not None and high is not None:
                    first = low if first is None else min(first, low)
                    last = high if last is None else max(last, high)
        staged.close()
        crash_point("staged")
        after_stage = AFTER_STAGE.get(fmt.name)
        if after_stage is not None and staged.rows:
            after_stage(staged.files)
        with store.locked():
            plan = store.plan(staged, token)
            report.read = plan.staged + report.quarantined
            report.stored = plan.stored
            report.duplicate = plan.duplicate
            report.notes = dict(context.notes)
            record.status = IngestFile.Status.COMMITTING
            record.moves = [list(m) for m in plan.moves]
            record.read, record.stored = report.read, report.stored
            record.duplicate, record.quarantined = report.duplicate, report.quarantined
            record.notes = {**report.notes, "reasons": report.reasons}
            record.first_event, record.last_event = first, last
            record.save()
            crash_point("commit-planned")
            store.apply(plan.moves)
            record.status = IngestFile.Status.COMMITTED
            record.finished_at = datetime.now(UTC)
            record.save(update_fields=["status", "finished_at"])
    store.discard(token)
    return report


def _reason_kind(reason: str) -> str:
    """A reason without its specifics (column numbers), to count reasons of a kind."""
    return reason.split(" (", 1)[0][:120]


# Steps run on a staged file before it is committed (idempotent, so safe to repeat).
AFTER_STAGE: dict[str, Callable[[list[Path]], None]] = {}


def register_after_stage(
    format_name: str,
) -> Callable[[Callable[[list[Path]], None]], Callable[[list[Path]], None]]:
    def wrap(func: Callable[[list[Path]], None]) -> Callable[[list[Path]], None]:
        AFTER_STAGE[format_name] = func
        return func

    return wrap


def mrn_lookup(store: Lake) -> Callable[[], pa.Table]:
    """MRN -> FHIR Patient id from the patient context (columns `mrn`, `fhir_id`), loaded once
    when first needed (after the run's own Patient files, which are read first)."""
    from hygeia.privacy.formats import FHIR_FORMATS

    cache: pa.Table | None = None

    def lookup() -> pa.Table:
        nonlocal cache
        if cache is None:
            scan = store.scan_sql(FHIR_FORMATS["Patient"].table)
            cache = MRN_INDEX.empty_table()
            if scan is not None:
                con = store.connect()
                try:
                    cache = (
                        con.sql(
                            f"SELECT mrn, arg_max(fhir_id, ingested_at) AS fhir_id "  # noqa: S608
                            f"FROM {scan} WHERE mrn <> '' AND fhir_id <> '' GROUP BY mrn"
                        )
                        .to_arrow_table()
                        .cast(MRN_INDEX)
                    )
                finally:
                    con.close()
        return cache

    return lookup


# --- a run -----------------------------------------------------------------------------------


def ingest(
    paths: Iterable[Path],
    profile: str | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> Report:
    """Ingest files and folders; `progress(done_bytes, total_bytes)` is called as it goes."""
    from hygeia.privacy import directory  # noqa: F401  (registers the patient directory step)

    store = lake()
    run = uuid.uuid4().hex
    report = Report(run=run, recovered=recover(store))
    planned, problems = plan_files(paths, profile)
    report.files.extend(problems)
    total = sum(p.stat().st_size for p, _ in planned)
    mrns = mrn_lookup(store)
    done = 0
    for path, fmt in planned:
        base = done

        def moved(position: int, base: int = base) -> None:
            if progress is not None:
                progress(base + position, total)

        context = ReadContext(
            token=uuid.uuid4().hex,
            on_position=moved,
            profile=profile,
            lookup_mrn=mrns,
        )
        report.files.append(ingest_file(store, run, path, fmt, context))
        done = base + path.stat().st_size
        if progress is not None:
            progress(done, total)
    audit.record(
        "import",
        summary=f"ingested {len(planned)} file(s): {report.total('stored')} stored, "
        f"{report.total('duplicate')} duplicate, {report.total('quarantined')} quarantined",
        object_type="ingest",
        object_id=run,
        details={k: v for k, v in report.as_dict().items() if k != "files"},
    )
    return report
