"""The context detection works from, flattened once per run into small Parquet tables that
either engine (DuckDB or Spark) reads with plain SQL:

- `staff`: the latest roster row per employee, with its role group (department and job title,
  until mining regroups the small ones by behaviour), its shift's start hour, hire and
  termination instants (epoch seconds);
- `practitioners`: Practitioner and PractitionerRole references -> login;
- `patients`: the latest record per patient with its sensitivity flags, numbered (`n`) for the
  random pairings mining compares with;
- `episodes`: every encounter, care-team period, appointment and appointment booking of a
  patient, and its general practitioner, with its kind (the encounter class, `TEAM`, `APPT`,
  `BOOK` or `GP`), start and end (epoch seconds) and treating department;
- `links`: who an episode names (`user`: a login) and which departments took part
  (`department`: the treating one and those of the people named);
- `identity`: roster <-> patient index links (self, household, neighbour), see identity.py.

`mining.py` then adds `templates`, the explanations learned from the accesses. Context the
site does not send (no CareTeam, no Appointment) simply adds no episodes; the report lists
which context was present so that an explained share can be read in its light.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from hygeia.lake.arrow import schema_for
from hygeia.lake.store import Lake
from hygeia.privacy.detection import identity
from hygeia.privacy.detection.config import Config
from hygeia.privacy.detection.detectors.base import DAY, epoch_seconds
from hygeia.privacy.detection.episode_kinds import BOOKING, GENERAL_PRACTITIONER
from hygeia.privacy.events import EVENTS
from hygeia.privacy.formats import FHIR_FORMATS, ROSTER

SHIFT_STARTS = {"day": 7, "days": 7, "evening": 15, "evenings": 15, "night": 23, "nights": 23}
CONTEXT = {
    "staff": ROSTER.table,
    "practitioner": FHIR_FORMATS["Practitioner"].table,
    "practitioner_role": FHIR_FORMATS["PractitionerRole"].table,
    "organization": FHIR_FORMATS["Organization"].table,
    "patient": FHIR_FORMATS["Patient"].table,
    "encounter": FHIR_FORMATS["Encounter"].table,
    "appointment": FHIR_FORMATS["Appointment"].table,
    "care_team": FHIR_FORMATS["CareTeam"].table,
}
TABLES = ("staff", "practitioners", "patients", "episodes", "links", "identity", "templates")
CONTEXT_TABLES = TABLES[:-1]  # written here; `templates` by mining


@dataclass
class Prepared:
    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # context kinds the store has none of
    # security labels on records that the configuration gives no meaning: code -> records
    unknown_labels: dict[str, int] = field(default_factory=dict)
    # restricted labels on so many records that they mark a kind of care, not single records
    # (code -> records): those records stay confidential and sensitive, out of the lane
    common_restricted: dict[str, int] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.parquet"


def shift_start(text: str) -> int | None:
    """A roster's shift as the hour it starts: 'night', 'Nights', '19:00-07:00', '7a-7p'."""
    value = (text or "").strip().lower()
    if value in SHIFT_STARTS:
        return SHIFT_STARTS[value]
    found = re.match(r"^(\d{1,2})(?::\d\d)?\s*([ap])?", value)
    if not found:
        return None
    hour = int(found.group(1)) % 12 if found.group(2) else int(found.group(1))
    if found.group(2) == "p":
        hour += 12
    return hour if 0 <= hour < 24 else None


def analysis_folder(store: Lake) -> Path:
    """Where a run's flattened context is written (and read back by feedback)."""
    return store.root / "analysis"


