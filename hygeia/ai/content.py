"""The AI governance content: HTI-1 source attributes, the risk model and NIST AI 600-1 tags,
the governance checklist and the review stages, each a versioned YAML file in
content/ai/. Loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

FOLDER = Path(__file__).resolve().parents[1] / "content" / "ai"


class ContentError(ValueError):
    """A content file that cannot be used; the message names the file and the entry."""


def _load(name: str) -> dict[str, Any]:
    path = FOLDER / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ContentError(f"{path}: expected a mapping with version: 1")
    return data


@dataclass(frozen=True)
class Attribute:
    id: str
    ref: str
    text: str
    group: str = ""


@cache
def hti1() -> dict[str, tuple[Attribute, ...]]:
    """DSI type (evidence_based, predictive) -> its source attributes, in regulation order."""
    data = _load("hti1_source_attributes.yaml")
    found = {
        kind: tuple(Attribute(**item) for item in data[kind])
        for kind in ("evidence_based", "predictive")
    }
    ids = [a.id for attrs in found.values() for a in attrs]
    if len(ids) != len(set(ids)):
        raise ContentError("hti1_source_attributes.yaml: attribute ids repeat")
    return found


@dataclass(frozen=True)
class Tier:
    tier: str
    floor: int
    review_months: int


@dataclass(frozen=True)
class RiskModel:
    factors: dict[str, dict[str, int]]
    tiers: tuple[Tier, ...]  # highest floor first
    genai_risks: dict[str, str]

    def points(self, answers: dict[str, Any]) -> int:
        total = 0
        for factor, table in self.factors.items():
            value = answers.get(factor)
            key = str(value).lower() if isinstance(value, bool) else str(value or "")
            total += int(table.get(key, 0))
        return total

    def tier_for(self, answers: dict[str, Any]) -> Tier:
        points = self.points(answers)
        return next(t for t in self.tiers if points >= t.floor)

    def review_months(self, tier: str) -> int:
        return next((t.review_months for t in self.tiers if t.tier == tier), 12)


@cache
def risk() -> RiskModel:
    data = _load("risk.yaml")
    factors = {
        name: {str(k).lower(): int(v) for k, v in table.items()}
        for name, table in data["factors"].items()
    }
    tiers = tuple(sorted((Tier(**t) for t in data["tiers"]), key=lambda t: -t.floor))
    if not tiers or tiers[-1].floor != 0:
        raise ContentError("risk.yaml: the lowest tier must have floor 0")
    return RiskModel(factors, tiers, dict(data["genai_risks"]))


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    title: str
    ask: str
    section: str


@cache
def checklist() -> tuple[tuple[str, str, tuple[ChecklistItem, ...]], ...]:
    """(section id, section title, items) in order."""
    data = _load("checklist.yaml")
    return tuple(
        (
            section["id"],
            section["title"],
            tuple(ChecklistItem(section=section["id"], **item) for item in section["items"]),
        )
        for section in data["sections"]
    )


@dataclass(frozen=True)
class Stage:
    id: str
    title: str
    checklist: tuple[str, ...]
    when: tuple[str, ...] = ()  # risk tiers; empty: every request

    def applies_to(self, tier: str) -> bool:
        return not self.when or tier in self.when


@cache
def stages() -> tuple[Stage, ...]:
    data = _load("review.yaml")
    found = tuple(
        Stage(s["id"], s["title"], tuple(s.get("checklist") or ()), tuple(s.get("when") or ()))
        for s in data["stages"]
    )
    if len({s.id for s in found}) != len(found):
        raise ContentError("review.yaml: stage ids repeat")
    return found
