"""A user opens a colleague's record with nothing to explain it."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    LOOSE,
    ONLY_WEAK,
    Detector,
    Hit,
    Params,
    by_events,
    loosely,
    unexplained,
)

SQL = """
WITH staff_records AS (
    SELECT patient_id, max(user_id) AS owner FROM identity WHERE relation = 'self'
    GROUP BY patient_id
)
SELECT a.user_id, a.patient_id, min(a.t) AS first_t, max(a.t) AS last_t, count(*) AS events,
       CAST(max(CASE WHEN s.owner IS NOT NULL THEN 1 ELSE 0 END) AS DOUBLE) AS metric,
       {only_weak} AS baseline,
       max(CASE WHEN s.owner IS NOT NULL THEN 'matched to a staff member on the roster'
                ELSE 'labelled as an employee (EMP)' END) AS detail
FROM access a
JOIN patients p ON p.patient_id = a.patient_id
LEFT JOIN staff_records s ON s.patient_id = a.patient_id
WHERE a.t >= {since} AND {loose} AND (s.owner IS NOT NULL OR p.employee)
  AND coalesce(s.owner, '') <> a.user_id
GROUP BY a.user_id, a.patient_id
"""


def query(p: Params) -> str:
    return SQL.format(since=p.since_t, loose=LOOSE, only_weak=ONLY_WEAK)


def reason(hit: Hit) -> str:
    return (
        f"the patient is a colleague ({hit.detail}); {unexplained(hit)} ({hit.events} access(es))"
    )


DETECTOR = Detector(
    id="coworker",
    title="Access to a colleague's record",
    category="coworker",
    severity="high",
    level="patient",
    description="The patient is a member of staff (matched to the roster, or labelled EMP) "
    "and no explanation covers the access.",
    false_positives="Care given to a colleague without the user being named on it, outside "
    "the user's department's encounters (e.g. occupational health).",
    query=query,
    strength=loosely(by_events),
    reason=reason,
    peer_relative=True,
)
