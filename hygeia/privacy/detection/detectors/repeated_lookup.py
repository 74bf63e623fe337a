"""The same patient opened again and again, on several days, with nothing to explain it.

Accesses that only a weak routine explains (work the role does for most patients, such as
billing) count too: a biller who works one account on five days is doing a biller's job,
but one who opens the same chart fifteen times in a week is not, and nothing else would
see it. Such a hit is scored lower (`loosely`) and against how many of the role's users
have one (`peer_relative`), so that a role that reworks accounts as a matter of course
raises nothing."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    LOOSE,
    ONLY_WEAK,
    Detector,
    Hit,
    Params,
    local_day,
    loosely,
)

SQL = """
SELECT a.user_id, a.patient_id, min(a.t) AS first_t, max(a.t) AS last_t, count(*) AS events,
       CAST(count(*) AS DOUBLE) AS metric, {only_weak} AS baseline,
       CAST(count(DISTINCT {day}) AS STRING) AS detail
FROM access a
WHERE a.t >= {since} AND a.patient_id <> '' AND {loose}
GROUP BY a.user_id, a.patient_id
HAVING count(*) >= {min_events} AND count(DISTINCT {day}) >= {min_days}
"""


def query(p: Params) -> str:
    return SQL.format(
        day=local_day("a.local_t"),
        since=p.since_t,
        loose=LOOSE,
        only_weak=ONLY_WEAK,
        min_events=int(p["min_events"]),
        min_days=int(p["min_days"]),
    )


def _days(hit: Hit) -> int:
    return int(hit.detail or 0)


def reason(hit: Hit) -> str:
    why = (
        "only what the user's role often does, for most patients, explains it"
        if hit.baseline >= 1
        else "with no encounter, care team, appointment, department or duty linking the user"
    )
    return f"the same patient opened {int(hit.metric)} times on {_days(hit)} different days, {why}"


DETECTOR = Detector(
    id="repeated_lookup",
    title="Repeated look-ups of one patient",
    category="repeated_lookup",
    severity="medium",
    level="patient",
    description="At least `min_events` accesses by one user to one patient, spread over at "
    "least `min_days` days, that nothing explains or only a weak routine of the role does "
    "(those score lower, and lower still when many of the role's users have such a hit).",
    false_positives="Long-term follow-up (case management, research) not recorded as care: "
    "a duty or care-team entry fixes it.",
    query=query,
    strength=loosely(lambda hit: min(1.0, 0.4 + 0.05 * hit.metric + 0.05 * _days(hit))),
    reason=reason,
    peer_relative=True,
)
