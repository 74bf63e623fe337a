"""The context detection works from, flattened once per run into small Parquet tables that
either engine (DuckDB or Spark) reads with plain SQL:

- `staff`: the latest roster row per employee, with the duty its department or job title
  implies, its shift's start hour, hire and termination instants (epoch seconds);
- `practitioners`: Practitioner and PractitionerRole references -> login;
- `patients`: the latest record per patient with its sensitivity flags;
- `relations`: who is linked to a patient's care and when (epoch seconds): a user named on an
  encounter, care team or appointment; a department that treated the patient; a duty
  (registration, coding, ancillary services) that follows a visit; one row per week the
  window touches (`week`), the key the explanation join uses;
- `identity`: roster <-> patient index links (self, household, neighbour), see identity.py.

Context the site does not send (no CareTeam, no Appointment) simply adds no relations; the
report lists which context was present so that an explained share can be read in its light.
"""

from __future__ import annotations

import dataclasses
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
TABLES = ("staff", "practitioners", "patients", "relations", "identity")
WEEK = 7 * DAY  # relations are bucketed by week of the epoch for the explanation join


@dataclass
class Prepared:
    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # context kinds the store has none of

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


def prepare(store: Lake, config: Config, folder: Path) -> Prepared:
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
            empty = table.schema.empty_table()
            scan = store.scan_sql(table)
            if scan is None:
                con.register(f"{kind}_empty", empty)
                con.execute(f"CREATE OR REPLACE VIEW {kind} AS SELECT * FROM {kind}_empty")
                prepared.missing.append(kind)
                continue
            con.execute(
                f"CREATE OR REPLACE VIEW {kind} AS SELECT * EXCLUDE (rn) FROM ("
                f"SELECT *, row_number() OVER (PARTITION BY record_id ORDER BY ingested_at "
                f"DESC, source_line DESC) AS rn FROM {scan}) WHERE rn = 1"
            )
        staff = _staff(con, config)
        _write(prepared, "staff", staff)
        con.register("staff_table", staff)
        _write(prepared, "practitioners", _practitioners(con))
        con.register("practitioner_table", pq.read_table(prepared.path("practitioners")))
        _write(prepared, "patients", _patients(con, config))
        _write(prepared, "relations", _relations(con, config))
        _write(prepared, "identity", _identity(con))
    finally:
        con.close()
    return prepared


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
        ("duty", pa.string()),
        ("shift_start", pa.int32()),
        ("hire_t", pa.int64()),
        ("termination_t", pa.int64()),
    ]
)


def _staff(con: duckdb.DuckDBPyConnection, config: Config) -> pa.Table:
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
                "duty": config.duty_of(department or "", job or ""),
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


def _patients(con: duckdb.DuckDBPyConnection, config: Config) -> pa.Table:
    labels = config.labels
    return con.sql(
        f"""
        SELECT CASE WHEN fhir_id <> '' THEN fhir_id ELSE 'mrn:' || mrn END AS patient_id,
               mrn,
               {_flag(labels.get("vip", ()))} AS vip,
               {_flag(labels.get("employee", ()))} AS employee,
               {_flag(labels.get("sensitive", ()))} AS sensitive,
               coalesce(deceased, false) AS deceased,
               array_to_string(security_labels, ',') AS labels
        FROM patient
        """
    ).to_arrow_table()


