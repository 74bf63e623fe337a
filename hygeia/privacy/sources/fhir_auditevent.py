"""FHIR AuditEvent (R4, with R5 element names, and the IHE BALP profiles) -> access events.

Read in blocks of lines and turned into events by one DuckDB query per block, so that a file
of tens of millions of events is read at columnar speed; `parse` runs the same query on one
resource (the tests, and anything that holds a single resource, use it).

What is read, and from where:
- when: `recorded` (R4/R5), else `occurredDateTime` (R5), `period.start` (R4) or
  `occurredPeriod.start` (R5); an ISO 8601 instant with its offset;
- who: the agent with `requestor: true`, else the first agent that is not a device (DICOM
  110150-110153): its `who` reference to a Practitioner or PractitionerRole, its `altId` or
  `who.identifier.value` as the login, its `network.address`;
- the patient: R5 `patient`, else an entity whose `what` references a Patient, or whose role
  is 1 (Patient) with type 1 (Person) or no type, as in BALP;
- what: DICOM 110106 (Export) in `type`/`subtype` -> `export`; else the RESTful interaction in
  `subtype` (R5 `code`); else `action` (C/R/U/D/E);
- purposes: `purposeOfEvent` (R4), `authorization` (R5) and the user agent's `purposeOfUse`;
  ETREAT or BTG mark break-the-glass;
- the resource touched: the first entity, other than the patient, that references one.

Identity: an event is its source (the observer's reference, else its identifier, else its
display name or the site), its FHIR id and its UTC day (an id reused another day is another
event); an AuditEvent without an id is identified by its content. What the site names with
`--source` is added on top by the ingest.

Elements of the wrong JSON type are read as absent (the record is refused only when what is
left cannot identify a user, a time and an action).
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hygeia.lake.lines import line_blocks
from hygeia.lake.ndjson import excerpt, json_problem
from hygeia.lake.records import Location, Progress, RecordError, Rejected, Tally, Unread
from hygeia.privacy.events import EARLIEST, EVENTS, AccessEvent, latest_allowed

RESTFUL_TO_ACTION = {
    "read": "read",
    "vread": "read",
    "history-instance": "read",
    "history-type": "read",
    "search": "search",
    "search-type": "search",
    "search-system": "search",
    "create": "create",
    "update": "update",
    "patch": "update",
    "delete": "delete",
}
ACTION_CODES = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}
EXPORT_CODES = ("110106",)  # DICOM "Export"
BREAK_GLASS_CODES = ("ETREAT", "BTG")  # v3 ActReason emergency treatment; a common local code
DEVICE_TYPES = ("110150", "110151", "110152", "110153", "DEV")  # application, source, dest.
OUTCOMES = {"0": "success", "4": "minor failure", "8": "serious failure", "12": "major failure"}
NAMESPACE = "fhir-auditevent"

# Codings and CodeableConcepts share one shape here, so either is read where the other is due.
_CODES = {"code": "VARCHAR", "coding": [{"code": "VARCHAR"}]}
_REFERENCE = {
    "reference": "VARCHAR",
    "identifier": {"system": "VARCHAR", "value": "VARCHAR"},
    "display": "VARCHAR",
}
STRUCTURE = {
    "resourceType": "VARCHAR",
    "id": "VARCHAR",
    "action": "VARCHAR",
    "recorded": "JSON",
    "occurredDateTime": "JSON",
    "period": {"start": "VARCHAR"},
    "occurredPeriod": {"start": "VARCHAR"},
    "type": _CODES,
    "category": [_CODES],
    "subtype": [_CODES],
    "code": _CODES,
    "purposeOfEvent": [_CODES],
    "authorization": [_CODES],
    "outcome": "JSON",
    "agent": [
        {
            "type": _CODES,
            "who": _REFERENCE,
            "altId": "VARCHAR",
            "requestor": "BOOLEAN",
            "network": {"address": "VARCHAR"},
            "purposeOfUse": [_CODES],
        }
    ],
    "entity": [{"what": _REFERENCE, "type": _CODES, "role": _CODES}],
    "patient": _REFERENCE,
    "source": {"site": "VARCHAR", "observer": _REFERENCE},
}


def _sql_map(name: str, mapping: dict[str, str]) -> str:
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CREATE OR REPLACE MACRO {name}(c) AS CASE c {cases} END;"


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


MACROS = f"""
CREATE OR REPLACE MACRO codes(x) AS list_filter(
    CASE WHEN x.coding IS NOT NULL THEN list_transform(x.coding, lambda c: c.code)
         ELSE [x.code] END,
    lambda c: c IS NOT NULL AND c <> '');
