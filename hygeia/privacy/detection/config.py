"""The detection configuration (prior windows, how templates are mined, labels, detector
thresholds and weights, the alert budget): a versioned data file,
content/privacy/detection.yaml, or a site's own copy. It names no department, job title or
workflow: those are learned from each site's data (`mining.py`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT = Path(__file__).resolve().parents[2] / "content" / "privacy" / "detection.yaml"
MINING_DEFAULTS: dict[str, Any] = {
    "bin_edges_hours": [1, 6, 24, 48, 72, 168, 336, 720, 1440, 2880, 4320],
    "sample_events": 500_000,
    "min_lift": 4.0,
    "weak_lift": 1.3,
    "min_share": 0.003,
    "min_events": 10,
    "min_users": 3,
    "min_z": 4.0,
    "min_group": 4,
}


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class Mining:
    bin_edges_hours: tuple[float, ...]
    sample_events: int
    min_lift: float
    weak_lift: float
    min_share: float
    min_events: int
    min_users: int
    min_z: float
    min_group: int


@dataclass(frozen=True)
class Config:
    path: str
    priors: dict[str, tuple[float, float]]  # "named", "department" -> (hours before, after)
    mining: Mining
    labels: dict[str, tuple[str, ...]]
    detectors: dict[str, dict[str, float]]
    severity: dict[str, float]
    budget: float = 5.0  # alerts per 1,000 active users per day
    floor: float = 20.0  # no alert below this score, however much budget is left

    def option(self, detector: str, name: str, default: float | None = None) -> float:
        value = self.detectors.get(detector, {}).get(name, default)
        if value is None:
            raise ConfigError(f"{self.path}: detectors.{detector}.{name} is not set")
        return float(value)

    def with_detectors(self, detectors: dict[str, dict[str, float]]) -> Config:
        return dataclasses.replace(self, detectors=detectors)


def _hours(section: dict[str, Any], where: str) -> tuple[float, float]:
    try:
        before, after = float(section.get("before_hours", 0)), float(section.get("after_hours", 0))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: before_hours and after_hours must be numbers") from exc
    if before < 0 or after < 0:
        raise ConfigError(f"{where}: before_hours and after_hours cannot be negative")
    return before, after


def _mining(section: dict[str, Any], where: str) -> Mining:
    unknown = set(section) - set(MINING_DEFAULTS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting {', '.join(sorted(unknown))}")
    values = {**MINING_DEFAULTS, **section}
    try:
        edges = tuple(float(e) for e in values["bin_edges_hours"])
        numbers = {
            k: (int(v) if isinstance(MINING_DEFAULTS[k], int) else float(v))
            for k, v in values.items()
            if k != "bin_edges_hours"
        }
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: every setting must be a number") from exc
    if not edges or list(edges) != sorted(set(edges)) or edges[0] <= 0:
        raise ConfigError(f"{where}.bin_edges_hours: positive hours, in increasing order")
    if numbers["weak_lift"] <= 1 or numbers["min_lift"] < numbers["weak_lift"]:
        raise ConfigError(f"{where}: weak_lift must exceed 1 and min_lift be at least it")
    return Mining(bin_edges_hours=edges, **numbers)  # type: ignore[arg-type]


def load(path: Path | None = None) -> Config:
    source = path or DEFAULT
    where = str(source)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{where}: cannot be read ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    explanations = data.get("explanations") or {}
    if "duties" in explanations:
        raise ConfigError(
            f"{where}: explanations.duties is no longer read: what each role does is learned "
            "from the site's data (see `hygeia privacy templates`); remove the section"
        )
    priors_section = explanations.get("priors") or {}
    priors = {
        kind: _hours(priors_section.get(kind) or {}, f"{where}: explanations.priors.{kind}")
        for kind in ("named", "department")
    }
    mining = _mining(explanations.get("mining") or {}, f"{where}: explanations.mining")
    for kind, hours in priors.items():
        if any(h and h not in mining.bin_edges_hours for h in hours):
            edges = ", ".join(f"{e:g}" for e in mining.bin_edges_hours)
            raise ConfigError(
                f"{where}: explanations.priors.{kind}: each window must end on one of "
                f"explanations.mining.bin_edges_hours ({edges})"
            )
    labels = {
        str(k): tuple(str(c) for c in (v or ())) for k, v in (data.get("labels") or {}).items()
    }
    detectors = {
        str(name): {str(k): float(v) for k, v in (options or {}).items()}
        for name, options in (data.get("detectors") or {}).items()
    }
    if source != DEFAULT:
        # A site's file names what it changes: a detector setting it leaves out (one added
        # by a later version, say) keeps the shipped value instead of stopping detection.
        shipped = load(DEFAULT).detectors
        detectors = {
            name: {**shipped.get(name, {}), **options}
            for name, options in {**shipped, **detectors}.items()
        }
    scoring = data.get("scoring") or {}
    severity = {str(k): float(v) for k, v in (scoring.get("severity") or {}).items()}
    try:
        budget = float(scoring.get("budget", 5))
        floor = float(scoring.get("floor", 20))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: scoring.budget and scoring.floor must be numbers") from exc
    if budget < 0 or not 0 <= floor < 100:
        raise ConfigError(f"{where}: scoring.budget must be >= 0 and scoring.floor in [0, 100)")
    return Config(where, priors, mining, labels, detectors, severity, budget, floor)
