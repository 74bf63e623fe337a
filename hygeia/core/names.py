"""Organization names compared the way people write them: legal suffixes, punctuation and
small typos aside. Used to match vendors against the HHS breach portal and to catch an
organization registered twice for a survey."""

from __future__ import annotations

import difflib
import re

LEGAL_WORDS = re.compile(
    r"\b(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|lp|llp|plc|pc|"
    r"group|holdings|the|dba)\b\.?"
)


def normalise(name: str) -> str:
    text = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and "))
    return " ".join(LEGAL_WORDS.sub(" ", text).split())


def _close(a: str, b: str) -> bool:
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8


def similarity(a: str, b: str) -> float:
    """0-1: the mean of the names' character similarity and the share of their words that
    match (allowing a typo or abbreviation per word), after dropping legal suffixes. Two
    names that differ by a whole word ("Northside" / "Southside Clinic") stay apart."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    characters = difflib.SequenceMatcher(None, left, right).ratio()
    words_a, words_b = left.split(), right.split()
    matched = sum(1 for w in words_a if any(_close(w, v) for v in words_b))
    return (characters + matched / max(len(words_a), len(words_b))) / 2
