"""The same patient opened again and again, on several days, with nothing to explain it."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Detector, Hit, Params, local_day

SQL = """
SELECT user_id, patient_id, min(t) AS first_t, max(t) AS last_t, count(*) AS events,
       CAST(count(*) AS DOUBLE) AS metric, CAST(count(DISTINCT {day}) AS DOUBLE) AS baseline,
       '' AS detail
FROM access
WHERE t >= {since} AND patient_id <> '' AND explained = 0
GROUP BY user_id, patient_id
HAVING count(*) >= {min_events} AND count(DISTINCT {day}) >= {min_days}
"""


def query(p: Params) -> str:
    return SQL.format(
        day=local_day(),
        since=p.since_t,
        min_events=int(p["min_events"]),
        min_days=int(p["min_days"]),
    )


def reason(hit: Hit) -> str:
    return (
        f"the same patient opened {int(hit.metric)} times on {int(hit.baseline)} different "
        "days, with no encounter, care team, appointment, department or duty linking the user"
    )


DETECTOR = Detector(
    id="repeated_lookup",
    title="Repeated look-ups of one patient",
    category="repeated_lookup",
    severity="medium",
    level="patient",
    description="At least `min_events` unexplained accesses by one user to one patient, "
    "spread over at least `min_days` days.",
    false_positives="Long-term follow-up (case management, research) not recorded as care: "
    "a duty or care-team entry fixes it.",
    query=query,
    strength=lambda hit: min(1.0, 0.4 + 0.05 * hit.metric + 0.05 * hit.baseline),
    reason=reason,
)
