"""`hygeia privacy ingest`: files and folders in, the analytics store and a report out.

Every input record is accounted for: read = stored + duplicate + quarantined, per file and in
total. A stored record whose id was taken by a different record is a conflict, stored under an
id of its own and counted apart; what a reader could not read after a fault is counted as
unread. A file is committed whole or not at all (see hygeia.lake.store); the manifest
(`IngestFile`) records each file's counts and lets a re-run finish or discard the work of a
process that was killed.

The quarantine is bounded: the content of the first HYGEIA_QUARANTINE_KEEP rejected records of
a file is kept, the rest are counted by reason; a file whose first GIVE_UP_AFTER records are
all refused is not read further (it is the wrong format or profile), and nothing of it is
stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings

from hygeia.core import audit
from hygeia.lake.records import Rejected, Tally, Unread
from hygeia.lake.store import Lake, Plan, crash_point
from hygeia.privacy.formats import Format, ReadContext, Unrecognised, detect
from hygeia.privacy.models import IngestFile
from hygeia.privacy.resolve import MRN_INDEX

MAX_REASONS_IN_REPORT = 5
GIVE_UP_AFTER = 100_000  # refused records, with none accepted, after which a file is dropped
MAX_REASON_KINDS = 50  # distinct reasons counted per file; the rest are "other reasons"
OTHER_REASONS = "other reasons"


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
    conflicts: int = 0  # of `stored`: records whose id another record holds, kept apart
    conflict_lines: list[int] = field(default_factory=list)  # the first few
    unread_bytes: int = 0  # what a reader could not read after a fault
    unread_records: int = 0  # records in that remainder, where they could be counted
    status: str = "committed"
    error: str = ""
    notes: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)  # quarantine reasons, counted
    kept: int = 0  # quarantined records whose content is in the quarantine file
    hint: str = ""  # when no line was stored: what the first line's problem is, what to try

    @property
    def needs_attention(self) -> bool:
        """Exit status 1: not read, read only in part, or ids that collide."""
        return (
            self.status not in ("committed", "skipped")
            or self.conflicts > 0
            or self.unread_bytes > 0
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


TOTALS = ("read", "stored", "duplicate", "quarantined", "conflicts", "unread_bytes",
          "unread_records")  # fmt: skip


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

    @property
    def needs_attention(self) -> bool:
        return any(f.needs_attention for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run,
            **{n: self.total(n) for n in TOTALS},
            "files": [f.as_dict() for f in self.files],
            "failed_files": len(self.failed),
            "recovered": self.recovered,
        }


# --- recovery --------------------------------------------------------------------------------


def finish_decided(store: Lake) -> int:
    """Roll forward commits that were decided (their moves recorded) by a process that died.
    The caller holds the commit lock, so no live process is in the middle of one."""
    done = 0
    for record in IngestFile.objects.filter(status=IngestFile.Status.COMMITTING):
        store.apply(record.dataset, record.token, [tuple(m) for m in record.moves])  # type: ignore[misc]
        record.status = IngestFile.Status.COMMITTED
        record.finished_at = record.finished_at or datetime.now(UTC)
        record.save(update_fields=["status", "finished_at"])
        store.discard(record.token)
        done += 1
    return done


def recover(store: Lake) -> dict[str, int]:
    """Finish commits that were decided, discard work that was not (after a crash).

    Readers do not need this first: an unfinished commit is invisible to them (see
    hygeia.lake.store); recovery only makes it whole, or removes its leftovers."""
    discarded = 0
    with store.locked():
        rolled_forward = finish_decided(store)
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


class Quarantine:
    """A file's refused records: the content of the first `keep` is written for the Sources
    page, every one is counted by the kind of its reason. Disk and memory stay bounded
    whatever the input: at most `keep` records and MAX_REASON_KINDS reasons."""

    def __init__(self, handle: IO[str], keep: int) -> None:
        self.handle = handle
        self.keep = keep
        self.count = 0
        self.kept = 0
        self.reasons: dict[str, int] = {}

    @property
    def full(self) -> bool:
        return self.kept >= self.keep

    def add(self, item: Rejected) -> None:
        self._count(item.reason, 1)
        if self.kept < self.keep:
            self.kept += 1
            where = item.location
            record = {"file": where.file, "line": where.line, "reason": item.reason,
                      "content": item.content}  # fmt: skip
            self.handle.write(json.dumps(record) + "\n")

    def add_tally(self, tally: Tally) -> None:
        for reason, count in tally.reasons.items():
            self._count(reason, count)

    def _count(self, reason: str, count: int) -> None:
        self.count += count
        kind = _reason_kind(reason)
        if kind not in self.reasons and len(self.reasons) >= MAX_REASON_KINDS:
            kind = OTHER_REASONS
        self.reasons[kind] = self.reasons.get(kind, 0) + count

    @property
    def main_reason(self) -> str:
        return max(self.reasons.items(), key=lambda pair: pair[1])[0] if self.reasons else ""


def commit_items(
    store: Lake,
    run: str,
    label: str,
    size: int,
    fmt: Format,
    items: Callable[[], Iterable[Any]],
    context: ReadContext,
) -> FileReport:
    """Stage what `items` yields (tables of rows, rejections, an unread remainder), then
    commit it as one unit recorded in the manifest under `label` (a file's path, or a live
    source's name)."""
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
            source_system=context.feed,
            started_at=datetime.now(UTC),
        )
        first: datetime | None = None
        last: datetime | None = None
        with store.open_quarantine(token) as handle:
            quarantine = Quarantine(handle, settings.QUARANTINE_KEEP)
            stream = iter(items())
            for item in stream:
                if isinstance(item, Rejected | Tally):
                    if isinstance(item, Rejected):
                        quarantine.add(item)
                    else:
                        quarantine.add_tally(item)
                    context.wants_content = not quarantine.full
                    if quarantine.count >= GIVE_UP_AFTER and not staged.rows + context.accepted:
                        report.error = _given_up(label, fmt, quarantine)
                        report.unread_bytes = max(0, size - context.position)
                        getattr(stream, "close", lambda: None)()  # its files and connections
                        break
                    continue
                if isinstance(item, Unread):
                    report.unread_bytes += item.bytes
                    report.unread_records += item.records or 0
                    report.notes["unread: " + _reason_kind(item.reason)] = item.records or 0
                    continue
                if context.feed and not fmt.table.record:
                    item = _with_feed(item, fmt.table.key, context.feed)
                staged.write(item)
                low, high = _time_range(item)
                if low is not None and high is not None:
                    first = low if first is None else min(first, low)
                    last = high if last is None else max(last, high)
        report.quarantined, report.kept = quarantine.count, quarantine.kept
        report.reasons = quarantine.reasons
        if report.error:  # given up: nothing of the file is stored
            staged.close()
            record.status = IngestFile.Status.FAILED
            record.read = record.quarantined = report.read = quarantine.count
            record.error, record.unread_bytes = report.error, report.unread_bytes
            record.notes = {"reasons": report.reasons, "kept": report.kept}
            record.finished_at = datetime.now(UTC)
            record.save()
            report.status = "failed"
            store.discard(token)
            return report
        staged.close()
        crash_point("staged")
        after_stage = AFTER_STAGE.get(fmt.name)
        if after_stage is not None and staged.rows:
            after_stage(staged.files)
        with store.locked():
            finish_decided(store)
            plan = store.plan(staged, token)
            _count(report, plan, context)
            record.status = IngestFile.Status.COMMITTING
            record.moves = [list(m) for m in plan.moves]
            record.read, record.stored = report.read, report.stored
            record.duplicate, record.quarantined = report.duplicate, report.quarantined
            record.conflicts = report.conflicts
            record.unread_bytes, record.unread_records = report.unread_bytes, report.unread_records
            record.notes = {**report.notes, "reasons": report.reasons, "kept": report.kept,
                            "conflict_lines": report.conflict_lines}  # fmt: skip
            record.first_event, record.last_event = first, last
            record.save()
            crash_point("commit-planned")
            store.apply(fmt.table.path, token, plan.moves)
            crash_point("commit-published")
            record.status = IngestFile.Status.COMMITTED
            record.finished_at = datetime.now(UTC)
            record.save(update_fields=["status", "finished_at"])
    store.discard(token)
    return report


