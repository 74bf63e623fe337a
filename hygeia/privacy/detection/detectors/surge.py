"""Many users with no personal link to a patient open the record within hours or days: a
patient in the news who is not (yet) flagged as a VIP.

Crowds are counted in windows of three widths, `window_hours` (a story that breaks: everyone
looks the same morning), `long_window_hours` (one that runs: a few look each day) and
`spread_window_hours` (one that lingers: one or two a day for most of a week), each compared
with the site's usual crowds of the same width.

The crowd is counted among users whom no encounter, care team or appointment names on the
patient's care: a department or a role's routine does not take a user out of it, since a
news story draws colleagues of every department. But a news story draws people from all
over the hospital, whom nothing at all links to the patient; a crowd made only of the
treating departments' own staff is the care of a busy patient (several stays at once, a long
resuscitation). So a crowd is a surge only when at least `min_users` of it are strangers to
the care (no explanation, or only a weak one); once it is, every user of the crowd is named.

The crowd is compared with the crowds the site usually sees around patients in the same
state (a high quantile over every patient and window, for patients in a stay, in
an emergency visit, with another episode in reach, or with none), so that a busy ward does
not look like a surge and a patient whom nobody is treating is noticed from `min_users` on.
The patient with the largest crowd in each state is left out of its usual level, so that on
a small site the surge does not set its own bar."""

from __future__ import annotations

import math

from hygeia.privacy.detection.detectors.base import DIRECT, LOOSE, Detector, Hit, Params
from hygeia.privacy.detection.episode_kinds import NOT_VISITS_SQL

SQL = """
WITH marked AS (
    SELECT a.patient_id, a.user_id, a.t,
           CASE WHEN a.explained BETWEEN 1 AND {direct} THEN 1 ELSE 0 END AS personal,
           CASE WHEN {loose} THEN 0 ELSE 1 END AS linked
    FROM access a WHERE a.t >= {since} AND a.patient_id <> ''
), touch AS (
    SELECT patient_id, user_id, max(personal) AS personal, max(linked) AS linked,
           min(t) AS first_t, max(t) AS last_t, count(*) AS events
    FROM marked GROUP BY patient_id, user_id, CAST(floor(t / {unit}) AS BIGINT)
), outside AS (
    -- a user named on the care at every touch is in no crowd: most pairs, left out before
    -- the grids multiply the rest
    SELECT patient_id, user_id FROM touch GROUP BY patient_id, user_id HAVING min(personal) = 0
), slots AS (
    SELECT x.*, g.w,
           CAST(floor((x.first_t + g.w * g.grid / 2) / g.w) AS BIGINT) * 2 + g.grid AS slot
    FROM touch x
    JOIN outside o ON o.patient_id = x.patient_id AND o.user_id = x.user_id
    CROSS JOIN ({grids}) g
), per_user AS (
    SELECT patient_id, w, slot, user_id, max(linked) AS linked,
           min(first_t) AS first_t, max(last_t) AS last_t, sum(events) AS events
    FROM slots GROUP BY patient_id, w, slot, user_id
    HAVING max(personal) = 0  -- the crowd: users whom nothing names on the care then
), crowds AS (
    SELECT patient_id, w, slot, count(*) AS crowd, sum(1 - linked) AS strangers,
           min(first_t) AS t0, max(last_t) AS t1
    FROM per_user GROUP BY patient_id, w, slot
), placed AS (
    SELECT c.patient_id, c.w, c.slot, max(c.crowd) AS crowd, max(c.strangers) AS strangers,
           max(CASE WHEN e.kind IS NULL THEN 0
                    WHEN e.kind IN ('IMP', 'ACUTE', 'OBSENC', 'SS') THEN 3
                    WHEN e.kind = 'EMER' THEN 2 ELSE 1 END) AS stratum
    FROM crowds c LEFT JOIN episodes e ON e.patient_id = c.patient_id
     AND e.start_t <= c.t1 + {near} AND e.end_t >= c.t0 - {near}
     AND e.kind NOT IN ({not_visits})
    GROUP BY c.patient_id, c.w, c.slot
), per_patient AS (
    SELECT stratum, w, patient_id, max(crowd) AS crowd
    FROM placed GROUP BY stratum, w, patient_id
), top AS (
    SELECT stratum, w, patient_id FROM (
        SELECT stratum, w, patient_id,
               row_number() OVER (PARTITION BY stratum, w ORDER BY crowd DESC, patient_id) AS r
        FROM per_patient) ranked
    WHERE r = 1
), usual AS (
    SELECT c.stratum, c.w, percentile_cont({quantile}) WITHIN GROUP (ORDER BY c.crowd) AS high
    FROM placed c LEFT JOIN top x
      ON x.stratum = c.stratum AND x.w = c.w AND x.patient_id = c.patient_id
    WHERE x.patient_id IS NULL GROUP BY c.stratum, c.w
), barred AS (
    SELECT c.patient_id, c.w, c.slot, c.crowd, c.strangers,
           greatest({min_users}, {multiple} * coalesce(u.high, 0)) AS bar,
           greatest({min_users}, coalesce(u.high, 0)) AS usual_bar
    FROM placed c LEFT JOIN usual u ON u.stratum = c.stratum AND u.w = c.w
), judged AS (
    SELECT patient_id, w, slot, crowd, bar,
           CASE WHEN crowd >= bar AND strangers >= {min_users} THEN 1 ELSE 0 END AS core,
           CASE WHEN crowd >= usual_bar AND strangers >= {min_users} THEN 1 ELSE 0 END
               AS above_usual
    FROM barred
), followed AS (
    -- a surge (`core`) is a crowd `multiple` times the usual; once a record has one, its
    -- crowds above the usual level in any window are the same story: those who came a
    -- little before or after the peak
    SELECT * FROM (
        SELECT j.*, max(core) OVER (PARTITION BY patient_id) AS surging FROM judged j
    ) marked_surging
    WHERE surging = 1 AND above_usual = 1
), named AS (
    SELECT p.user_id, p.patient_id, p.first_t, p.last_t, p.events, s.crowd, s.bar, s.w, s.core,
           row_number() OVER (PARTITION BY p.user_id, p.patient_id
                              ORDER BY s.core DESC, s.crowd / s.bar DESC, s.w, p.first_t) AS r
    FROM per_user p
    JOIN followed s ON s.patient_id = p.patient_id AND s.w = p.w AND s.slot = p.slot
)
SELECT user_id, patient_id, min(first_t) AS first_t, max(last_t) AS last_t,
       max(events) AS events,
       CAST(max(CASE WHEN r = 1 THEN crowd END) AS DOUBLE) AS metric,
       CAST(max(CASE WHEN r = 1 THEN bar END) AS DOUBLE) AS baseline,
       max(CASE WHEN r = 1 THEN concat(CAST(CAST(w / 3600 AS BIGINT) AS STRING),
                                       CASE WHEN core = 1 THEN '' ELSE '{after}' END) END)
           AS detail
FROM named GROUP BY user_id, patient_id
"""
AFTER = " around"  # detail suffix: the user came in a window next to the surge's peak


