"""Curiosity browsing: a user opens many patients that nothing links them to, far more than
the other members of their role group do.

Two tests, either of which raises the user:

- The spread of the group: the group's usual level is its median, and its spread the median
  absolute deviation (MAD), so that one browser (or two) in a group does not raise the bar
  for the others. A small group's median and MAD are shrunk towards the whole site's, and
  the bar never falls below `min_patients`: an all-zero group does not make ordinary work an
  outlier.
- The rate of the group: the share of the patients they open that the group's other users
  (shrunk towards the site's, by `shrink_users` users' worth) leave unexplained predicts how
  many strangers this user's patients should hold. From `min_strangers` on, a count that
  chance would give less often than `alpha` over all the site's users (a Chernoff bound on
  the Poisson tail, which overstates the chance) is raised: a user with eight strangers
  among 136 patients, where colleagues have none among 1,900, is not working by chance, and
  the spread alone, all zero, could not say so below `min_patients`.
"""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Detector, Hit, Params, past_threshold

SQL = """
WITH per_user AS (
    SELECT user_id, coalesce(max(role_group), '') AS grp,
           count(DISTINCT CASE WHEN explained = 0 THEN patient_id END) AS strangers,
           count(DISTINCT patient_id) AS opened,
           min(CASE WHEN explained = 0 THEN t END) AS first_t,
           max(CASE WHEN explained = 0 THEN t END) AS last_t,
           sum(CASE WHEN explained = 0 THEN 1 ELSE 0 END) AS events
    FROM access WHERE t >= {since} AND patient_id <> ''
    GROUP BY user_id
), site AS (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY strangers) AS med,
           sum(strangers) AS strangers, sum(opened) AS opened, count(*) AS users
    FROM per_user
), site_mad AS (
    SELECT max(s.med) AS med,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(u.strangers - s.med)) AS mad
    FROM per_user u CROSS JOIN site s
), grp AS (
    SELECT grp, count(*) AS users,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY strangers) AS med,
           sum(strangers) AS strangers, sum(opened) AS opened
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
), expected AS (
    -- the rest of the group's strangers per patient opened, shrunk towards the site's
    SELECT u.user_id,
           u.opened * (g.strangers - u.strangers + {shrink} * s.strangers / s.users)
           / greatest(g.opened - u.opened + {shrink} * s.opened / s.users, 1) AS lam,
           s.users
    FROM per_user u JOIN grp g ON g.grp = u.grp CROSS JOIN site s
), bars AS (
    SELECT u.*, b.med, greatest({min_patients}, b.med + {sigmas} * 1.4826 * b.mad) AS bar,
           x.lam,
           -- ln of the Chernoff bound on P(X >= k) for a Poisson X of mean lam < k
           -- (a user the roster lacks has no role to explain anything by: not tested)
           CASE WHEN u.strangers >= {min_strangers} AND u.strangers > x.lam AND u.grp <> ''
                THEN x.lam - u.strangers + u.strangers * ln(u.strangers / greatest(x.lam, 1e-9))
                ELSE 0 END AS surprise,
           ln(x.users / {alpha}) AS needed
    FROM per_user u JOIN shrunk b ON b.grp = u.grp JOIN expected x ON x.user_id = u.user_id
)
SELECT user_id, '' AS patient_id, first_t, last_t, events,
       CAST(strangers AS DOUBLE) AS metric,
       CAST(CASE WHEN strangers >= bar THEN bar ELSE {min_strangers} END AS DOUBLE) AS baseline,
       concat('others of the same role usually open ',
              CASE WHEN med < 0.5 THEN 'none' ELSE CAST(CAST(round(med) AS BIGINT) AS STRING) END,
              '; at their rate, the ', CAST(opened AS STRING),
              ' patients this user opened would hold ',
              CASE WHEN lam < 1 THEN 'fewer than one'
                   ELSE concat('about ', CAST(CAST(round(lam) AS BIGINT) AS STRING)) END)
           AS detail
FROM bars WHERE strangers >= bar OR surprise >= needed
"""


def query(p: Params) -> str:
    return SQL.format(
        since=p.since_t,
        min_patients=int(p["min_patients"]),
        sigmas=p["mad_sigmas"],
        shrink=p["shrink_users"],
        min_strangers=int(p["min_strangers"]),
        alpha=p["alpha"],
    )


def reason(hit: Hit) -> str:
    return (
        f"{int(hit.metric)} distinct patients opened with nothing linking the user to them: "
        f"no encounter, care team, appointment or department, and not what their role "
        f"routinely does ({hit.detail}; raised from {hit.baseline:.0f})"
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
    "(`shrink_users`); or it reaches `min_strangers` and is more than the group's rate of "
    "such patients would give by chance, at `alpha` over all the site's users.",
    false_positives="A role whose work follows no episode in the context (research "
    "screening, release of information): pin a template for it, or it shows as its group's "
    "level and only outliers of the group are raised.",
    query=query,
    strength=past_threshold,
    reason=reason,
    covers="a.explained = 0",
)
