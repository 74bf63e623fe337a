"""The detection configuration (explanation windows, duties, labels, detector thresholds and
weights): a versioned data file, content/privacy/detection.yaml, or a site's own copy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT = Path(__file__).resolve().parents[2] / "content" / "privacy" / "detection.yaml"
WINDOWS = ("before_start", "after_end", "during_stay")


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class Duty:
    name: str
    title: str
    departments: re.Pattern[str]
    job_titles: re.Pattern[str]
    window: str
    before_hours: float
    after_hours: float
    encounter_classes: tuple[str, ...]
    treating_departments: re.Pattern[str] | None = None  # only encounters of these


@dataclass(frozen=True)
class Config:
    path: str
    windows: dict[str, tuple[float, float]]  # relation kind -> (hours before, hours after)
    duties: tuple[Duty, ...]
    labels: dict[str, tuple[str, ...]]
    detectors: dict[str, dict[str, float]]
    severity: dict[str, float]

    def option(self, detector: str, name: str, default: float | None = None) -> float:
        value = self.detectors.get(detector, {}).get(name, default)
        if value is None:
            raise ConfigError(f"{self.path}: detectors.{detector}.{name} is not set")
        return float(value)

    def duty_of(self, department: str, job_title: str) -> str:
        """The first duty whose department or job-title pattern fits ('' for none)."""
        for duty in self.duties:
            if duty.departments.search(department or "") or duty.job_titles.search(job_title or ""):
                return duty.name
        return ""


def _pattern(value: Any, where: str) -> re.Pattern[str]:
    try:
        return re.compile(str(value or "(?!)"), re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"{where}: not a regular expression ({exc})") from exc


def _hours(section: dict[str, Any], where: str) -> tuple[float, float]:
    try:
        return float(section.get("before_hours", 0)), float(section.get("after_hours", 0))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: before_hours and after_hours must be numbers") from exc


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
    windows = {
        kind: _hours(explanations.get(kind) or {}, f"{where}: explanations.{kind}")
        for kind in ("encounter_participant", "care_team", "appointment", "department")
    }
    duties = []
    for name, spec in (explanations.get("duties") or {}).items():
        at = f"{where}: explanations.duties.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{at}: expected a mapping")
        window = str(spec.get("window", ""))
        if window not in WINDOWS:
            raise ConfigError(f"{at}.window must be one of {', '.join(WINDOWS)}")
        before, after = _hours(spec, at)
        duties.append(
            Duty(
                name=str(name),
                title=str(spec.get("title", name)),
                departments=_pattern(spec.get("departments"), f"{at}.departments"),
                job_titles=_pattern(spec.get("job_titles"), f"{at}.job_titles"),
                window=window,
                before_hours=before,
                after_hours=after,
                encounter_classes=tuple(str(c) for c in spec.get("encounter_classes") or ()),
                treating_departments=(
                    _pattern(spec["treating_departments"], f"{at}.treating_departments")
                    if spec.get("treating_departments")
                    else None
                ),
            )
        )
    labels = {
        str(k): tuple(str(c) for c in (v or ())) for k, v in (data.get("labels") or {}).items()
    }
    detectors = {
        str(name): {str(k): float(v) for k, v in (options or {}).items()}
        for name, options in (data.get("detectors") or {}).items()
    }
    severity = {
        str(k): float(v) for k, v in ((data.get("scoring") or {}).get("severity") or {}).items()
    }
    return Config(where, windows, tuple(duties), labels, detectors, severity)
