"""Curiosity browsing: a user opens many patients that nothing links them to, far more than
their department's colleagues do."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Detector, Hit, Params, past_threshold

# Colleagues' usual level comes from those below the absolute bar only, so that one browser
# (or two) in a department does not raise the bar for the others.
SQL = """
WITH per_user AS (
    SELECT user_id, coalesce(max(department_key), '') AS dept,
           count(DISTINCT CASE WHEN explained = 0 THEN patient_id END) AS strangers,
           min(CASE WHEN explained = 0 THEN t END) AS first_t,
           max(CASE WHEN explained = 0 THEN t END) AS last_t,
           sum(CASE WHEN explained = 0 THEN 1 ELSE 0 END) AS events
    FROM access WHERE t >= {since} AND patient_id <> ''
    GROUP BY user_id
), peers AS (
    SELECT dept, avg(CAST(strangers AS DOUBLE)) AS mean,
           coalesce(stddev_pop(CAST(strangers AS DOUBLE)), 0) AS sd
    FROM per_user WHERE strangers < {min_patients}
    GROUP BY dept
), bars AS (
    SELECT u.*, coalesce(p.mean, 0) AS mean,
           greatest({min_patients}, coalesce(p.mean + {sigmas} * p.sd, 0)) AS bar
    FROM per_user u LEFT JOIN peers p ON p.dept = u.dept
)
SELECT user_id, '' AS patient_id, first_t, last_t, events,
       CAST(strangers AS DOUBLE) AS metric, CAST(bar AS DOUBLE) AS baseline,
       concat('colleagues in the department average ', CAST(round(mean, 1) AS STRING))
           AS detail
FROM bars WHERE strangers >= bar
"""


def query(p: Params) -> str:
    return SQL.format(since=p.since_t, min_patients=int(p["min_patients"]), sigmas=p["peer_sigmas"])


def reason(hit: Hit) -> str:
    return (
        f"{int(hit.metric)} distinct patients opened with no encounter, care team, appointment, "
        f"department or duty linking the user to them ({hit.detail}; alert level "
        f"{hit.baseline:.0f})"
    )


DETECTOR = Detector(
    id="curiosity",
    title="Curiosity browsing",
    category="curiosity",
    severity="high",
    level="user",
    description="The number of distinct patients the user opened without any explanation "
    "reaches `min_patients` and lies `peer_sigmas` standard deviations above the usual level "
    "of the department's colleagues (those below `min_patients`).",
    false_positives="Roles the duty rules do not know yet (e.g. a quality-review nurse): "
    "add a duty for them, or mine explanations from the data.",
    query=query,
    strength=past_threshold,
    reason=reason,
)
