"""Which reader handles which file, and where its rows go.

A format turns one input file into Arrow tables for one dataset, plus rejections and, when a
reader stopped at a fault it could not get past, what it left unread. Record-at-a-time
readers (FHIR resources, XML messages) are wrapped by `record_batches`; columnar readers
(CSV) produce tables directly.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import pyarrow as pa

from hygeia.lake.arrow import schema_for
from hygeia.lake.ndjson import open_maybe_gzip, read_records
from hygeia.lake.records import Location, Parsed, Progress, Rejected, Tally, Unread
from hygeia.lake.store import Table
from hygeia.privacy.events import EVENTS, AccessEvent, stable_id
from hygeia.privacy.resolve import fill_patient_refs
from hygeia.privacy.sources import (
    atna,
    csv_access,
    fhir_auditevent,
    fhir_clinical,
    fhir_patient,
    staff_roster,
)

T = TypeVar("T")
BATCH_ROWS = 20_000

Item: TypeAlias = pa.Table | Rejected | Tally | Unread


@dataclass(kw_only=True)
class ReadContext(Progress):
    """What a reader may need besides the file: where progress goes, options, and notes
    (reader-specific counts such as DST adjustments) that end up in the report."""

    token: str
    profile: str | None = None
    # The source the site names with --source: part of every record's identity, so that two
    # systems whose ids collide never merge. Empty: identity as the records give it.
    feed: str = ""
    notes: dict[str, int] = field(default_factory=dict)
    ingested_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    lookup_mrn: Callable[[], pa.Table] | None = None  # columns mrn, fhir_id

    def note(self, name: str, count: int = 1) -> None:
        self.notes[name] = self.notes.get(name, 0) + count


@dataclass(frozen=True)
class Format:
    name: str
    table: Table
    read: Callable[[Path, ReadContext], Iterator[Item]]
    order: int  # context before events, so that events can be resolved against it
    description: str


def record_batches(
    items: Iterator[Parsed[T] | Rejected | Unread],
    to_row: Callable[[Location, T], dict[str, Any]],
    schema: pa.Schema,
    ctx: ReadContext | None = None,
) -> Iterator[Item]:
    rows: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Rejected | Unread):
            yield item
            continue
        if ctx is not None:
            ctx.accepted += 1
        rows.append(to_row(item.location, item.value))
        if len(rows) >= BATCH_ROWS:
            yield pa.Table.from_pylist(rows, schema=schema)
            rows = []
    if rows:
        yield pa.Table.from_pylist(rows, schema=schema)


# --- events ----------------------------------------------------------------------------------


def event_row(
    event: AccessEvent, where: Location, source_format: str, token: str
) -> dict[str, Any]:
    row = event.as_row()
    row["source_file"] = where.file
    row["source_line"] = where.line
    row["source_format"] = source_format
    row["ingest_id"] = token
    return row


def _read_auditevents(path: Path, ctx: ReadContext) -> Iterator[Item]:
    return fhir_auditevent.read_blocks(path, ctx.token, ctx)


def atna_tables(
    items: Iterator[Parsed[AccessEvent] | Rejected | Unread], source_format: str, ctx: ReadContext
) -> Iterator[Item]:
    """ATNA events (from files or the syslog listener) as tables, MRNs resolved."""
    for item in record_batches(
        items,
        lambda where, event: event_row(event, where, source_format, ctx.token),
        EVENTS.schema,
        ctx,
    ):
        yield fill_patient_refs(item, ctx) if isinstance(item, pa.Table) else item


def _read_atna(path: Path, ctx: ReadContext) -> Iterator[Item]:
    return atna_tables(atna.read(path), "atna", ctx)


ATNA = Format("atna", EVENTS, _read_atna, 55, "IHE ATNA audit messages (XML)")


# --- context ---------------------------------------------------------------------------------


def context_table(kind: str, record: type) -> Table:
    return Table(
        path=f"context/{kind}",
        key="row_key",
        partition="ingest",
        order="source_line",
        dedupe_all_partitions=True,
        provenance=("ingested_at", "source_file", "source_line", "origin"),
        record="record_id",
        origin="origin",
        schema=schema_for(
            record,
            ("record_id", pa.string()),
            ("row_key", pa.string()),
            ("ingested_at", pa.timestamp("us", tz="UTC")),
            ("source_file", pa.string()),
            ("source_line", pa.int64()),
            ("origin", pa.string()),
            ("ingest", pa.string()),
        ),
    )


def context_row(
    kind: str,
    record: Any,
    record_id: str,
    where: Location,
    ctx: ReadContext,
    origin: str = "",
) -> dict[str, Any]:
    """A context record stamped with its identity: a new version is stored only when the
    record's content changed since any stored version. `origin` is the source that sent it
    (--source, else what the record says of its source): a new version of a record another
    source sent is counted as a conflict."""
    row = {
        key: json.dumps(value, sort_keys=True) if isinstance(value, dict) else value
        for key, value in dataclasses.asdict(record).items()
    }
    content = json.dumps(row, sort_keys=True, default=str)
    row["record_id"] = record_id
    row["row_key"] = stable_id(kind, record_id, content)
    row["ingested_at"] = ctx.ingested_at
    row["source_file"] = where.file
    row["source_line"] = where.line
    row["origin"] = ctx.feed or origin
    row["ingest"] = ctx.token
    return row


def _meta_source(resource: dict[str, Any]) -> str:
    """FHIR's `meta.source`: the URI of the system a resource came from, when it says."""
    meta = resource.get("meta")
    source = meta.get("source") if isinstance(meta, dict) else None
    return source.strip()[:200] if isinstance(source, str) else ""


