"""Data theft: a day of exports and prints far above the user's own habit and their
department's, worse when it comes shortly before the user leaves."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    DAY,
    Detector,
    Hit,
    Params,
    local_day,
    past_threshold,
)

SQL = """
WITH daily AS (
    SELECT user_id, {day} AS d, sum(is_export) AS exports, count(*) AS n,
           min(t) AS first_t, max(t) AS last_t
    FROM access GROUP BY user_id, {day}
), history AS (
    SELECT user_id, count(*) AS days, sum(exports) AS exports FROM daily GROUP BY user_id
), peers AS (
    SELECT coalesce(s.department_key, '') AS dept,
           sum(d.exports) / CAST(count(*) AS DOUBLE) AS exports_per_day
    FROM daily d LEFT JOIN staff s ON s.user_id = d.user_id
    GROUP BY coalesce(s.department_key, '')
), compared AS (
    SELECT d.*, s.termination_t,
           CASE WHEN h.days > 1 THEN (h.exports - d.exports) / CAST(h.days - 1 AS DOUBLE)
                ELSE 0 END AS own,
           coalesce(p.exports_per_day, 0) AS peer
    FROM daily d
    JOIN history h ON h.user_id = d.user_id
    LEFT JOIN staff s ON s.user_id = d.user_id
    LEFT JOIN peers p ON p.dept = coalesce(s.department_key, '')
), bars AS (
    SELECT *, greatest({min_exports}, {multiple} * greatest(1, own, peer)) AS bar FROM compared
)
SELECT user_id, '' AS patient_id, first_t, last_t, n AS events,
       CAST(exports AS DOUBLE) AS metric, CAST(bar AS DOUBLE) AS baseline,
       CASE WHEN termination_t IS NOT NULL AND termination_t >= first_t
                 AND termination_t - first_t <= {termination}
            THEN concat(CAST(CAST(floor((termination_t - first_t) / {DAY}) AS BIGINT) AS STRING),
                        ' days before the termination date')
            ELSE '' END AS detail
FROM bars WHERE d >= {since_day} AND exports >= bar
"""


def query(p: Params) -> str:
    return SQL.format(
        day=local_day(),
        DAY=DAY,
        since_day=p.since_t // DAY,
        min_exports=int(p["min_exports"]),
        multiple=p["history_multiple"],
        termination=int(p["termination_days"] * DAY),
    )


def strength(hit: Hit) -> float:
    return min(1.0, past_threshold(hit) + (0.3 if hit.detail else 0.0))


def reason(hit: Hit) -> str:
    text = (
        f"{int(hit.metric)} exports or prints in one day, against an alert level of "
        f"{hit.baseline:.0f} from the user's own history and their department's"
    )
    return f"{text}; {hit.detail}" if hit.detail else text


DETECTOR = Detector(
    id="data_theft",
    title="Export or print spike",
    category="data_theft",
    severity="critical",
    level="user",
    description="Exports and prints (DICOM Export, print actions) on one day reach "
    "`min_exports` and `history_multiple` times the user's own daily level and their "
    "department's; stronger within `termination_days` before a termination date.",
    false_positives="Release-of-information or registry work, audits, a migration run "
    "under a personal account.",
    query=query,
    strength=strength,
    reason=reason,
    covers="a.is_export = 1",
)
