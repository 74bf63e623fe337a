"""Break-the-glass (emergency access, ETREAT) on a patient the user has no link to."""

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
        "",
        f"a.break_glass AND {LOOSE}",
        "1",
        "''",
        p.since_t,
        ONLY_WEAK,
    )


DETECTOR = Detector(
    id="break_glass",
    title="Break-the-glass without a relationship",
    category="break_glass",
    severity="medium",
    level="patient",
    description="The user invoked emergency access (purpose of use ETREAT or BTG) and no "
    "encounter, care team, appointment, department or duty links them to the patient.",
    false_positives="A real emergency before the encounter was registered (arrivals by "
    "ambulance): check the patient's encounters in the hours after.",
    query=query,
    strength=loosely(by_events),
    reason=lambda hit: (
        f"emergency access (break-the-glass) was used {hit.events} time(s); {unexplained(hit)}"
    ),
    peer_relative=True,
)
