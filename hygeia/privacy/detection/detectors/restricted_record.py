"""Every access to a restricted record by someone its care does not name: a privacy office
reviews all of them, so they form a lane of their own that the budget never cuts.

A record is restricted when it carries a restricted or VIP label (HL7 confidentiality R or
V, a celebrity or VIP code: `labels.restricted` and `labels.vip`) or is on the site's own
list (`hygeia privacy restricted`). What clears an access is personal: the user is named on
the patient's encounter, care team or appointment (explanations 1-3), or works in a
department that took part in an episode of the patient around that time (from
`unit_before_hours` before its start to `unit_after_hours` after its end: the unit
preparing the admission, caring for the patient, finishing the notes). A role's routine, or
a department that treated the patient some other week, explains ordinary records and not
these: "during any inpatient stay" holds for every inpatient, and says nothing about this
user and this patient."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import DIRECT, Detector, Hit, Params

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
   AND a.t >= u.start_t - {before} AND a.t <= u.end_t + {after}
WHERE a.t >= {since} AND a.patient_id <> '' AND p.restricted
  AND (a.explained = 0 OR a.explained > {direct}) AND u.patient_id IS NULL
GROUP BY a.user_id, a.patient_id
"""


def query(p: Params) -> str:
    return SQL.format(
        before=int(p["unit_before_hours"] * 3600),
        after=int(p["unit_after_hours"] * 3600),
        since=p.since_t,
        direct=DIRECT,
    )


def reason(hit: Hit) -> str:
    labels = f" (labels {hit.detail})" if hit.detail else " (on the site's list)"
    return (
        f"the record is restricted{labels}; no encounter, care team or appointment names the "
        f"user, and the user's department was not caring for the patient around then "
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
    "department was not caring for the patient around that time (from `unit_before_hours` "
    "before an episode it took part in to `unit_after_hours` after). Reviewed in full: the "
    "budget never cuts this lane.",
    false_positives="Care by staff whom the record does not name (a covering clinician, an "
    "ancillary department), release-of-information and billing work.",
    query=query,
    strength=lambda hit: 1.0,
    reason=reason,
    lane="restricted",
)