def _count(report: FileReport, plan: Plan, context: ReadContext) -> None:
    report.read = plan.staged + report.quarantined
    report.stored = plan.stored
    report.duplicate = plan.duplicate
    report.conflicts = plan.conflicts
    report.conflict_lines = list(plan.conflict_at)
    report.notes.update(context.notes)


def _given_up(label: str, fmt: Format, quarantine: Quarantine) -> str:
    """One sentence: what happened, the likely cause, and that nothing was stored."""
    likely = (
        "it is probably not in the layout of the profile used; name the right one with --profile"
        if fmt.name.startswith("csv:")
        else f"it is probably not {fmt.description}, or not in a layout Hygeia reads"
    )
    return (
        f"{label}: the first {quarantine.count:,} records were all refused "
        f"(mostly: {quarantine.main_reason}), so reading stopped; {likely}. "
        "Nothing of it was stored."
    )


def _with_feed(table: pa.Table, key: str, feed: str) -> pa.Table:
    """Rows re-identified within the source the site named (--source): two systems that use
    the same ids never share an identity. The same digest as `stable_id("source", feed, id)`,
    computed by DuckDB for the whole table."""
    con = duckdb.connect(config={"threads": 2})
    try:
        con.register("keys", table.select([key]))
        digest = f"left(sha256(concat_ws(chr(31), 'source', $feed, \"{key}\")), 32)"
        ids = con.sql(f"SELECT {digest} FROM keys", params={"feed": feed}).to_arrow_table()[0]  # noqa: S608
    finally:
        con.close()
    return table.set_column(table.schema.get_field_index(key), key, ids.cast(pa.string()))


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
    source: str = "",
) -> Report:
    """Ingest files and folders; `progress(done_bytes, total_bytes)` is called as it goes.
    `source` names the system the files come from (part of every event's identity)."""
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
            feed=source,
        )
        report.files.append(ingest_file(store, run, path, fmt, context))
        done = base + path.stat().st_size
        if progress is not None:
            progress(done, total)
    audit.record(
        "import",
        summary=f"ingested {len(planned)} file(s): {report.total('stored')} stored, "
        f"{report.total('duplicate')} duplicate, {report.total('quarantined')} quarantined, "
        f"{report.total('conflicts')} conflicting, {report.total('unread_bytes')} bytes unread",
        object_type="ingest",
        object_id=run,
        details={k: v for k, v in report.as_dict().items() if k != "files"},
    )
    return report