def prepare(
    store: Lake, config: Config, folder: Path, restricted: tuple[str, ...] = ()
) -> Prepared:
    """Flatten the context; `restricted` is the site's own list of restricted records
    (patient ids or MRNs), beside the labels that restrict a record."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    prepared = Prepared(folder)
    con = store.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        # identity.fold in SQL: department names compare the same way on both sides.
        con.execute(
            "CREATE OR REPLACE MACRO fold_name(x) AS trim(regexp_replace("
            "lower(strip_accents(coalesce(x, ''))), '[^a-z0-9#]+', ' ', 'g'))"
        )
        for kind, table in CONTEXT.items():
            # the patient index is read through `patient`, with the labels events carry
            view = "patient_records" if kind == "patient" else kind
            empty = table.schema.empty_table()
            scan = store.scan_sql(table)
            if scan is None:
                con.register(f"{kind}_empty", empty)
                con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {kind}_empty")
                prepared.missing.append(kind)
                continue
            con.execute(
                f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE (rn) FROM ("
                f"SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY ingested_at "
                f"DESC, source_line DESC) AS rn FROM {scan}) WHERE rn = 1"
            )
        _labelled_patients(con, store.scan_sql(EVENTS))
        staff = _staff(con)
        _write(prepared, "staff", staff)
        con.register("staff_table", staff)
        _write(prepared, "practitioners", _practitioners(con))
        con.register("practitioner_table", pq.read_table(prepared.path("practitioners")))
        con.register("restricted_list", pa.table({"id": pa.array(restricted, pa.string())}))
        counted = _label_counts(con)
        prepared.common_restricted = _common_labels(counted, config.labels.get("restricted", ()))
        unknown = _unknown_labels(counted, config)
        _write(
            prepared,
            "patients",
            _patients(con, config, tuple(prepared.common_restricted), tuple(unknown)),
        )
        prepared.unknown_labels = dict(list(unknown.items())[:UNKNOWN_LABELS_LISTED])
        episodes = _episodes(con)
        _write(prepared, "episodes", episodes)
        con.register("episode_table", episodes)
        _write(prepared, "links", _links(con))
        _write(prepared, "identity", _identity(con))
    finally:
        con.close()
    return prepared


def _labelled_patients(con: duckdb.DuckDBPyConnection, events: str | None) -> None:
    """`patient`: the patient index, each record's security labels extended with those the
    access events carried for it (an ATNA message's ParticipantObjectSensitivity, by MRN): a
    feed whose Patient resources carry no labels flags its VIP and restricted records there
    alone. The record's own labels keep their order; the events' follow, sorted."""
    carried = events is not None and "extra" in {
        row[0] for row in con.sql(f"DESCRIBE SELECT * FROM {events}").fetchall()
    }
    if not carried:
        con.execute("CREATE OR REPLACE VIEW patient AS SELECT * FROM patient_records")
        return
    # one scan of the events, kept: the patient view is read several times
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE event_labels AS
        WITH seen AS (
            SELECT DISTINCT e.patient_identifier AS mrn, u.code
            FROM (SELECT patient_identifier, extra FROM {events}
                  WHERE extra LIKE '%"sensitivity"%' AND patient_identifier <> '') e,
                 unnest(CAST(json_extract(e.extra, '$.sensitivity') AS VARCHAR[])) AS u(code)
            WHERE u.code <> ''
        )
        SELECT mrn, list_sort(list(code)) AS codes FROM seen GROUP BY mrn"""
    )
    con.execute(
        """CREATE OR REPLACE VIEW patient AS
        SELECT p.* REPLACE (
            CASE WHEN x.codes IS NULL THEN p.security_labels
                 ELSE list_concat(coalesce(p.security_labels, []), list_filter(
                     x.codes, lambda c: NOT list_contains(coalesce(p.security_labels, []), c)))
            END AS security_labels)
        FROM patient_records p LEFT JOIN event_labels x ON x.mrn = p.mrn AND p.mrn <> ''"""
    )


def _write(prepared: Prepared, name: str, table: pa.Table) -> None:
    pq.write_table(table, prepared.path(name), compression="zstd")
    prepared.counts[name] = table.num_rows


def _epoch(day: date | None, plus_days: int = 0) -> int | None:
    return None if day is None else epoch_seconds(day) + plus_days * DAY


STAFF_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("employee_id", pa.string()),
        ("practitioner_id", pa.string()),
        ("department", pa.string()),
        ("department_key", pa.string()),
        ("job_title", pa.string()),
        ("name", pa.string()),  # shown on the patient access report and incident pages
        ("role_group", pa.string()),
        ("shift_start", pa.int32()),
        ("hire_t", pa.int64()),
        ("termination_t", pa.int64()),
    ]
)


def role_key(department: str, job_title: str) -> str:
    """A role group as the roster names it: department and job title, folded."""
    return f"{identity.fold(department)} / {identity.fold(job_title)}"


