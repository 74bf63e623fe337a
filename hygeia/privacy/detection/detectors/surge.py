"""Many users with no link to a patient open the record on the same day: a patient in the
news who is not (yet) flagged as a VIP."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Detector, Hit, Params, local_day

SQL = """
WITH daily AS (
    SELECT patient_id, {day} AS d, count(DISTINCT user_id) AS users,
           count(DISTINCT CASE WHEN explained = 0 THEN user_id END) AS strangers
    FROM access WHERE t >= {since} AND patient_id <> ''
    GROUP BY patient_id, {day}
), surges AS (
    SELECT * FROM daily WHERE strangers >= {min_users} AND strangers >= {share} * users
)
SELECT a.user_id, a.patient_id, min(a.t) AS first_t, max(a.t) AS last_t, count(*) AS events,
       CAST(max(s.strangers) AS DOUBLE) AS metric, CAST(max(s.users) AS DOUBLE) AS baseline,
       '' AS detail
FROM access a JOIN surges s ON s.patient_id = a.patient_id AND {a_day} = s.d
WHERE a.explained = 0 AND a.t >= {since}
GROUP BY a.user_id, a.patient_id
"""


def query(p: Params) -> str:
    return SQL.format(
        day=local_day(),
        a_day=local_day("a.local_t"),
        since=p.since_t,
        min_users=int(p["min_users"]),
        share=p["min_share_unexplained"],
    )


def reason(hit: Hit) -> str:
    return (
        f"{int(hit.metric)} users with no link to the patient opened this record on the same "
        f"day ({int(hit.baseline)} users in all); this user is one of them"
    )


DETECTOR = Detector(
    id="surge",
    title="Surge of unrelated users on one patient",
    category="surge",
    severity="medium",
    level="patient",
    description="On one day, at least `min_users` users with no explanation opened the same "
    "record, and they were most of those who opened it.",
    false_positives="A mass-casualty day or a registration backlog handled by a pool the "
    "duty rules do not know.",
    query=query,
    strength=lambda hit: min(1.0, 0.5 + hit.metric / 40),
    reason=reason,
)
