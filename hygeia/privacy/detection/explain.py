"""Why an access is appropriate, found for every access at once (explanation-based auditing):
the user is named on the patient's encounter, care team or appointment; works in a
department that treated the patient; or does a duty that follows the patient's visit.

Each access gets the rank of its best explanation (0: none). Ranks 1-3 name the user
personally; the others explain by department or duty. The SQL is shared by both engines.
"""

from __future__ import annotations

from hygeia.privacy.detection.config import Config
from hygeia.privacy.detection.engines import Engine
from hygeia.privacy.detection.prepare import WEEK

PERSONAL = ("encounter_participant", "care_team", "appointment")
TITLES = {
    "encounter_participant": "named on the patient's encounter",
    "care_team": "on the patient's care team",
    "appointment": "named on the patient's appointment",
    "department": "works in a department that treated the patient",
}


def reasons(config: Config) -> list[str]:
    """Explanations in rank order (rank = position + 1)."""
    return [*PERSONAL, "department", *(f"duty:{d.name}" for d in config.duties)]


def titles(config: Config) -> dict[str, str]:
    found = dict(TITLES)
    for duty in config.duties:
        found[f"duty:{duty.name}"] = duty.title
    return found


DETAIL = "e.resource_type, e.source_system, e.workstation, e.network_address, e.subtype"


def events_sql(
    engine: Engine, since_t: int, days: tuple[str, str] | None = None, detail: bool = False
) -> str:
    """Access events (of the UTC days [first, last) when `days` is given) with the login
    resolved (practitioner references through the roster), the patient as a FHIR id (MRNs
    through the patient index), and times as epoch seconds: UTC, and local wall-clock time
    from the event's own offset. `detail` adds what a reviewer reads (resource, system,
    workstation); detection leaves it out to keep its working set small."""
    epoch = engine.epoch("e.occurred_utc")
    return f"""
SELECT e.event_id, {epoch} AS t,
       {epoch} + CAST(coalesce(e.utc_offset_minutes, 0) AS BIGINT) * 60 AS local_t,
       coalesce(nullif(lower(trim(e.user_login)), ''), p.user_id, '') AS user_id,
       CASE WHEN e.patient_ref <> ''
            THEN regexp_extract(e.patient_ref, 'Patient/([^/]+)$', 1)
            WHEN e.patient_identifier <> '' THEN coalesce(m.patient_id, '')
            ELSE '' END AS patient_id,
       e.action, coalesce(e.break_glass, false) AS break_glass,
       CASE WHEN e.action = 'export' OR lower(e.subtype) IN ('print', 'export', '110106')
            THEN 1 ELSE 0 END AS is_export,
       CASE WHEN {epoch} >= {since_t} THEN 1 ELSE 0 END AS in_period
       {", " + DETAIL if detail else ""}
FROM events e
LEFT JOIN practitioners p ON p.ref = e.user_practitioner
LEFT JOIN patients m ON m.mrn = e.patient_identifier AND e.patient_identifier <> ''
{f"WHERE e.day >= DATE '{days[0]}' AND e.day < DATE '{days[1]}'" if days else ""}
"""


def access_sql(config: Config, detail: bool = False) -> str:
    ranks = " ".join(
        f"WHEN '{reason}' THEN {rank}" for rank, reason in enumerate(reasons(config), start=1)
    )
    joins = [
        ("user", "e.user_id"),
        ("department", "e.department_key"),
        ("duty", "e.duty"),
    ]
    matches = "\nUNION ALL\n".join(
        f"""SELECT e.event_id, CASE r.reason {ranks} END AS rank
        FROM ev_staff e JOIN relations r
          ON r.kind = '{kind}' AND r.who = {key} AND r.patient_id = e.patient_id
         AND r.week = e.week
        WHERE e.t BETWEEN r.t0 AND r.t1"""
        for kind, key in joins
    )
    return f"""
WITH ev_staff AS (
    SELECT ev.*, coalesce(s.department_key, '') AS department_key, coalesce(s.duty, '') AS duty,
           CAST(floor(ev.t / {WEEK}) AS BIGINT) AS week
    FROM ev LEFT JOIN staff s ON s.user_id = ev.user_id
), best AS (
    SELECT event_id, min(rank) AS rank FROM ({matches}) m GROUP BY event_id
)
SELECT e.t, e.local_t, e.user_id, e.patient_id, e.break_glass, e.is_export, e.in_period,
       e.department_key, e.duty, coalesce(b.rank, 0) AS explained
       {", e.event_id, e.action, " + DETAIL if detail else ""}
FROM ev_staff e LEFT JOIN best b ON b.event_id = e.event_id
"""


def share_sql() -> str:
    """Accesses in the period, and how many each explanation rank covers (0: none)."""
    return (
        "SELECT explained, count(*) AS n FROM access "
        "WHERE in_period = 1 AND patient_id <> '' GROUP BY explained"
    )
