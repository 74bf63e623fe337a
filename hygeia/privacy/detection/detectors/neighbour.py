"""A user opens the record of someone living on their street with nothing to explain it."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    LOOSE,
    ONLY_WEAK,
    Detector,
    Hit,
    Params,
    loosely,
    patient_level_sql,
    unexplained,
)


def query(p: Params) -> str:
    return patient_level_sql(
        "JOIN identity i ON i.user_id = a.user_id AND i.patient_id = a.patient_id",
        f"i.relation = 'neighbour' AND {LOOSE}",
        "i.score",
        "i.fields",
        p.since_t,
        ONLY_WEAK,
    )


def strength(hit: Hit) -> float:
    return min(1.0, hit.metric + 0.05 * (hit.events - 1))


DETECTOR = Detector(
    id="neighbour",
    title="Access to a neighbour's record",
    category="neighbour",
    severity="medium",
    level="patient",
    description="The patient lives on the user's street (same building, a nearby house, or "
    "the same street) and no explanation covers the access.",
    false_positives="Long streets where 'same street' is not neighbourly; care the user gave "
    "without being named on it.",
    query=query,
    strength=loosely(strength),
    reason=lambda hit: (
        f"the patient lives near the user ({hit.detail}); {unexplained(hit)} "
        f"({hit.events} access(es))"
    ),
    peer_relative=True,
)
