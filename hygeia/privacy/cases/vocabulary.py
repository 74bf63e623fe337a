"""The investigation vocabulary (dispositions, violation categories, false-positive reasons,
sanctions): a versioned data file, content/privacy/cases.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PATH = Path(__file__).resolve().parents[2] / "content" / "privacy" / "cases.yaml"
FEEDS = ("true_positive", "false_positive")


@dataclass(frozen=True)
class Disposition:
    id: str
    title: str
    description: str
    feeds: str  # the alert disposition it teaches the detectors


@dataclass(frozen=True)
class Vocabulary:
    dispositions: dict[str, Disposition]
    violation_categories: dict[str, str]
    false_positive_reasons: dict[str, str]
    sanctions: dict[str, str]
    reviewer_link_days: int
    attachment_types: tuple[str, ...]


def parse(text: str, source: str) -> Vocabulary:
    data = yaml.safe_load(text) or {}
    dispositions = {}
    for key, spec in (data.get("dispositions") or {}).items():
        if spec.get("feeds") not in FEEDS:
            raise ValueError(f"{source}: disposition {key}: feeds must be one of {FEEDS}")
        dispositions[key] = Disposition(
            key, spec["title"], spec.get("description", ""), spec["feeds"]
        )
    for required in ("appropriate", "violation", "false_positive"):
        if required not in dispositions:
            raise ValueError(f"{source}: the disposition {required!r} is missing")
    return Vocabulary(
        dispositions=dispositions,
        violation_categories=dict(data.get("violation_categories") or {}),
        false_positive_reasons=dict(data.get("false_positive_reasons") or {}),
        sanctions=dict(data.get("sanctions") or {}),
        reviewer_link_days=int(data.get("reviewer_link_days", 14)),
        attachment_types=tuple(data.get("attachment_types") or ()),
    )


@cache
def vocabulary() -> Vocabulary:
    return parse(PATH.read_text(encoding="utf-8"), str(PATH))