def query(p: Params) -> str:
    widths = sorted(
        {
            int(p[name] * 3600)
            for name in ("window_hours", "long_window_hours", "spread_window_hours")
        }
    )
    # accesses are first gathered per user and patient into spans that no grid's edge cuts
    unit = math.gcd(*(w // 2 for w in widths))
    return SQL.format(
        since=p.since_t,
        unit=unit,
        # each width laid twice, the second grid shifted by half a width, so that a crowd
        # straddling one grid's edge falls whole into the other's; one pass over `touch`
        grids=" UNION ALL ".join(
            f"SELECT {w} AS w, {grid} AS grid" for w in widths for grid in (0, 1)
        ),
        near=int(p["near_hours"] * 3600),
        not_visits=NOT_VISITS_SQL,  # a booking or a GP is no visit in reach
        direct=DIRECT,
        loose=LOOSE,
        min_users=int(p["min_users"]),
        quantile=p["quantile"],
        multiple=p["multiple"],
        after=AFTER,
    )


def reason(hit: Hit) -> str:
    hours = hit.detail.removesuffix(AFTER) or "?"
    if hit.detail.endswith(AFTER):
        return (
            f"{int(hit.metric)} users whom nothing names on the patient's care opened this "
            f"record within {hours} hours, more than the site usually sees for such a "
            f"patient, around a surge of at least {int(hit.baseline)}; this user is one of them"
        )
    return (
        f"{int(hit.metric)} users whom nothing names on the patient's care opened this record "
        f"within {hours} hours (the site's usual for such a patient is below "
        f"{int(hit.baseline)}); this user is one of them"
    )


DETECTOR = Detector(
    id="surge",
    title="Surge of unrelated users on one patient",
    category="surge",
    severity="medium",
    level="patient",
    description="Within `window_hours` (or `long_window_hours` and `spread_window_hours`, for "
    "a story that draws visitors over days, each against the usual crowds of its width), at "
    "least `min_users` users "
    "not named on the "
    "patient's care opened the record, and at least `multiple` times the `quantile` of such "
    "crowds the site sees for patients in the same state (an episode within `near_hours`: a stay, "
    "an emergency visit, another kind; or none); at least `min_users` of them have nothing "
    "but chance linking them to the patient (a crowd of the treating departments' own staff "
    "is a busy patient's care).",
    false_positives="A mass-casualty event, or a backlog cleared by a pool "
    "that nothing names on the care. Missed: a patient in the news whose curious visitors all "
    "come from the departments treating them.",
    query=query,
    strength=lambda hit: min(1.0, 0.5 + 0.5 * hit.metric / max(hit.baseline, 1) / 2),
    reason=reason,
)