def fhir_context_format(
    resource: str, kind: str, record: type, parse: Callable[[dict[str, Any]], Any], order: int
) -> Format:
    table = context_table(kind, record)

    def read(path: Path, ctx: ReadContext) -> Iterator[Item]:
        items = read_records(
            path, lambda raw: (parse(raw), _meta_source(raw)), on_position=ctx.on_position
        )
        yield from record_batches(
            items,
            lambda where, found: context_row(
                kind,
                found[0],
                found[0].fhir_id or f"mrn:{getattr(found[0], 'mrn', '')}",
                where,
                ctx,
                found[1],
            ),
            table.schema,
            ctx,
        )

    return Format(f"fhir-{kind}", table, read, order, f"FHIR {resource} (bulk NDJSON)")


FHIR_FORMATS: dict[str, Format] = {
    "Organization": fhir_context_format(
        "Organization",
        "organization",
        fhir_clinical.OrganizationRecord,
        fhir_clinical.parse_organization,
        10,
    ),
    "Practitioner": fhir_context_format(
        "Practitioner",
        "practitioner",
        fhir_clinical.PractitionerRecord,
        fhir_clinical.parse_practitioner,
        11,
    ),
    "PractitionerRole": fhir_context_format(
        "PractitionerRole",
        "practitioner_role",
        fhir_clinical.PractitionerRoleRecord,
        fhir_clinical.parse_practitioner_role,
        12,
    ),
    "Patient": fhir_context_format(
        "Patient", "patient", fhir_patient.PatientRecord, fhir_patient.parse, 13
    ),
    "Encounter": fhir_context_format(
        "Encounter",
        "encounter",
        fhir_clinical.EncounterRecord,
        fhir_clinical.parse_encounter,
        14,
    ),
    "Appointment": fhir_context_format(
        "Appointment",
        "appointment",
        fhir_clinical.AppointmentRecord,
        fhir_clinical.parse_appointment,
        15,
    ),
    "CareTeam": fhir_context_format(
        "CareTeam", "care_team", fhir_clinical.CareTeamRecord, fhir_clinical.parse_care_team, 16
    ),
    "AuditEvent": Format(
        "fhir-auditevent", EVENTS, _read_auditevents, 50, "FHIR AuditEvent (bulk NDJSON)"
    ),
}
# Written by a bulk export next to the data, but not data: skipped with a note.
FHIR_IGNORED = {"OperationOutcome"}