CREATE OR REPLACE MACRO all_codes(xs) AS
    coalesce(flatten(list_transform(xs, lambda x: codes(x))), []);
CREATE OR REPLACE MACRO rtype_of(t) AS CASE WHEN regexp_matches(t, '^[A-Z]') THEN t ELSE '' END;
CREATE OR REPLACE MACRO rtype(r) AS
    rtype_of(regexp_extract(trim(coalesce(r, '')), '([^/]+)/+[^/]+/*$', 1));
CREATE OR REPLACE MACRO is_patient(e) AS
    rtype(e.what.reference) = 'Patient'
    OR (list_contains(codes(e.role), '1')
        AND (list_contains(codes(e.type), '1') OR len(codes(e.type)) = 0));
CREATE OR REPLACE MACRO first_nonempty(xs) AS
    list_filter(xs, lambda v: v IS NOT NULL AND v <> '')[1];
CREATE OR REPLACE MACRO outcome_code(o) AS coalesce(
    json_extract_string(o, '$.code.code'), json_extract_string(o, '$.code.coding[0].code'));
CREATE OR REPLACE MACRO ordered_distinct(xs) AS
    list_filter(xs, lambda x, i: list_position(xs, x) = i);
{_sql_map("restful_action", RESTFUL_TO_ACTION)}
{_sql_map("action_code", ACTION_CODES)}
{_sql_map("outcome_name", OUTCOMES)}
"""

INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$"
NAIVE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$"

QUERY = """
WITH raw_parsed AS (
    SELECT line, raw, json_valid(raw) AS valid,
           CASE WHEN json_valid(raw) THEN json_type(raw) END AS kind,
           CASE WHEN json_valid(raw) AND json_type(raw) = 'OBJECT'
                THEN json_transform(raw, $structure) END AS j
    FROM lines
), parsed AS (
    SELECT * REPLACE (struct_update(j,
        recorded := CASE WHEN json_type(j.recorded) = 'VARCHAR' THEN j.recorded->>'$' END,
        occurredDateTime := CASE WHEN json_type(j.occurredDateTime) = 'VARCHAR'
                                 THEN j.occurredDateTime->>'$' END) AS j)
    FROM raw_parsed
), timed AS (
    SELECT *,
        CASE WHEN nullif(j.recorded, '') IS NOT NULL THEN 'recorded'
             WHEN nullif(j.occurredDateTime, '') IS NOT NULL THEN 'occurredDateTime'
             WHEN nullif(j.period.start, '') IS NOT NULL THEN 'period.start'
             WHEN nullif(j.occurredPeriod.start, '') IS NOT NULL THEN 'occurredPeriod.start'
             ELSE 'recorded' END AS when_field,
        trim(coalesce(nullif(j.recorded, ''), nullif(j.occurredDateTime, ''),
                      nullif(j.period.start, ''), nullif(j.occurredPeriod.start, ''), ''))
            AS when_text,
        list_filter(j.agent, lambda a: a IS NOT NULL
            AND (a.who IS NOT NULL OR a.altId IS NOT NULL OR a.type IS NOT NULL
                 OR a.requestor IS NOT NULL OR a.network IS NOT NULL)) AS agents
    FROM parsed
), people AS (
    SELECT *,
        TRY_CAST(CASE WHEN regexp_matches(when_text, $instant) THEN when_text END AS TIMESTAMPTZ)
            AS occurred,
        list_filter(agents, lambda a: NOT list_has_any(codes(a.type), $devices)) AS persons
    FROM timed
), chosen AS (
    SELECT *,
        coalesce(list_filter(persons, lambda a: a.requestor)[1], persons[1]) AS usr,
        list_transform(list_filter(coalesce(j.entity, []), lambda e: e IS NOT NULL),
            lambda e: {'ref': trim(coalesce(e.what.reference, '')),
                       'ident': e.what.identifier.value, 'patient': is_patient(e)}) AS ents,
        codes(j.type) || all_codes(j.category) AS type_codes,
        all_codes(j.subtype) || codes(j.code) AS subtype_codes
    FROM people
), fields AS (
    SELECT *,
        CASE WHEN rtype(usr.who.reference) IN ('Practitioner', 'PractitionerRole')
             THEN trim(usr.who.reference) ELSE '' END AS practitioner,
        coalesce(nullif(usr.altId, ''), nullif(usr.who.identifier.value, ''), '') AS login,
        coalesce(nullif(trim(j.patient.reference), ''),
                 first_nonempty(list_transform(ents, lambda e: CASE WHEN e.patient THEN e.ref END)),
                 '') AS patient_ref,
        coalesce(first_nonempty(list_transform(ents,
                                               lambda e: CASE WHEN e.patient THEN e.ident END)),
                 '') AS patient_identifier,
        coalesce(first_nonempty(list_transform(
                     ents, lambda e: CASE WHEN NOT e.patient THEN rtype(e.ref) END)),
                 '') AS resource_type,
        CASE WHEN list_has_any(type_codes || subtype_codes, $export) THEN 'export'
             ELSE coalesce(first_nonempty(list_transform(subtype_codes,
                                                         lambda c: restful_action(c))),
                           action_code(j.action), '') END AS action,
        ordered_distinct(all_codes(j.purposeOfEvent) || all_codes(usr.purposeOfUse)
                         || all_codes(j.authorization)) AS purposes,
        coalesce(nullif(j.source.observer.display, ''),
                 nullif(trim(j.source.observer.reference), ''),
                 nullif(j.source.observer.identifier.value, ''), nullif(j.source.site, ''), '')
            AS system,
        coalesce(nullif(trim(j.source.observer.reference), ''),
                 CASE WHEN nullif(j.source.observer.identifier.value, '') IS NOT NULL
                      THEN coalesce(j.source.observer.identifier.system, '') || '|'
                           || j.source.observer.identifier.value END,
                 nullif(j.source.observer.display, ''), nullif(j.source.site, ''), '')
            AS source_key,
        CASE WHEN json_type(j.outcome) = 'OBJECT'
             THEN coalesce(outcome_name(outcome_code(j.outcome)), outcome_code(j.outcome), '')
             WHEN j.outcome IS NULL OR json_type(j.outcome) = 'NULL' THEN 'success'
             ELSE coalesce(outcome_name(json_extract_string(j.outcome, '$')),
                           json_extract_string(j.outcome, '$')) END AS outcome
    FROM chosen
)
SELECT line, raw AS line_text,
    CASE
        WHEN NOT valid THEN 'invalid JSON'
        WHEN kind <> 'OBJECT' THEN 'a JSON ' || CASE kind WHEN 'ARRAY' THEN 'array'
            WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null'
            ELSE 'number' END || ', not an object'
        WHEN coalesce(j.resourceType, '') <> 'AuditEvent'
            THEN 'resourceType is ''' || left(coalesce(j.resourceType, ''), 40)
                 || ''', not ''AuditEvent'''
        WHEN when_text = '' THEN when_field || ' is missing or not a string'
        WHEN regexp_matches(when_text, $naive)
            THEN when_field || ' has no time-zone offset (FHIR instants must carry one)'
        WHEN occurred IS NULL THEN when_field || ' is not an ISO 8601 instant'
        WHEN occurred < $earliest OR occurred > $latest
            THEN when_field || ' ' || year(occurred AT TIME ZONE 'UTC') || ' is outside '
                 || year($earliest AT TIME ZONE 'UTC') || ' to ' || year($latest AT TIME ZONE 'UTC')
        WHEN len(agents) = 0 OR agents IS NULL THEN 'no agent'
        WHEN len(persons) = 0 THEN 'no agent that is a person'
        WHEN login = '' AND practitioner = ''
            THEN 'the user is not identified (no who reference, identifier or altId)'
        WHEN action = '' THEN 'no recognisable action (action code or subtype)'
    END AS reason,
    CASE WHEN nullif(j.id, '') IS NOT NULL
         THEN left(sha256(concat_ws(chr(31), $namespace, source_key, j.id,
                                    strftime(occurred AT TIME ZONE 'UTC', '%Y-%m-%d'))), 32)
         ELSE left(sha256(concat_ws(chr(31), $namespace, system,
                 strftime(occurred AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), login,
                 practitioner, patient_ref, patient_identifier, action, resource_type)), 32)
    END AS event_id,
    occurred AS occurred_utc,
    CASE WHEN when_text LIKE '%Z' THEN 0
         ELSE (CASE WHEN substr(when_text, -6, 1) = '-' THEN -1 ELSE 1 END)
              * (TRY_CAST(substr(when_text, -5, 2) AS INTEGER) * 60
                 + TRY_CAST(substr(when_text, -2, 2) AS INTEGER)) END AS utc_offset_minutes,
    login AS user_login,
    practitioner AS user_practitioner,
    patient_ref, patient_identifier, action,
    coalesce(subtype_codes[1], '') AS subtype,
    purposes AS purpose_of_use,
    list_has_any(purposes, $break_glass) AS break_glass,
    resource_type, outcome,
    system AS source_system,
    coalesce(usr.network.address, '') AS network_address,
    '' AS workstation,
    $source_file AS source_file,
    line AS source_line,
    '' AS extra,
    'fhir-auditevent' AS source_format,
    $ingest_id AS ingest_id,
    CAST(occurred AT TIME ZONE 'UTC' AS DATE) AS day
