"""Work at hours the user never keeps, on patients nothing ties them to: outside their
rostered shift, and more in one day than on any other day of their own history at those
hours. A user's own past is the baseline: a role whose rostered shift does not match its
work (a day crew that covers evenings) has busy evenings in every member's history, while a
burst at hours the user had left empty stands out whatever the roster says. Hours are local
wall-clock time from each event's own UTC offset, so a daylight-saving change does not shift
anyone's day.

Only accesses no explanation covers (or only a weak routine) make a burst: an extra shift
on the user's own unit, or a role's ordinary work done late, is explained by the care and
the routine whatever the hour; what the hour adds is to a look nothing explains."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    DAY,
    LOOSE,
    WEAK,
    Detector,
    Hit,
    Params,
    local_day,
)

SQL = """
WITH hours AS (
    SELECT user_id, {day} AS d, CAST(floor((local_t % {DAY}) / 3600) AS INT) AS h,
           count(*) AS n,
           sum(CASE WHEN explained IN (0, {weak}) THEN 1 ELSE 0 END) AS loose,
           min(t) AS first_t, max(t) AS last_t
    FROM access GROUP BY user_id, {day}, CAST(floor((local_t % {DAY}) / 3600) AS INT)
), daily AS (
    SELECT user_id, d, sum(n) AS n FROM hours GROUP BY user_id, d
), totals AS (
    SELECT user_id, sum(n) AS n FROM hours GROUP BY user_id
), spread AS (
    -- accesses within an hour of each hour (h - 1, h, h + 1), per user and day
    SELECT hr.user_id, hr.d, (hr.h + o.k + 24) % 24 AS h, sum(hr.n) AS n
    FROM hours hr CROSS JOIN (SELECT -1 AS k UNION ALL SELECT 0 UNION ALL SELECT 1) o
    GROUP BY hr.user_id, hr.d, (hr.h + o.k + 24) % 24
), by_hour AS (
    SELECT user_id, h, sum(n) AS n FROM spread GROUP BY user_id, h
), ranked_days AS (
    SELECT user_id, h, d, n, row_number() OVER (PARTITION BY user_id, h ORDER BY n DESC, d) AS k
    FROM spread
), busiest AS (
    -- the two days busiest at those hours: "any other day" is the second for the first
    SELECT user_id, h, max(CASE WHEN k = 1 THEN d END) AS top_d,
           max(CASE WHEN k = 1 THEN n END) AS top_n,
           coalesce(max(CASE WHEN k = 2 THEN n END), 0) AS second_n
    FROM ranked_days WHERE k <= 2 GROUP BY user_id, h
), odd AS (
    SELECT x.user_id, x.d, x.h, x.n, x.loose, x.first_t, x.last_t,
           (bh.n - sp.n) / CAST(greatest(t.n - dy.n, 1) AS DOUBLE) AS share,
           sp.n AS near_today,
           CASE WHEN b.top_d = x.d THEN b.second_n ELSE b.top_n END AS busiest_elsewhere,
           t.n - dy.n AS history, s.shift_start
    FROM hours x
    JOIN spread sp ON sp.user_id = x.user_id AND sp.d = x.d AND sp.h = x.h
    JOIN by_hour bh ON bh.user_id = x.user_id AND bh.h = x.h
    JOIN busiest b ON b.user_id = x.user_id AND b.h = x.h
    JOIN totals t ON t.user_id = x.user_id
    JOIN daily dy ON dy.user_id = x.user_id AND dy.d = x.d
    LEFT JOIN staff s ON s.user_id = x.user_id
    WHERE x.d >= {since_day}
), flagged AS (
    SELECT * FROM odd
    WHERE near_today >= {dwarfs} * busiest_elsewhere
      AND (shift_start IS NULL AND history >= 50
           OR shift_start IS NOT NULL
              AND (h - shift_start + 24) % 24 >= 8 + {overtime}
              AND (h - shift_start + 24) % 24 < 24 - {slack})
), bursts AS (
    SELECT x.user_id, x.d, x.h, sum(y.loose) AS n, min(y.first_t) AS first_t,
           max(y.last_t) AS last_t, max(y.share) AS share,
           max(y.busiest_elsewhere) AS busiest, max(y.h) AS last_h
    FROM flagged x JOIN flagged y ON y.user_id = x.user_id AND y.d = x.d
        AND y.h >= x.h AND y.h < x.h + {burst}
    GROUP BY x.user_id, x.d, x.h
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY user_id, d ORDER BY n DESC, h) AS k
    FROM bursts WHERE n >= {min_events}
)
SELECT user_id, '' AS patient_id, first_t, last_t, n AS events,
       CAST(share AS DOUBLE) AS metric, CAST(busiest AS DOUBLE) AS baseline,
       concat(CAST(h AS STRING), ':00-', CAST(last_h + 1 AS STRING), ':00 local time')
           AS detail
FROM ranked WHERE k = 1
"""


def query(p: Params) -> str:
    return SQL.format(
        day=local_day(),
        DAY=DAY,
        weak=WEAK,
        since_day=p.since_t // DAY,
        dwarfs=float(p["dwarfs_history"]),
        slack=p["shift_slack_hours"],
        overtime=p["overtime_hours"],
        min_events=int(p["min_events"]),
        burst=int(p["burst_hours"]),
    )


def reason(hit: Hit) -> str:
    return (
        f"{hit.events} accesses at {hit.detail}, outside the user's shift; "
        f"the user's busiest other day held {int(hit.baseline)} at those hours, "
        f"and {hit.metric:.1%} of the user's other activity falls in them"
    )


DETECTOR = Detector(
    id="unusual_hours",
    title="Unusual hours",
    category="unusual_hours",
    severity="medium",
    level="user",
    description="A burst of at least `min_events` accesses within `burst_hours` hours at "
    "local hours outside the rostered shift (starting up to `shift_slack_hours` early or "
    "staying up to `overtime_hours` late is usual) where this day holds at least "
    "`dwarfs_history` times as many accesses at those hours (within an hour) as the user's "
    "busiest other day did: hours the user has worked before in bursts are the user's "
    "hours, whatever the roster says, and stray night accesses every few days do not make "
    "a night's burst a habit. "
    "Scattered off-shift accesses "
    "(a colleague covering, a late note) are not a burst, and accesses an explanation covers "
    "(called in for their own patient, the unit's work on an extra shift, the role's "
    "routine done late) do not count towards one.",
    false_positives="Long overtime, on-call and shift swaps not reflected in the roster; a "
    "role whose rostered shifts do not match its work scores lower, as many of its users share "
    "the hit.",
    query=query,
    strength=lambda hit: 0.7 if hit.metric > 0 else 0.9,
    reason=reason,
    peer_relative=True,
    covers=LOOSE,
)