FHIR_NAME = re.compile(r"^(?P<type>[A-Z][A-Za-z]+)(?:[._-]\d+)?\.(?:ndjson|jsonl)(?:\.gz)?$")


class Unrecognised(Exception):
    """A file no reader handles; the message names it and says what is accepted."""


def detect(path: Path, profile: str | None = None) -> Format | None:
    """The format of `path`, None for files to skip quietly, or Unrecognised."""
    name = path.name
    match = FHIR_NAME.match(name)
    if match:
        resource = match.group("type")
        if resource in FHIR_IGNORED:
            return None
        if resource in FHIR_FORMATS:
            return FHIR_FORMATS[resource]
        raise Unrecognised(
            f"{path}: FHIR {resource} resources are not read "
            f"(Hygeia reads {', '.join(sorted(FHIR_FORMATS))})"
        )
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".xml":
        return ATNA
    if suffixes[-2:-1] in ([".csv"], [".tsv"], [".txt"]) and suffixes[-1] == ".gz":
        return _detect_table(path, profile, compressed=True)  # an export gzipped as it left
    if suffixes and suffixes[-1] in (".csv", ".tsv", ".txt"):
        return _detect_table(path, profile)
    raise Unrecognised(
        f"{path}: not a recognised input. Hygeia reads FHIR bulk-data files named "
        "<ResourceType>[.N].ndjson[.gz], IHE ATNA audit messages (.xml), the staff roster "
        "(.csv with its documented columns) and access-log CSV/TSV exports, plain or gzipped "
        "(name their profile with --profile)."
    )


# --- tables ----------------------------------------------------------------------------------

HEADER_BYTES = 64 * 1024


def _roster_format() -> Format:
    table = context_table("staff", staff_roster.StaffRecord)

    def read(path: Path, ctx: ReadContext) -> Iterator[Item]:
        yield from record_batches(
            staff_roster.read(path),
            lambda where, rec: context_row("staff", rec, rec.employee_id, where, ctx),
            table.schema,
            ctx,
        )

    return Format("staff-roster", table, read, 5, "HR staff roster (CSV)")


ROSTER = _roster_format()


def csv_format(profile: csv_access.Profile) -> Format:
    def read(path: Path, ctx: ReadContext) -> Iterator[Item]:
        return csv_access.read(path, profile, ctx)

    return Format(f"csv:{profile.name}", EVENTS, read, 60, profile.description)


def _header(path: Path) -> list[str]:
    """The first line's cells; of the decompressed text when the file is gzip (the access-log
    reader decompresses it too)."""
    with path.open("rb") as raw, open_maybe_gzip(raw) as handle:
        try:
            line = handle.readline(HEADER_BYTES)
        except (EOFError, zlib.error, gzip.BadGzipFile):
            return []  # a broken stream: no header to recognise it by
    first_line = line.decode("utf-8", "replace").rstrip("\r\n")
    delimiter = "\t" if "\t" in first_line else ","
    return [cell.strip().strip('"') for cell in first_line.split(delimiter)]


def _detect_table(path: Path, profile_name: str | None, compressed: bool = False) -> Format:
    header = _header(path)
    if staff_roster.is_roster(header):
        if compressed:
            raise Unrecognised(f"{path}: a staff roster is read uncompressed; gunzip it first")
        return ROSTER
    if profile_name:
        try:
            profile = csv_access.find_profile(profile_name)
        except csv_access.ProfileError as exc:
            raise Unrecognised(str(exc)) from exc
        if not profile.matches(header):
            wanted = ", ".join(profile.columns[f] for f in csv_access.REQUIRED)
            raise Unrecognised(
                f"{path}: its header lacks the columns profile {profile.name!r} needs ({wanted})"
            )
        return csv_format(profile)
    for profile in csv_access.shipped_profiles():
        if profile.matches(header):
            return csv_format(profile)
    raise Unrecognised(
        f"{path}: a CSV that is neither the staff roster (see docs/formats.md) nor matches a "
        "shipped access-log profile; write a profile and name it with --profile"
    )
