"""The detectors, one module each; `DETECTORS` is the registry in a stable order."""

from __future__ import annotations

from hygeia.privacy.detection.detectors import (
    break_glass,
    coworker,
    curiosity,
    data_theft,
    deceased,
    dormant_account,
    family,
    neighbour,
    proxy_confidential,
    repeated_lookup,
    restricted_record,
    self_access,
    sensitive,
    surge,
    terminated_account,
    unrostered_account,
    unusual_hours,
    vip,
)
from hygeia.privacy.detection.detectors.base import Detector

DETECTORS: dict[str, Detector] = {
    module.DETECTOR.id: module.DETECTOR
    for module in (
        self_access,
        family,
        coworker,
        neighbour,
        vip,
        restricted_record,
        sensitive,
        surge,
        curiosity,
        repeated_lookup,
        data_theft,
        terminated_account,
        dormant_account,
        unrostered_account,
        proxy_confidential,
        break_glass,
        deceased,
        unusual_hours,
    )
}


QUEUE = "queue"


def lane_of(detectors: list[str]) -> str:
    """The lane an alert with these detectors is reviewed in: a lane's name (reviewed in
    full, never cut by the budget), or the queue (ranked and cut)."""
    return next(
        (DETECTORS[d].lane for d in detectors if d in DETECTORS and DETECTORS[d].lane), QUEUE
    )
