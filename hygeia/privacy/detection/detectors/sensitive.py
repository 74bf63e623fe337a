"""Unexplained access to a record with a sensitive label (behavioural health, HIV,
substance use and the like)."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    LOOSE,
    ONLY_WEAK,
    Detector,
    Params,
    by_events,
    loosely,
    patient_level_sql,
    unexplained,
)


def query(p: Params) -> str:
    return patient_level_sql(
        "JOIN patients p ON p.patient_id = a.patient_id",
        f"p.sensitive AND NOT p.vip AND {LOOSE}",
        "1",
        "p.labels",
        p.since_t,
        ONLY_WEAK,
    )


DETECTOR = Detector(
    id="sensitive",
    title="Sensitive record",
    category="sensitive",
    severity="high",
    level="patient",
    description="The record carries a sensitive-category label (the `labels.sensitive` list "
    "of the configuration) and no explanation covers the access.",
    false_positives="Care by staff not named on it; labels applied broadly by a source system.",
    query=query,
    strength=loosely(by_events),
    reason=lambda hit: (
        f"the record carries sensitive labels ({hit.detail}); {unexplained(hit)} "
        f"({hit.events} access(es))"
    ),
    peer_relative=True,
)