def _relations(con: duckdb.DuckDBPyConnection, config: Config) -> pa.Table:
    w = config.windows

    def span(kind: str, start: str, end: str) -> str:
        before, after = w[kind]
        return (
            f"CAST(epoch({start}) - {before * 3600:.0f} AS BIGINT) AS t0, "
            f"CAST(epoch(coalesce({end}, {start})) + {after * 3600:.0f} AS BIGINT) AS t1"
        )

    def named(source: str, reason: str) -> str:
        """A user named on one of the source's records (by Practitioner or role)."""
        return f"""SELECT 'user' AS kind, p.user_id AS who, x.patient_id,
            {span(reason, "x.start", 'x."end"')}, '{reason}' AS reason
        FROM {source} x, unnest(list_concat(
                list_transform(x.practitioner_ids, lambda i: 'Practitioner/' || i),
                list_transform(x.practitioner_role_ids, lambda i: 'PractitionerRole/' || i)))
             AS u(ref)
        JOIN practitioner_table p ON p.ref = u.ref
        WHERE x.start IS NOT NULL"""

    parts = [
        named("encounter", "encounter_participant"),
        named("care_team", "care_team"),
        named("appointment", "appointment"),
        # A department that treated the patient: the service provider, and the departments
        # of those named on the encounter or care team.
        f"""SELECT DISTINCT 'department', d.department_key, d.patient_id,
            {span("department", "d.start", 'd."end"')}, 'department'
        FROM (
            SELECT e.patient_id, e.start, e."end", FOLD(o.name) AS department_key
            FROM encounter e JOIN organization o ON o.fhir_id = e.service_provider
            UNION ALL
            SELECT c.patient_id, c.start, c."end", FOLD(o.name)
            FROM care_team c, unnest(c.organization_ids) AS u(org)
            JOIN organization o ON o.fhir_id = u.org
            UNION ALL
            SELECT e.patient_id, e.start, e."end", s.department_key
            FROM encounter e, unnest(list_transform(e.practitioner_ids,
                                                    lambda x: 'Practitioner/' || x)) AS u(ref)
            JOIN practitioner_table p ON p.ref = u.ref
            JOIN staff_table s ON s.user_id = p.user_id
            UNION ALL
            SELECT c.patient_id, c.start, c."end", s.department_key
            FROM care_team c, unnest(list_transform(c.practitioner_ids,
                                                    lambda x: 'Practitioner/' || x)) AS u(ref)
            JOIN practitioner_table p ON p.ref = u.ref
            JOIN staff_table s ON s.user_id = p.user_id
        ) d WHERE d.start IS NOT NULL AND d.department_key <> ''""",
    ]
    for duty in config.duties:
        name = duty.name.replace("'", "''")
        before, after = duty.before_hours * 3600, duty.after_hours * 3600
        if duty.window == "before_start":
            anchor_from, anchor_to = "start", "start"
            sources = ["encounter", "appointment"]
        elif duty.window == "after_end":
            anchor_from, anchor_to = 'coalesce("end", start)', 'coalesce("end", start)'
            sources = ["encounter"]
        else:
            anchor_from, anchor_to = "start", 'coalesce("end", start)'
            sources = ["encounter"]
        classes = ", ".join("'" + c.replace("'", "''") + "'" for c in duty.encounter_classes)
        for source in sources:
            where = "start IS NOT NULL"
            if classes and source == "encounter":
                where += f" AND encounter_class IN ({classes})"
            if duty.treating_departments is not None:
                if source != "encounter":
                    continue
                pattern = duty.treating_departments.pattern.replace("'", "''")
                where += (
                    " AND service_provider IN (SELECT fhir_id FROM organization WHERE "
                    f"regexp_matches(fold_name(name), '{pattern}', 'i'))"
                )
            parts.append(
                f"""SELECT DISTINCT 'duty', '{name}', patient_id,
                    CAST(epoch({anchor_from}) - {before:.0f} AS BIGINT),
                    CAST(epoch({anchor_to}) + {after:.0f} AS BIGINT), 'duty:{name}'
                FROM {source} WHERE {where}"""
            )
    query = "\nUNION ALL\n".join(parts).replace("FOLD(", "fold_name(")
    # One row per week a window touches: accesses join on (kind, who, patient, week), so a
    # patient with years of encounters does not multiply every one of their accesses.
    return con.sql(
        f"SELECT kind, who, patient_id, t0, t1, reason, "
        f"unnest(range(t0 // {WEEK}, t1 // {WEEK} + 1)) AS week FROM ({query}) "
        "WHERE who IS NOT NULL AND who <> '' AND patient_id <> '' AND t1 >= t0"
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
    return pa.Table.from_pylist(
        [dataclasses.asdict(link) for link in links.values()], schema=IDENTITY_SCHEMA
    )
