"""An account outside the workforce (a patient portal's proxy, a family's account) in a record
labelled confidential (HL7 R or V): an adolescent's confidential notes are hidden from the
parents' portal, so a parent who reaches them found a way round it. Such accounts are left out
of the insider-threat population (`accounts.py`); this is the one finding raised on them, in
a lane of its own. Only an account that reads one family's records is a proxy: an interface
or a report reading every record reads the confidential ones too, as its work."""

from __future__ import annotations

from hygeia.privacy.detection import accounts
from hygeia.privacy.detection.detectors.base import Detector, Hit, Params

SQL = """
SELECT o.user_id, o.patient_id, min(o.t) AS first_t, max(o.t) AS last_t, count(*) AS events,
       CAST(count(*) AS DOUBLE) AS metric, CAST(0 AS DOUBLE) AS baseline,
       max(p.labels) AS detail
FROM outside_access o JOIN patients p ON p.patient_id = o.patient_id
JOIN accounts x ON x.user_id = o.user_id AND x.patients <= {family}
WHERE o.t >= {since}
GROUP BY o.user_id, o.patient_id
"""


def query(p: Params) -> str:
    return SQL.format(since=p.since_t, family=accounts.FAMILY)


def reason(hit: Hit) -> str:
    return (
        f"an account outside the workforce (a portal proxy or a family's account) opened a "
        f"record labelled confidential ({hit.detail}), which the portal hides "
        f"({hit.events} access(es))"
    )


DETECTOR = Detector(
    id="proxy_confidential",
    title="Proxy in a confidential record",
    category="proxy_confidential",
    severity="high",
    level="patient",
    description="An account that is not the workforce and reads one family's records (a "
    "patient portal's proxy, a family's account) opened a record labelled confidential (HL7 "
    "R or V: `labels.restricted`).",
    false_positives="A label applied to the whole record where only a note is confidential; "
    "a portal that shows the record on purpose (an adult patient's own account).",
    query=query,
    strength=lambda hit: 1.0,
    reason=reason,
    lane="accounts",
)
