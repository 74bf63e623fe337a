"""Unexplained access to the record of a deceased patient, after the death when the record
says when: a look at a living patient's chart is not a look at a dead one's."""

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
        f"p.deceased AND (p.deceased_t IS NULL OR a.t >= p.deceased_t) AND {LOOSE}",
        "1",
        "''",
        p.since_t,
        ONLY_WEAK,
    )


DETECTOR = Detector(
    id="deceased",
    title="Deceased patient without a relationship",
    category="deceased",
    severity="medium",
    level="patient",
    description="The patient is recorded as deceased (and the access came after the death, "
    "when the record gives its time) and no explanation covers the access.",
    false_positives="Death certificates, autopsy, bereavement and release-of-information "
    "work by staff outside the treating department.",
    query=query,
    strength=loosely(by_events),
    reason=lambda hit: f"the patient is deceased; {unexplained(hit)} ({hit.events} access(es))",
    peer_relative=True,
)
