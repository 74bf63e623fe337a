"""What reviewers teach detection: detector weights refitted from dispositions. A detector
whose alerts reviewers keep calling false positives scores lower, one they confirm scores
higher (a smoothed precision, blended with the configured weight while there are few
reviews); `hygeia privacy tune --apply` writes them. What counts as legitimate access is
learned from the data at every run and reviewed as templates (`hygeia privacy templates`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from hygeia.privacy.detection.config import Config
from hygeia.privacy.detection.detectors import DETECTORS

PRIOR_REVIEWS = 5  # the configured weight counts as this many reviews


@dataclass(frozen=True)
class Refit:
    detector: str
    weight: float
    new_weight: float
    reviewed: int
    confirmed: int


def refit_weights(config: Config, reviews: list[tuple[list[str], bool]]) -> list[Refit]:
    """`reviews`: (detectors of an alert, True when confirmed) for every reviewed alert."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for detectors, is_confirmed in reviews:
        for detector in detectors:
            counts[detector][0] += 1
            counts[detector][1] += int(is_confirmed)
    out = []
    for detector in DETECTORS:
        reviewed, confirmed = counts.get(detector, [0, 0])
        weight = config.option(detector, "weight", 0.5)
        if not reviewed:
            continue
        precision = (confirmed + 1) / (reviewed + 2)
        blended = (reviewed * precision + PRIOR_REVIEWS * weight) / (reviewed + PRIOR_REVIEWS)
        new = round(min(0.99, max(0.05, blended)), 3)
        out.append(Refit(detector, weight, new, reviewed, confirmed))
    return out


def weights_path(data_dir: Path) -> Path:
    return data_dir / "detection" / "weights.yaml"


def save_weights(path: Path, refits: list[Refit]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    document = {
        "# written by": "hygeia privacy tune --apply (weights refitted from dispositions)",
        "weights": {r.detector: r.new_weight for r in refits},
    }
    path.write_text(yaml.safe_dump(document, sort_keys=True), encoding="utf-8")


def with_weights(config: Config, path: Path) -> Config:
    """The configuration with refitted weights applied on top, when there are any."""
    if not path.exists():
        return config
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    weights = data.get("weights") or {}
    detectors = {name: dict(options) for name, options in config.detectors.items()}
    for name, weight in weights.items():
        if name in DETECTORS:
            detectors.setdefault(name, {})["weight"] = float(weight)
    return config.with_detectors(detectors)
