"""An account used after its owner's termination date."""

from __future__ import annotations

from datetime import UTC, datetime

from hygeia.privacy.detection.detectors.base import DAY, Detector, Hit, Params

SQL = """
SELECT a.user_id, '' AS patient_id, min(a.t) AS first_t, max(a.t) AS last_t,
       count(*) AS events,
       CAST((max(a.t) - max(s.termination_t)) / {DAY}.0 AS DOUBLE) AS metric,
       CAST(max(s.termination_t) AS DOUBLE) AS baseline, '' AS detail
FROM access a JOIN staff s ON s.user_id = a.user_id
WHERE a.t >= {since} AND s.termination_t IS NOT NULL AND a.t > s.termination_t + {grace}
GROUP BY a.user_id
"""


def query(p: Params) -> str:
    return SQL.format(DAY=DAY, since=p.since_t, grace=int(p["grace_hours"] * 3600))


def reason(hit: Hit) -> str:
    last_day = datetime.fromtimestamp(hit.baseline - DAY, UTC).date().isoformat()
    return (
        f"{hit.events} access(es) after the owner's termination date ({last_day}) in the HR roster"
    )


DETECTOR = Detector(
    id="terminated_account",
    title="Account used after termination",
    category="terminated_account",
    severity="critical",
    level="user",
    description="Events by a login whose roster entry has a termination date before them "
    "(after `grace_hours`).",
    false_positives="A rehire or a contract extension not yet in the roster; a termination "
    "date entered in error.",
    query=query,
    strength=lambda hit: 1.0,
    reason=reason,
    covers="1 = 1",
)