def _staff(con: duckdb.DuckDBPyConnection) -> pa.Table:
    rows = con.sql(
        "SELECT lower(trim(user_id)), employee_id, trim(practitioner_id), department, job_title, "
        "shift, hire_date, termination_date, concat_ws(' ', nullif(trim(given_name), ''), "
        "nullif(trim(family_name), '')) FROM staff WHERE trim(user_id) <> ''"
    ).fetchall()
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for user, employee, practitioner, department, job, shift, hire, end, name in rows:
        if user in seen:  # one login, two employee rows (rehire): the first, by roster order
            continue
        seen.add(user)
        out.append(
            {
                "user_id": user,
                "employee_id": employee,
                "practitioner_id": practitioner or "",
                "department": department or "",
                "department_key": identity.fold(department or ""),
                "job_title": job or "",
                "name": name or "",
                "role_group": role_key(department or "", job or ""),
                "shift_start": shift_start(shift or ""),
                "hire_t": _epoch(hire),
                "termination_t": _epoch(end, plus_days=1),  # the end of the last day
            }
        )
    return pa.Table.from_pylist(out, schema=STAFF_SCHEMA)


def _practitioners(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Practitioner/<id> and PractitionerRole/<id> -> login, from the roster first and the
    Practitioner resources' login identifiers second."""
    return con.sql(
        """
        WITH direct AS (
            SELECT practitioner_id AS id, user_id FROM staff_table WHERE practitioner_id <> ''
            UNION ALL
            SELECT p.fhir_id, lower(trim(p.login)) FROM practitioner p
            WHERE trim(p.login) <> ''
              AND p.fhir_id NOT IN (SELECT practitioner_id FROM staff_table)
        ), by_practitioner AS (
            SELECT id, min(user_id) AS user_id FROM direct GROUP BY id
        )
        SELECT 'Practitioner/' || id AS ref, user_id FROM by_practitioner
        UNION ALL
        SELECT 'PractitionerRole/' || r.fhir_id, b.user_id
        FROM practitioner_role r JOIN by_practitioner b ON b.id = r.practitioner_id
        """
    ).to_arrow_table()


def _flag(labels: tuple[str, ...]) -> str:
    if not labels:
        return "false"
    listed = ", ".join("'" + label.replace("'", "''") + "'" for label in labels)
    return f"list_has_any(security_labels, [{listed}])"


def _patients(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    common: tuple[str, ...] = (),
    unknown: tuple[str, ...] = (),
) -> pa.Table:
    """The patient index with its flags; a restricted label in `common` does not put its
    records in the restricted lane (see `_common_labels`), an `unknown` one does (see
    `_unknown_labels`)."""
    labels = config.labels
    lane = tuple(code for code in labels.get("restricted", ()) if code not in common) + unknown
    # A store written before deceasedDateTime was kept has no such column: death time unknown.
    columns = _columns(con, "patient")
    deceased_t = (
        "CAST(epoch(deceased_at) AS BIGINT)" if "deceased_at" in columns else "CAST(NULL AS BIGINT)"
    )
    return con.sql(
        f"""
        SELECT CASE WHEN fhir_id <> '' THEN fhir_id ELSE 'mrn:' || mrn END AS patient_id,
               mrn,
               {_flag(labels.get("vip", ()))} AS vip,
               ({_flag(labels.get("vip", ()) + lane)}
                OR fhir_id IN (SELECT id FROM restricted_list)
                OR mrn IN (SELECT id FROM restricted_list)) AS restricted,
               {_flag(labels.get("restricted", ()))} AS confidential,
               {_flag(labels.get("employee", ()))} AS employee,
               {_flag(labels.get("sensitive", ()) + common)} AS sensitive,
               coalesce(deceased, false) AS deceased,
               {deceased_t} AS deceased_t,
               array_to_string(security_labels, ',') AS labels,
               CAST(row_number() OVER (ORDER BY fhir_id, mrn) - 1 AS BIGINT) AS n
        FROM patient
        """
    ).to_arrow_table()


RESTRICTED_SHARE = 0.05  # a restricted label on more of the records marks a kind of care
# (code, records carrying it), most carried first; and how many records there are
LabelCounts = tuple[list[tuple[str, int]], int]


def _label_counts(con: duckdb.DuckDBPyConnection) -> LabelCounts:
    """How many records carry each security label: read once for the checks below."""
    rows = con.sql(
        """SELECT u.code, count(DISTINCT p.fhir_id || '|' || p.mrn) AS n
           FROM patient p, unnest(p.security_labels) AS u(code)
           GROUP BY u.code ORDER BY n DESC, u.code"""
    ).fetchall()
    records = int(con.sql("SELECT count(*) FROM patient").fetchall()[0][0])
    return [(str(code), int(n)) for code, n in rows if code], records


def _common_labels(counted: LabelCounts, codes: tuple[str, ...]) -> dict[str, int]:
    """Restricted labels (HL7 R, V) that a site puts on more than `RESTRICTED_SHARE` of its
    records: a children's hospital marks every adolescent's record R, for instance. Such a
    label says which kind of care a record holds, not that this record is singled out, and
    every access outside the care would flood a lane meant to be reviewed in full; those
    records stay confidential (a proxy opening one is still a finding) and sensitive (their
    unexplained accesses are scored in the queue). The site's own list, and the rarer
    labels, still restrict."""
    rows, records = counted
    return dict(
        sorted((code, n) for code, n in rows if code in codes and n > RESTRICTED_SHARE * records)
    )


UNKNOWN_LABEL_SHARE = 0.05  # a code on more of the records is a default, not a flag
UNKNOWN_LABELS_LISTED = 10


def _unknown_labels(counted: LabelCounts, config: Config) -> dict[str, int]:
    """Codes on a few records that no label list names (`labels.ordinary` included): most
    likely the site's own flag for VIPs or restricted care. Until the site says what such a
    code means, its records are treated as restricted: a privacy office would rather review
    the looks at a few flagged records than have its own VIP flag be invisible to every
    detector. A code on more than `UNKNOWN_LABEL_SHARE` of the records is a default, not a
    flag, and is left alone."""
    known = {code for codes in config.labels.values() for code in codes}
    rows, records = counted
    return {code: n for code, n in rows if code not in known and n <= UNKNOWN_LABEL_SHARE * records}


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return {row[0] for row in con.sql(f"DESCRIBE {view}").fetchall()}


ALWAYS = (-2208988800, 4102444800)  # 1900 to 2100 (epoch seconds): the span of a GP episode


def _episodes(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Encounters (their class as the kind), care-team periods and appointments, each with
    its treating department: the anchors every explanation is measured from. An appointment's
    booking (`created`) is an episode of its own, an instant: the scheduler who booked it is
    named nowhere, but opens the chart at that moment, which mining learns as the
    schedulers' routine (a random patient is hardly ever being booked at that minute). A
    patient's general practitioner is an episode spanning all time that names the doctor:
    their own patients need no visit for them to look."""
    # A store written before Appointment.created (Patient.generalPractitioner) was kept has
    # no such column.
    booked = "created" in _columns(con, "appointment")
    with_gp = "general_practitioner_ids" in _columns(con, "patient")
    booking = (
        f"""UNION ALL
        SELECT 'B/' || a.fhir_id, a.patient_id, '{BOOKING}', CAST(epoch(a.created) AS BIGINT),
               CAST(epoch(a.created) AS BIGINT), ''
        FROM appointment a WHERE a.created IS NOT NULL AND a.patient_id <> ''"""
        if booked
        else ""
    ) + (
        f"""UNION ALL
        SELECT 'G/' || p.fhir_id, p.fhir_id, '{GENERAL_PRACTITIONER}', {ALWAYS[0]}, {ALWAYS[1]}, ''
        FROM patient p
        WHERE p.fhir_id <> '' AND (len(p.general_practitioner_ids) > 0
                                   OR len(p.general_practitioner_role_ids) > 0)"""
        if with_gp
        else ""
    )
    return con.sql(
        f"""
        SELECT 'E/' || e.fhir_id AS episode_id, e.patient_id,
               CASE WHEN trim(e.encounter_class) <> '' THEN upper(trim(e.encounter_class))
                    ELSE 'ENC' END AS kind,
               CAST(epoch(e.start) AS BIGINT) AS start_t,
               CAST(epoch(coalesce(e."end", e.start)) AS BIGINT) AS end_t,
               coalesce(fold_name(o.name), '') AS department_key
        FROM encounter e LEFT JOIN organization o ON o.fhir_id = e.service_provider
        WHERE e.start IS NOT NULL AND e.patient_id <> ''
        UNION ALL
        SELECT 'T/' || c.fhir_id, c.patient_id, 'TEAM', CAST(epoch(c.start) AS BIGINT),
               CAST(epoch(coalesce(c."end", c.start)) AS BIGINT),
               coalesce(fold_name(o.name), '')
        FROM care_team c LEFT JOIN organization o ON o.fhir_id = c.organization_ids[1]
        WHERE c.start IS NOT NULL AND c.patient_id <> ''
        UNION ALL
        SELECT 'A/' || a.fhir_id, a.patient_id, 'APPT', CAST(epoch(a.start) AS BIGINT),
               CAST(epoch(coalesce(a."end", a.start)) AS BIGINT), ''
        FROM appointment a WHERE a.start IS NOT NULL AND a.patient_id <> ''
        {booking}
        """
    ).to_arrow_table()


def _links(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Who each episode names (logins, through Practitioner and PractitionerRole
    references), and which departments took part: the treating one, the organisations of a
    care team, and the departments of the people named. A general practitioner names a
    person and no department: a GP's colleagues are not their patients' doctors."""
    general = (
        """UNION ALL SELECT 'G/', * FROM (SELECT fhir_id, general_practitioner_ids,
                                            general_practitioner_role_ids FROM patient
                                     WHERE fhir_id <> '')"""
        if "general_practitioner_ids" in _columns(con, "patient")
        else ""
    )
    named = f"""
        SELECT prefix || x.fhir_id AS episode_id, p.user_id
        FROM (SELECT 'E/' AS prefix, * FROM (SELECT fhir_id, practitioner_ids,
                                               practitioner_role_ids FROM encounter)
              UNION ALL SELECT 'T/', * FROM (SELECT fhir_id, practitioner_ids,
                                                  practitioner_role_ids FROM care_team)
              UNION ALL SELECT 'A/', * FROM (SELECT fhir_id, practitioner_ids,
                                                  practitioner_role_ids FROM appointment)
              {general}) x,
             unnest(list_concat(
                list_transform(x.practitioner_ids, lambda i: 'Practitioner/' || i),
                list_transform(x.practitioner_role_ids, lambda i: 'PractitionerRole/' || i)))
             AS u(ref)
        JOIN practitioner_table p ON p.ref = u.ref
    """
    return con.sql(
        f"""
        WITH named AS ({named}), every AS (
        SELECT DISTINCT episode_id, 'user' AS kind, user_id AS who FROM named
        UNION
        SELECT DISTINCT n.episode_id, 'department', s.department_key
        FROM named n JOIN staff_table s ON s.user_id = n.user_id
        WHERE s.department_key <> '' AND n.episode_id NOT LIKE 'G/%'
        UNION
        SELECT episode_id, 'department', department_key FROM episode_table
        WHERE department_key <> ''
        UNION
        SELECT 'T/' || c.fhir_id, 'department', fold_name(o.name)
        FROM care_team c, unnest(c.organization_ids) AS u(org)
        JOIN organization o ON o.fhir_id = u.org)
        SELECT * FROM every WHERE who IS NOT NULL AND who <> ''
        """
    ).to_arrow_table()


IDENTITY_SCHEMA = schema_for(identity.Link)


def _identity(con: duckdb.DuckDBPyConnection) -> pa.Table:
    staff = [
        identity.Person(*row)
        for row in con.sql(
            "SELECT lower(trim(user_id)), family_name, given_name, birth_date, address_line, "
            "city, postal_code FROM staff WHERE trim(user_id) <> ''"
        ).fetchall()
    ]
    patients = [
        identity.Person(*row)
        for row in con.sql(
            "SELECT CASE WHEN fhir_id <> '' THEN fhir_id ELSE 'mrn:' || mrn END, family_name, "
            "given_name, birth_date, address_line, city, postal_code FROM patient"
        ).fetchall()
    ]
    links: dict[tuple[str, str], identity.Link] = {}
    for link in identity.resolve(staff, patients):
        key = (link.user_id, link.patient_id)
        if key not in links or links[key].relation == "neighbour":
            links[key] = link
    columns = {
        name: [getattr(link, name) for link in links.values()] for name in IDENTITY_SCHEMA.names
    }
    return pa.Table.from_pydict(columns, schema=IDENTITY_SCHEMA)