FROM fields
"""
# The line itself is kept only where it is refused (for the quarantine); copying every line out
# of DuckDB would cost as much as reading them.
OUTER = (
    "SELECT * EXCLUDE (line_text), CASE WHEN reason IS NOT NULL THEN line_text END AS raw "
    "FROM ({inner})"
)


class Converter:
    """One DuckDB connection with the macros loaded, turning blocks of lines into events."""

    def __init__(self, source_file: str, ingest_id: str) -> None:
        self.source_file = source_file
        self.con = duckdb.connect(config={"threads": 2, "memory_limit": "512MB"})
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(MACROS)
        params = {
            "structure": json.dumps(STRUCTURE),
            "instant": f"'{INSTANT}'",
            "naive": f"'{NAIVE}'",
            "devices": _sql_list(DEVICE_TYPES),
            "export": _sql_list(EXPORT_CODES),
            "break_glass": _sql_list(BREAK_GLASS_CODES),
            "namespace": f"'{NAMESPACE}'",
            "earliest": f"TIMESTAMPTZ '{EARLIEST.isoformat()}'",
            "latest": f"TIMESTAMPTZ '{latest_allowed().isoformat()}'",
            "source_file": "'" + source_file.replace("'", "''") + "'",
            "ingest_id": "'" + ingest_id.replace("'", "''") + "'",
        }
        query = QUERY
        for name, value in params.items():
            if name == "structure":
                value = "'" + value.replace("'", "''") + "'"
            query = query.replace(f"${name}", value)
        self.query = OUTER.format(inner=query)
        self.names = EVENTS.schema.names

    def stream(
        self, lines: pa.RecordBatchReader, progress: Progress
    ) -> Generator[tuple[pa.Table, list[Rejected | Tally]]]:
        """Events and rejections, batch by batch, for a stream of (line, raw) batches: one
        query for the whole file, so DuckDB plans it once."""
        self.con.register("lines", lines)
        reader = self.con.sql(self.query).to_arrow_reader(batch_size=OUTPUT_ROWS)
        try:
            for batch in reader:
                yield self._split(pa.Table.from_batches([batch]), progress.wants_content)
        finally:  # also when the caller stops early: the open result goes first
            reader.close()
            self.con.unregister("lines")

    def convert(self, block: pa.Table) -> tuple[pa.Table, list[Rejected | Tally]]:
        self.con.register("lines", block)
        try:
            return self._split(self.con.sql(self.query).to_arrow_table())
        finally:
            self.con.unregister("lines")

    def _split(
        self, result: pa.Table, with_content: bool = True
    ) -> tuple[pa.Table, list[Rejected | Tally]]:
        reasons = result["reason"]
        rejected: list[Rejected | Tally] = []
        if reasons.null_count == len(reasons):
            pass
        elif not with_content:  # counted by reason in one pass, nothing per record
            counts = pc.value_counts(result.filter(pc.is_valid(reasons))["reason"]).to_pylist()
            rejected.append(Tally(self.source_file, {c["values"]: c["counts"] for c in counts}))
            result = result.filter(pc.is_null(reasons))
        else:
            bad = result.filter(pc.is_valid(reasons))
            for line, raw, reason in zip(
                bad["line"].to_pylist(),
                bad["raw"].to_pylist(),
                bad["reason"].to_pylist(),
                strict=True,
            ):
                text = raw.encode("utf-8")
                if reason == "invalid JSON":
                    reason = json_problem(text)
                rejected.append(Rejected(Location(self.source_file, line), reason, excerpt(text)))
            result = result.filter(pc.is_null(reasons))
        return result.select(self.names).cast(EVENTS.schema), rejected

    def close(self) -> None:
        self.con.close()


LINES = pa.schema([("line", pa.int64()), ("raw", pa.string())])
SCAN_ROWS = 4096  # rows per batch handed to DuckDB: small enough to spread over threads
OUTPUT_ROWS = 65536


def read_blocks(
    path: Path, ingest_id: str = "", progress: Progress | None = None
) -> Iterator[pa.Table | Rejected | Tally | Unread]:
    """Every line of an AuditEvent NDJSON file (plain or gzip): event tables, rejections, and
    what a broken stream left unread. `progress` is told of the events of a stretch before its
    rejections are yielded (the events themselves are regrouped into larger tables first)."""
    progress = progress or Progress()
    converter = Converter(str(path), ingest_id)
    refused: list[Rejected | Unread] = []

    def batches() -> Iterator[pa.RecordBatch]:
        for item in line_blocks(path, on_position=progress.on_position):
            if isinstance(item, Rejected | Unread):
                refused.append(item)
            else:
                yield from item.table.to_batches(max_chunksize=SCAN_ROWS)

    pending: list[pa.Table] = []
    pending_rows = 0
    stream = converter.stream(pa.RecordBatchReader.from_batches(LINES, batches()), progress)
    try:
        for events, rejected in stream:
            progress.accept(events.num_rows)
            yield from rejected
            if refused:
                yield from refused
                refused.clear()
            if events.num_rows:
                pending.append(events)
                pending_rows += events.num_rows
            if pending_rows >= OUTPUT_ROWS:  # DuckDB hands over small chunks: regroup them
                yield pa.concat_tables(pending)
                pending, pending_rows = [], 0
        if pending:
            yield pa.concat_tables(pending)
        yield from refused
    finally:
        stream.close()
        converter.close()


def parse(resource: dict[str, Any], source: str = "") -> AccessEvent:
    """One AuditEvent resource as an access event, or RecordError saying why not."""
    converter = Converter(source, "")
    try:
        line = json.dumps(resource)
        block = pa.table({"line": pa.array([1], pa.int64()), "raw": pa.array([line])})
        events, rejected = converter.convert(block)
    finally:
        converter.close()
    if rejected and isinstance(rejected[0], Rejected):
        raise RecordError(rejected[0].reason)
    row = events.to_pylist()[0]
    for key in ("source_format", "ingest_id", "day"):
        row.pop(key)
    row["purpose_of_use"] = tuple(row["purpose_of_use"])
    row["occurred_utc"] = row["occurred_utc"].astimezone(UTC)
    row["extra"] = {}
    return AccessEvent(**row)
