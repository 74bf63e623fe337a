"""A user opens the record of someone who lives at their home address (surnames may differ)
without being named on that person's care."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    DIRECT,
    Detector,
    Params,
    by_events,
    patient_level_sql,
)


def query(p: Params) -> str:
    return patient_level_sql(
        "JOIN identity i ON i.user_id = a.user_id AND i.patient_id = a.patient_id",
        f"i.relation = 'household' AND NOT (a.explained BETWEEN 1 AND {DIRECT})",
        "i.score",
        "i.fields",
        p.since_t,
    )


DETECTOR = Detector(
    id="family",
    title="Access to a household member's record",
    category="family",
    severity="high",
    level="patient",
    description="The patient lives at the user's home address and no encounter, care team "
    "or appointment names the user on the patient's care.",
    false_positives="A family member the user legitimately treats without being named on "
    "the encounter; shared addresses in staff housing or care homes.",
    query=query,
    strength=by_events,
    reason=lambda hit: (
        f"{hit.detail} as the user; no encounter, care team or appointment links the user "
        f"to this patient ({hit.events} access(es))"
    ),
)
