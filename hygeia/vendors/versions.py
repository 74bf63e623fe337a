"""Version ordering for vulnerability ranges, across ecosystems.

PyPI versions follow PEP 440 (via `packaging`); everything else uses one tolerant order:
numbers compare as numbers, a trailing word (beta, rc, a pseudo-version's date) sorts before
the release it qualifies, and "1.0" equals "1.0.0". Good enough for ranges that come from the
same ecosystem's own version strings; exact `versions` lists are always preferred.

Ranges are turned into intervals of sort keys once (`intervals`), so that checking a version
is a few tuple comparisons: this is what makes matching a large estate fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

TOKEN = re.compile(r"\d+|[a-zA-Z]+")
RELEASE_WORDS = {"final", "ga", "release", "jre"}
END = (1, 0, "")
WIDTH = 16  # tokens compared; longer versions (rare) compare on their first 16


@lru_cache(maxsize=500_000)
def generic_key(version: str) -> tuple[tuple[int, int, str], ...]:
    text = version.strip().removeprefix("v").removeprefix("V").split("+", 1)[0]
    parts: list[tuple[int, int, str]] = []
    for token in TOKEN.findall(text)[:WIDTH]:
        if token.isdigit():
            parts.append((1, int(token), ""))
        elif token.lower() not in RELEASE_WORDS:
            parts.append((0, 0, token.lower()))
    return tuple(parts) + (END,) * (WIDTH - len(parts))


@lru_cache(maxsize=200_000)
def pep440_key(version: str) -> Version | None:
    try:
        return Version(version.strip())
    except InvalidVersion:
        return None


def _keys(versions: list[str], ecosystem: str) -> tuple[str, list[Any]]:
    """('pep440', keys) when the ecosystem is PyPI and every version parses; else generic."""
    if ecosystem.lower() == "pypi":
        parsed = [pep440_key(v) for v in versions]
        if all(p is not None for p in parsed):
            return "pep440", parsed
    return "generic", [generic_key(v) for v in versions]


def compare(a: str, b: str, ecosystem: str = "") -> int:
    _, (left, right) = _keys([a, b], ecosystem)
    return (left > right) - (left < right)


@dataclass(frozen=True)
class Intervals:
    """[introduced, fixed) or [introduced, last_affected] spans, as sort keys. `lower` None
    means "from the beginning"; `upper` None means "still affected"."""

    kind: str
    spans: tuple[tuple[Any, Any, bool], ...]

    def contains(self, version: str) -> bool:
        if self.kind == "pep440":
            value: Any = pep440_key(version)
            if value is None:
                return False
        else:
            value = generic_key(version)
        for lower, upper, inclusive in self.spans:
            if lower is not None and value < lower:
                continue
            if upper is None or value < upper or (inclusive and value == upper):
                return True
        return False


def intervals(ranges: list[dict[str, Any]], ecosystem: str = "") -> Intervals:
    """OSV ranges (SEMVER or ECOSYSTEM; GIT ranges are commits, which SBOM versions are not,
    so they are left out) as intervals."""
    raw: list[tuple[str | None, str | None, bool]] = []
    for span in ranges:
        if str(span.get("type", "")).upper() == "GIT":
            continue
        introduced: str | None = None
        opened = False
        for event in span.get("events") or []:
            if "introduced" in event:
                introduced, opened = str(event["introduced"]), True
            elif opened and ("fixed" in event or "limit" in event):
                raw.append((introduced, str(event.get("fixed", event.get("limit"))), False))
                opened = False
            elif opened and "last_affected" in event:
                raw.append((introduced, str(event["last_affected"]), True))
                opened = False
        if opened:
            raw.append((introduced, None, False))
    bounds = [b for lo, hi, _ in raw for b in (lo, hi) if b is not None and b != "0"]
    kind, _ = _keys(bounds, ecosystem)
    key = pep440_key if kind == "pep440" else generic_key
    spans = tuple(
        (None if lo in (None, "0") else key(lo), None if hi is None else key(hi), inclusive)
        for lo, hi, inclusive in raw
    )
    return Intervals(kind, spans)


def in_ranges(version: str, ranges: list[dict[str, Any]], ecosystem: str = "") -> bool:
    """Whether `version` falls in any OSV range."""
    return intervals(ranges, ecosystem).contains(version)
