"""Every access to a restricted record by someone its care does not name: a privacy office
reviews all of them, so they form a lane of their own that the budget never cuts.

A record is restricted when it carries a restricted or VIP label (HL7 confidentiality R or
V, a celebrity or VIP code: `labels.restricted` and `labels.vip`) or is on the site's own
list (`hygeia privacy restricted`). What clears an access is personal: the user is named on
the patient's encounter, care team or appointment (explanations 1-3), or works in a
department that took part in an episode of the patient under way at the time (within an
hour of its start and end: the unit where the patient lies). A role's routine, or a
department that treated the patient some other day, explains ordinary records and not
these: a pattern any patient with any visit satisfies says nothing about this user and this
patient."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import DIRECT, Detector, Hit, Params

ON_UNIT_SLACK = 3600

SQL = """
SELECT a.user_id, a.patient_id, min(a.t) AS first_t, max(a.t) AS last_t,
       count(*) AS events, CAST(max(a.explained) AS DOUBLE) AS metric,
       CAST(0 AS DOUBLE) AS baseline, max(p.labels) AS detail
FROM access a
JOIN patients p ON p.patient_id = a.patient_id
LEFT JOIN (
    SELECT DISTINCT e.patient_id, l.who AS department_key, e.start_t, e.end_t
    FROM episodes e JOIN links l ON l.episode_id = e.episode_id AND l.kind = 'department'
) u ON u.patient_id = a.patient_id AND u.department_key = a.department_key
   AND a.t >= u.start_t - {slack} AND a.t <= u.end_t + {slack}
WHERE a.t >= {since} AND a.patient_id <> '' AND p.restricted
  AND (a.explained = 0 OR a.explained > {direct}) AND u.patient_id IS NULL
GROUP BY a.user_id, a.patient_id
"""


def query(p: Params) -> str:
    return SQL.format(slack=ON_UNIT_SLACK, since=p.since_t, direct=DIRECT)


def reason(hit: Hit) -> str:
    labels = f" (labels {hit.detail})" if hit.detail else " (on the site's list)"
    return (
        f"the record is restricted{labels}; no encounter, care team or appointment names the "
        f"user, and the user's department was not caring for the patient then "
        f"({hit.events} access(es))"
    )


DETECTOR = Detector(
    id="restricted_record",
    title="Restricted record opened outside its care",
    category="restricted",
    severity="high",
    level="patient",
    description="Every access to a restricted or VIP record (HL7 confidentiality R or V, a "
    "VIP label, the site's list) by a user who is not named on the patient's care and whose "
    "department was not caring for the patient at the time. Reviewed in full: the budget "
    "never cuts this lane.",
    false_positives="Care by staff whom the record does not name (a covering clinician, an "
    "ancillary department), release-of-information and billing work.",
    query=query,
    strength=lambda hit: 1.0,
    reason=reason,
    lane="restricted",
)
