"""The text of a search box, bounded.

No name, MRN, login or product name is longer than a couple of hundred characters, and
databases refuse LIKE patterns of some tens of thousands (SQLite stops at 50,000 bytes), so a
pasted document searches for its first words instead of failing."""

from __future__ import annotations

from collections.abc import Mapping

SEARCH_MAX = 200


def bounded(text: str) -> str:
    return text[: SEARCH_MAX * 4].strip()[:SEARCH_MAX]


def search_text(data: Mapping[str, str], key: str = "q") -> str:
    """`data` is request.GET or request.POST."""
    return bounded(data.get(key, "") or "")
