"""Unexplained access to a record flagged as a VIP or celebrity."""

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
        f"p.vip AND {LOOSE}",
        "1",
        "p.labels",
        p.since_t,
        ONLY_WEAK,
    )


DETECTOR = Detector(
    id="vip",
    title="VIP or celebrity record",
    category="vip",
    severity="high",
    level="patient",
    description="The record carries a VIP/celebrity security label (e.g. CEL) and no "
    "explanation covers the access.",
    false_positives="Care by staff not named on the encounter, outside the treating "
    "department (e.g. a consult that was not recorded).",
    query=query,
    strength=loosely(by_events),
    reason=lambda hit: (
        f"the record is flagged VIP/celebrity (labels {hit.detail}); {unexplained(hit)} "
        f"({hit.events} access(es))"
    ),
    peer_relative=True,
)
