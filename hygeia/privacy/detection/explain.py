"""Why an access is appropriate, found for every access at once (explanation-based auditing):
the user is named on the patient's encounter, care team or appointment; works in a
department that treated the patient; or does what people of their role routinely do around
such an episode, as learned from the site's own data (`mining.py`).

Each access gets the rank of its best explanation (0: none). Ranks 1-3 name the user
personally; 4 is the department; 5 is the routine of the user's role, 6 a weak one (work
spread over most patients, where chance alone explains much of it). The SQL is shared by
both engines.
"""

from __future__ import annotations

from hygeia.privacy.detection.config import Config
from hygeia.privacy.detection.engines import Engine
from hygeia.privacy.detection.mining import Window, best_sql

REASONS = (
    "encounter_participant",
    "care_team",
    "appointment",
    "department",
    "role_routine",
    "role_routine_weak",
)
PERSONAL = REASONS[:3]
TITLES = {
    "encounter_participant": "named on the patient's encounter",
    "care_team": "on the patient's care team",
    "appointment": "named on the patient's appointment",
    "department": "works in a department that treated the patient",
    "role_routine": "what the user's role routinely does around the patient's care",
    "role_routine_weak": "what the user's role often does around the patient's care",
}
WEAK = REASONS.index("role_routine_weak") + 1


def reasons(config: Config) -> list[str]:
    """Explanations in rank order (rank = position + 1)."""
    return list(REASONS)


def titles(config: Config) -> dict[str, str]:
    return dict(TITLES)


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


def access_sql(config: Config, window: Window | None = None, detail: bool = False) -> str:
    """Every access of `ev` with its best explanation: each episode of the patient within
    reach, the user's relation to it and the offset bin, against the role group's
    templates (the priors, the mined ones and the pinned ones). `window` is the span `ev`
    holds, so that only the episodes within reach of it are joined."""
    return f"""
WITH ev_staff AS (
    SELECT ev.*, coalesce(s.department_key, '') AS department_key,
           coalesce(s.role_group, '') AS role_group
    FROM ev LEFT JOIN staff s ON s.user_id = ev.user_id
), best AS ({best_sql("ev_staff", config.mining, window)})
SELECT e.t, e.local_t, e.user_id, e.patient_id, e.break_glass, e.is_export, e.in_period,
       e.department_key, e.role_group, coalesce(b.rank, 0) AS explained
       {", e.event_id, e.action, " + DETAIL if detail else ""}
FROM ev_staff e LEFT JOIN best b ON b.event_id = e.event_id
"""


def share_sql() -> str:
    """Accesses in the period, and how many each explanation rank covers (0: none)."""
    return (
        "SELECT explained, count(*) AS n FROM access "
        "WHERE in_period = 1 AND patient_id <> '' GROUP BY explained"
    )
