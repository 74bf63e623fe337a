"""Curiosity browsing: a user opens many patients that nothing links them to, far more than
the other members of their role group do.

The group's usual level is its median, and its spread the median absolute deviation (MAD),
so that one browser (or two) in a group does not raise the bar for the others. A small
group's median and MAD are shrunk towards the whole site's, and the bar never falls below
`min_patients`: an all-zero group does not make ordinary work an outlier."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Detector, Hit, Params, past_threshold

SQL = """
WITH per_user AS (
    SELECT user_id, coalesce(max(role_group), '') AS grp,
           count(DISTINCT CASE WHEN explained = 0 THEN patient_id END) AS strangers,
           min(CASE WHEN explained = 0 THEN t END) AS first_t,
           max(CASE WHEN explained = 0 THEN t END) AS last_t,
           sum(CASE WHEN explained = 0 THEN 1 ELSE 0 END) AS events
    FROM access WHERE t >= {since} AND patient_id <> ''
    GROUP BY user_id
), site AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY strangers) AS med FROM per_user
), site_mad AS (
    SELECT max(s.med) AS med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(u.strangers - s.med)) AS mad
    FROM per_user u CROSS JOIN site s
), grp AS (
    SELECT grp, count(*) AS users,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY strangers) AS med
    FROM per_user GROUP BY grp
), grp_mad AS (
    SELECT g.grp, max(g.users) AS users, max(g.med) AS med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(u.strangers - g.med)) AS mad
    FROM per_user u JOIN grp g ON g.grp = u.grp GROUP BY g.grp
), shrunk AS (
    SELECT g.grp,
           (g.users * g.med + {shrink} * s.med) / (g.users + {shrink}) AS med,
           (g.users * g.mad + {shrink} * s.mad) / (g.users + {shrink}) AS mad
    FROM grp_mad g CROSS JOIN site_mad s
), bars AS (
    SELECT u.*, b.med, greatest({min_patients}, b.med + {sigmas} * 1.4826 * b.mad) AS bar
    FROM per_user u JOIN shrunk b ON b.grp = u.grp
)
SELECT user_id, '' AS patient_id, first_t, last_t, events,
       CAST(strangers AS DOUBLE) AS metric, CAST(bar AS DOUBLE) AS baseline,
       concat('others of the same role usually open ', CAST(round(med, 1) AS STRING))
           AS detail
FROM bars WHERE strangers >= bar
"""


def query(p: Params) -> str:
    return SQL.format(
        since=p.since_t,
        min_patients=int(p["min_patients"]),
        sigmas=p["mad_sigmas"],
        shrink=p["shrink_users"],
    )


def reason(hit: Hit) -> str:
    return (
        f"{int(hit.metric)} distinct patients opened with nothing linking the user to them: "
        f"no encounter, care team, appointment or department, and not what their role "
        f"routinely does ({hit.detail}; alert level {hit.baseline:.0f})"
    )


DETECTOR = Detector(
    id="curiosity",
    title="Curiosity browsing",
    category="curiosity",
    severity="high",
    level="user",
    description="The number of distinct patients the user opened without any explanation "
    "reaches `min_patients` and lies `mad_sigmas` robust standard deviations (1.4826 x MAD) "
    "above the median of the user's role group, shrunk towards the site's for small groups "
    "(`shrink_users`).",
    false_positives="A role whose work follows no episode in the context (research "
    "screening, release of information): pin a template for it, or it shows as its group's "
    "level and only outliers of the group are raised.",
    query=query,
    strength=past_threshold,
    reason=reason,
    covers="a.explained = 0",
)
