"""A user opens their own record: what they can see through the patient portal or ask the
records office for, not through their work account."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    DIRECT,
    Detector,
    Hit,
    Params,
    patient_level_sql,
)


def query(p: Params) -> str:
    return patient_level_sql(
        "JOIN identity i ON i.user_id = a.user_id AND i.patient_id = a.patient_id",
        f"i.relation = 'self' AND NOT (a.explained BETWEEN 1 AND {DIRECT})",
        "i.score",
        "i.fields",
        p.since_t,
    )


def reason(hit: Hit) -> str:
    return (
        f"the patient record matches the user's own roster entry ({hit.detail}); "
        f"{hit.events} access(es) to it"
    )


DETECTOR = Detector(
    id="self_access",
    title="Access to one's own record",
    category="self",
    severity="high",
    level="patient",
    description="The user opened the patient record that identity matching links to the "
    "user's own roster entry (name, birth date, address), without being named on that "
    "record's care (an assignment on one's own encounter is visible on the encounter).",
    false_positives="A namesake with the same birth date (the matched fields say how strong "
    "the link is); staff using their work account where policy allows it.",
    query=query,
    strength=lambda hit: hit.metric,
    reason=reason,
)
