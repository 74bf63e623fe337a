"""Version ordering for vulnerability ranges, across ecosystems.

PyPI versions follow PEP 440 (via `packaging`); everything else uses one tolerant order:
numbers compare as numbers, a trailing word (beta, rc, a pseudo-version's date) sorts before
the release it qualifies, and "1.0" equals "1.0.0". Good enough for ranges that come from the
same ecosystem's own version strings; exact `versions` lists are always preferred.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

TOKEN = re.compile(r"\d+|[a-zA-Z]+")
RELEASE_WORDS = {"final", "ga", "release", "jre"}
END = (1, 0, "")


@lru_cache(maxsize=200_000)
def key(version: str, ecosystem: str = "") -> tuple[Any, ...]:
    text = version.strip().removeprefix("v").removeprefix("V")
    if ecosystem.lower() == "pypi":
        try:
            return (0, Version(text))
        except InvalidVersion:
            pass
    parts: list[tuple[int, int, str]] = []
    for token in TOKEN.findall(text.split("+", 1)[0]):
        if token.isdigit():
            parts.append((1, int(token), ""))
        elif token.lower() not in RELEASE_WORDS:
            parts.append((0, 0, token.lower()))
    while parts and parts[-1] == (1, 0, ""):
        parts.pop()
    return (1, tuple(parts))


def compare(a: str, b: str, ecosystem: str = "") -> int:
    ka, kb = key(a, ecosystem), key(b, ecosystem)
    if ka[0] != kb[0]:  # one parsed as PEP 440, the other not: fall back to the tolerant order
        ka, kb = key(a), key(b)
    left, right = ka[1], kb[1]
    if isinstance(left, tuple):
        width = max(len(left), len(right))
        left = left + (END,) * (width - len(left))
        right = right + (END,) * (width - len(right))
    return (left > right) - (left < right)


def in_ranges(version: str, ranges: list[dict[str, Any]], ecosystem: str = "") -> bool:
    """Whether `version` falls in any OSV range (SEMVER or ECOSYSTEM; GIT ranges are
    commits, which SBOM versions are not, so they never match here)."""
    for span in ranges:
        if str(span.get("type", "")).upper() == "GIT":
            continue
        introduced: str | None = None
        for event in span.get("events") or []:
            if "introduced" in event:
                introduced = str(event["introduced"])
            elif introduced is not None and ("fixed" in event or "limit" in event):
                end = str(event.get("fixed", event.get("limit")))
                if (
                    _at_or_after(version, introduced, ecosystem)
                    and compare(version, end, ecosystem) < 0
                ):
                    return True
                introduced = None
            elif introduced is not None and "last_affected" in event:
                if (
                    _at_or_after(version, introduced, ecosystem)
                    and compare(version, str(event["last_affected"]), ecosystem) <= 0
                ):
                    return True
                introduced = None
        if introduced is not None and _at_or_after(version, introduced, ecosystem):
            return True
    return False


def _at_or_after(version: str, introduced: str, ecosystem: str) -> bool:
    return introduced == "0" or compare(version, introduced, ecosystem) >= 0
