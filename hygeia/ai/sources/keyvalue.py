"""`key=value` lines as secure web gateways write them for SIEMs: the pairs separated by tabs
or by spaces, values bare, "double-quoted" or 'single-quoted', with escaped quotes
(`\\"`) and empty values (`key=` or `key=""`).

Between spaces a bare value runs to the next ` key=` (as CEF extensions are read), so
`datetime=Mon Oct 19 00:00:06 2026 user=a@b.org` keeps its date whole; between tabs a value
is everything up to the tab. The same reading serves Zscaler NSS name-value feeds, CEF
extensions and LEEF attributes (`cef.py`, `leef.py`).
"""

from __future__ import annotations

import re

KEY = r"[A-Za-z_@][\w.\-\[\]@]*"
PAIR_START = re.compile(r"(?:^|(?<=\s))(" + KEY + r")=")
ESCAPE = re.compile(r"\\(.)")
UNESCAPE = {"n": "\n", "r": "\r", "t": "\t"}


class NotPairs(ValueError):
    """A line that holds no key=value pair at all; the message says what it starts with."""


def _unescape(value: str) -> str:
    return ESCAPE.sub(lambda m: UNESCAPE.get(m.group(1), m.group(1)), value)


QUOTED = {
    '"': re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL),
    "'": re.compile(r"'((?:[^'\\]|\\.)*)'", re.DOTALL),
}


def _quoted(text: str, start: int) -> tuple[str, int] | None:
    """The value of a quoted string starting at `start` (its quote), and the index after
    the closing quote; None when it is never closed."""
    match = QUOTED[text[start]].match(text, start)
    if match is None:
        return None
    value = match.group(1)
    return (_unescape(value) if "\\" in value else value), match.end()


def split_tabs(text: str) -> dict[str, str]:
    """Tab-separated pairs: each item is key=value, the value up to the tab."""
    pairs: dict[str, str] = {}
    for item in text.split("\t"):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(KEY, key):
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = _unescape(value[1:-1])
        pairs[key] = value
    return pairs


def split_spaces(text: str, escaped_equals: bool = False) -> dict[str, str]:
    """Space-separated pairs. A quoted value ends at its closing quote; a bare one at the next
    ` key=` (or the end). `escaped_equals`: CEF writes `=` in values as `\\=`, so an escaped
    equals sign never starts a pair."""
    pairs: dict[str, str] = {}
    starts = [
        m for m in PAIR_START.finditer(text) if not (escaped_equals and _escaped(text, m.end() - 1))
    ]
    i = 0
    while i < len(starts):
        match = starts[i]
        key, value_at = match.group(1), match.end()
        if value_at < len(text) and text[value_at] in "\"'":
            quoted = _quoted(text, value_at)
            if quoted is not None:
                value, after = quoted
                pairs[key] = value
                # pairs that began inside the quotes were not pairs
                i += 1
                while i < len(starts) and starts[i].start() < after:
                    i += 1
                continue
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        raw = text[value_at:end].strip()
        pairs[key] = _unescape(raw) if escaped_equals or "\\" in raw else raw
        i += 1
    return pairs


def _escaped(text: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def split(text: str, escaped_equals: bool = False) -> dict[str, str]:
    """Pairs separated by tabs when the text has any, else by spaces."""
    return split_tabs(text) if "\t" in text else split_spaces(text, escaped_equals)


def pairs(text: str) -> dict[str, str]:
    """The pairs of one line; NotPairs when it holds none."""
    found = split(text.rstrip("\r\n"))
    if not found:
        raise NotPairs("no key=value pair in the line")
    return found
