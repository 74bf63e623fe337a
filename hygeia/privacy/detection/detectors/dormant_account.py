"""A long-idle account that comes back to life: often a shared or stolen credential."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import DAY, Detector, Hit, Params, local_day

# An account first seen in the data counts as idle since the data began, unless it was
# hired after that (then it is a new starter, not a dormant account). Only the roster says
# someone was employed throughout: an account on none is unrostered_account's.
SQL = """
WITH days AS (
    SELECT user_id, {day} AS d, count(*) AS n, min(t) AS first_t, max(t) AS last_t
    FROM access GROUP BY user_id, {day}
), bounds AS (
    SELECT min(d) AS first_day FROM days
), gaps AS (
    SELECT x.*, x.d - coalesce(lag(x.d) OVER (PARTITION BY x.user_id ORDER BY x.d),
                               b.first_day) AS idle
    FROM days x CROSS JOIN bounds b
)
SELECT g.user_id, '' AS patient_id, g.first_t, g.last_t, g.n AS events,
       CAST(g.idle AS DOUBLE) AS metric, CAST({min_idle} AS DOUBLE) AS baseline, '' AS detail
FROM gaps g JOIN staff s ON s.user_id = g.user_id
WHERE g.idle >= {min_idle} AND g.d >= {since_day} AND g.n >= {min_events}
  AND (s.hire_t IS NULL OR s.hire_t <= (g.d - g.idle) * {DAY})
"""


def query(p: Params) -> str:
    return SQL.format(
        day=local_day(),
        min_idle=int(p["min_idle_days"]),
        min_events=int(p["min_events"]),
        since_day=p.since_t // DAY,
        DAY=DAY,
    )


def reason(hit: Hit) -> str:
    return (
        f"the account had no activity for {int(hit.metric)} days, then {hit.events} "
        "access(es) in one day"
    )


DETECTOR = Detector(
    id="dormant_account",
    title="Dormant account used",
    category="dormant_account",
    severity="high",
    level="user",
    description="A login active again (at least `min_events` events in a day) after at least "
    "`min_idle_days` days without any event, although employed throughout.",
    false_positives="Return from long leave (parental, sabbatical) or a seasonal role.",
    query=query,
    strength=lambda hit: min(1.0, 0.5 * hit.metric / max(hit.baseline, 1)),
    reason=reason,
    covers="1 = 1",
)
