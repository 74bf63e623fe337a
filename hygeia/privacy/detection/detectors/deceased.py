"""Unexplained access to the record of a deceased patient."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import (
    Detector,
    Params,
    by_events,
    patient_level_sql,
)


def query(p: Params) -> str:
    return patient_level_sql(
        "JOIN patients p ON p.patient_id = a.patient_id",
        "p.deceased AND a.explained = 0",
        "1",
        "''",
        p.since_t,
    )


DETECTOR = Detector(
    id="deceased",
    title="Deceased patient without a relationship",
    category="deceased",
    severity="medium",
    level="patient",
    description="The patient is recorded as deceased and no explanation covers the access.",
    false_positives="Death certificates, autopsy, bereavement and release-of-information "
    "work by staff outside the treating department.",
    query=query,
    strength=by_events,
    reason=lambda hit: (
        f"the patient is deceased and nothing in the patient's care explains the access "
        f"({hit.events} access(es))"
    ),
)
