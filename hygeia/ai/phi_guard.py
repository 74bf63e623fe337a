"""The PHI guard: finds HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)) in free text
before it reaches an AI tool, and masks them.

Two kinds of evidence, combined:
- **patterns** with their context words (an MRN is a number after "MRN", a fax number a phone
  number after "fax"), written for the layouts clinicians paste: notes, letters, chat
  questions, tables copied from the EHR;
- **the organization's own patient index**: known names (with their birth dates), MRNs and
  phone numbers, so real patients are found even where no pattern would (a bare surname,
  an MRN in an unusual format).

Everything runs offline (regular expressions and a dictionary; no model is downloaded).
Findings carry character offsets, never the matched text, so that they can be logged.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

TYPES = (
    "NAME", "DATE", "AGE", "PHONE", "FAX", "EMAIL", "SSN", "MRN", "HEALTH_PLAN", "ACCOUNT",
    "LICENSE", "DEVICE", "VEHICLE", "URL", "IP", "ADDRESS", "ZIP",
)  # fmt: skip

NAMES_FILE = Path(__file__).resolve().parents[1] / "content" / "ai" / "phi_names.yaml"


@dataclass(frozen=True)
class Finding:
    type: str
    start: int
    end: int
    confidence: float
    source: str = "pattern"  # pattern | index

    def as_dict(self, text: str | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "confidence": round(self.confidence, 2),
        }
        if text is not None:
            out["text"] = text[self.start : self.end]
        return out


@dataclass
class PatientIndex:
    """What the organization knows about its patients, reduced to what matching needs."""

    full_names: set[str] = field(default_factory=set)  # "given family", lower case
    family_names: set[str] = field(default_factory=set)
    given_names: set[str] = field(default_factory=set)
    mrns: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # digits only

    @classmethod
    def from_database(cls) -> PatientIndex:
        from hygeia.privacy.models import Patient

        index = cls()
        for given, family, mrn, phone in Patient.objects.values_list(
            "given_name", "family_name", "mrn", "phone"
        ).iterator(chunk_size=5000):
            index.add(given, family, mrn, phone)
        return index

    def add(self, given: str, family: str, mrn: str = "", phone: str = "") -> None:
        if given and family:
            self.full_names.add(f"{given} {family}".lower())
        if family and len(family) > 2:
            self.family_names.add(family.lower())
        if given and len(given) > 2:
            self.given_names.add(given.lower())
        if mrn:
            self.mrns.add(mrn.upper())
        digits = re.sub(r"\D", "", phone or "")
        if len(digits) >= 10:
            self.phones.add(digits[-10:])


@cache
def _dictionary() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Common given names, common family names, and capitalized words that are never names
    (units, drugs, months, section headings) from content/ai/phi_names.yaml."""
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    return (
        frozenset(n.lower() for n in data["given"]),
        frozenset(n.lower() for n in data["family"]),
        frozenset(n.lower() for n in data["not_names"]),
    )


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|"
    r"aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
ID = r"(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{3,19}"  # identifiers carry at least one digit
# between a cue and its identifier: "MRN: 123", "member ID # 123", "insurance card ending 1234"
CUE_SEP = (
    r"(?:\s*(?:#|no\.?|number|num|id|card|ending|ends|in|is|on|file|of|:)(?=[\s:#]))*"
    r"\s*[:#]?\s*"
)
STREET_TYPES = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    r"terrace|ter|parkway|pkwy|highway|hwy|circle|cir|row|trail|trl|square|sq)"
)
# Without a house number "Dr" and "St" read as Doctor and Saint, so only the others count.
STREET_SUFFIX_CAPS = (
    "Street|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Court|Ct|Way|Place|Pl|"
    "Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Row|Trail|Square"
)
STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    "NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)

BARE_DIGITS = re.compile(r"(?<!\d)1?\d{10}(?!\d)")  # a phone typed without separators
PHONE_SHAPE = re.compile(r"(?<![\d-])(?:\+?1[ .-]?)?\(?\b\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b(?!-\d)")

# (type, pattern, group holding the identifier, confidence)
PATTERNS: list[tuple[str, re.Pattern[str], int, float]] = [
    ("EMAIL", _r(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), 0, 0.99),
    ("URL", _r(r"\b(?:https?://|www\.)[^\s<>\"')]+"), 0, 0.95),
    ("IP", _r(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"), 0, 0.9),
    ("SSN", _r(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), 0, 0.95),
    ("SSN", _r(r"\b(?:ssn|social security(?: number| no\.?)?)" + CUE_SEP + r"(\d{9}|\d{3}[ -]\d{2}[ -]\d{4})\b"), 1, 0.97),
    ("FAX", _r(r"\bfax\w*\b[^\d\n]{0,30}?((?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4})\b"), 1, 0.95),
    ("PHONE", PHONE_SHAPE, 0, 0.85),
    ("PHONE", _r(r"\b(?:phone|tel|cell|mobile|call|callback|call back|contact|reach)\w*\b[^\d\n]{0,12}(1?\d{10})\b"), 1, 0.9),
    ("MRN", _r(r"\b(?:mrn|medical record(?: number| no\.?)?|med rec(?: no\.?)?|chart(?: number| no\.?| #))" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.97),
    ("HEALTH_PLAN", _r(r"\b(?:member|subscriber|policy|insurance|health plan|plan|medicaid|medicare|beneficiary)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.9),
    ("HEALTH_PLAN", re.compile(r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}\d{2}\b"), 0, 0.9),
    ("ACCOUNT", _r(r"\b(?:account|acct|billing|encounter|visit|fin|csn|invoice|claim)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.88),
    ("LICENSE", _r(r"\b(?:licen[cs]e|lic|dea|npi|driver'?s licen[cs]e|dl|certificate|cert)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.88),
    ("LICENSE", re.compile(r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b"), 0, 0.6),  # DEA number shape
    ("DEVICE", _r(r"\b(?:serial|s/n|sn|device(?: id)?|udi|imei|model no\.?|pacemaker id|implant id)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.88),
    ("VEHICLE", _r(r"\b(?:plate|vin|license plate)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.85),
    ("ADDRESS", re.compile(r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\.?\s+){1,4}(?i:" + STREET_TYPES + r")\b\.?(?:,?\s+(?i:apt|apartment|unit|suite|ste|#)\.?\s*\w+)?(?:,\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?=,?\s+(?:" + STATES + r")\b))?"), 0, 0.9),
    ("ADDRESS", _r(r"\bp\.?\s?o\.?\s+box\s+\d+\b"), 0, 0.9),
    # a street named without its number still places a person
    ("ADDRESS", re.compile(r"\b(?:[A-Z][a-z]+\s+){1,3}(?:" + STREET_SUFFIX_CAPS + r")\b\.?"), 0, 0.75),
    ("ZIP", re.compile(r"\b(?:" + STATES + r"),?\s+(\d{5}(?:-\d{4})?)\b"), 1, 0.95),
    ("ZIP", _r(r"\b(?:zip|zip code|postal code)\s*[:#]?\s*(\d{5}(?:-\d{4})?)\b"), 1, 0.95),
    ("DATE", _r(r"\b(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:19|20)?\d{2}\b"), 0, 0.9),
    ("DATE", _r(r"\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"), 0, 0.9),
    ("DATE", _r(r"\b" + MONTHS + r"\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d{2})?\b"), 0, 0.88),
    ("DATE", _r(r"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?" + MONTHS + r"(?:,?\s+(?:19|20)\d{2})?\b"), 0, 0.88),
    ("DATE", _r(r"\b(?:on|from|since|until|till|by|dated|of|before|after)\s+((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))\b(?!/)"), 1, 0.8),
    ("DATE", _r(r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+)?the\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b(?:\s+of\s+" + MONTHS + r")?"), 0, 0.8),
    ("AGE", _r(r"\b(9\d|1[01]\d)(?=[- ]?(?:years?|yrs?|y/?o|yo)\b|[- ]year[- ]old)"), 1, 0.95),
    ("AGE", _r(r"\b(?:age[ds]?|aged)\s*:?\s*(9\d|1[01]\d)\b"), 1, 0.95),
    ("AGE", _r(r"\b(?:she|he|they|patient|pt|who)(?:'s|’s| is| was| turned| turns)\s+(?:now\s+)?(9\d|1[01]\d)\b(?!\s*(?:%|mg|kg|lb|bpm|mmhg|/))"), 1, 0.9),
]  # fmt: skip

# Words after which a capitalized name is the patient's or a relative's (Safe Harbor names);
# clinicians' names ("Dr. Lee", a letter's signature) are not identifiers of the patient.
NAME_CUES = _r(
    r"\b(?:mr|mrs|ms|miss|mx|patient|pt|name|son|daughter|wife|husband|mother|father|"
    r"sister|brother|spouse|partner|guardian|caregiver|grandson|granddaughter|nephew|niece|"
    r"dear|hi|hello|hey|thanks|thank you|contact|emergency contact|family member|friend|"
    r"neighbor|neighbour|for|about|re)"
    r"\b\.?,?:?\s+"
)
PROVIDER_BEFORE = _r(r"(?:\bdr|\bprof|\bdoctor|\bnp|\bpa|\brn|\bmd)\.?\s*$")
NAME_SEQ = re.compile(
    r"\b[A-Z][a-z'’]+(?:[-'’][A-Z][a-z]+)?(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z'’]+(?:-[A-Z][a-z]+)?){0,2}\b"
)
LAST_FIRST = re.compile(r"\b([A-Z][a-zA-Z'’-]+),\s+([A-Z][a-z'’-]+)\b")


class Scanner:
    def __init__(self, index: PatientIndex | None = None) -> None:
        self.index = index or PatientIndex()
        self.given, self.family, self.not_names = _dictionary()
        self.given = self.given | frozenset(self.index.given_names)
        self.family = self.family | frozenset(self.index.family_names)

    def scan(self, text: str) -> list[Finding]:
        found = [*self._patterns(text), *self._names(text), *self._index(text)]
        return _resolve(found)

    # --- patterns ------------------------------------------------------------------------

    def _patterns(self, text: str) -> Iterable[Finding]:
        for kind, pattern, group, confidence in PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span(group)
                if end > start:
                    yield Finding(kind, start, end, confidence)

    # --- names ---------------------------------------------------------------------------

    def _is_name_word(self, word: str) -> bool:
        lowered = word.lower().strip("'’")
        return lowered not in self.not_names and (lowered in self.given or lowered in self.family)

    def _names(self, text: str) -> Iterable[Finding]:
        # after a cue ("Mrs.", "daughter", "Patient:"): the capitalized words that follow
        for cue in NAME_CUES.finditer(text):
            seq = NAME_SEQ.match(text, cue.end())
            if seq is None or seq.group(0).split()[0].lower() in self.not_names:
                continue
            words = seq.group(0).split()
            if cue.group(0).strip().lower() in ("for", "about", "re", "re:") and not any(
                self._is_name_word(w) for w in words
            ):
                continue  # "for Cardiology": only known name words after a weak cue
            yield Finding("NAME", seq.start(), _trim(text, seq), 0.85)
        # "Family, Given" as EHR lists write names
        for match in LAST_FIRST.finditer(text):
            family, given = match.group(1), match.group(2)
            if self._is_name_word(given) or family.lower() in self.family:
                yield Finding("NAME", match.start(), match.end(), 0.85)
        # a known given name followed by a capitalized word ("Maria Okafor"), unless a
        # clinician's title comes first
        for seq in NAME_SEQ.finditer(text):
            words = seq.group(0).split()
            if len(words) < 2 or PROVIDER_BEFORE.search(
                text[max(0, seq.start() - 8) : seq.start()]
            ):
                continue
            first, last = words[0], words[-1].rstrip(".")
            if first.lower() in self.not_names or last.lower() in self.not_names:
                continue
            if first.lower() in self.given:
                yield Finding("NAME", seq.start(), _trim(text, seq), 0.8)

    # --- the patient index ---------------------------------------------------------------

    def _index(self, text: str) -> Iterable[Finding]:
        if not (self.index.family_names or self.index.mrns or self.index.phones):
            return
        # known full names in any case ("maria okafor" typed into a chat)
        words = list(re.finditer(r"[A-Za-z'’-]+", text))
        for first, second in itertools.pairwise(words):
            pair = f"{first.group(0)} {second.group(0)}".lower()
            if pair in self.index.full_names and text[first.end() : second.start()] == " ":
                yield Finding("NAME", first.start(), second.end(), 0.97, "index")
        for match in re.finditer(r"[A-Za-z0-9][A-Za-z0-9-]{3,}", text):
            token = match.group(0)
            if token.upper() in self.index.mrns:
                yield Finding("MRN", match.start(), match.end(), 0.99, "index")
        for match in re.finditer(r"\b[A-Z][a-zA-Z'’-]+\b", text):
            word = match.group(0).lower()
            if (
                word in self.index.family_names
                and word not in self.not_names
                and not PROVIDER_BEFORE.search(text[max(0, match.start() - 8) : match.start()])
            ):
                yield Finding("NAME", match.start(), match.end(), 0.9, "index")
        for match in (*PHONE_SHAPE.finditer(text), *BARE_DIGITS.finditer(text)):
            digits = re.sub(r"\D", "", match.group(0))
            if len(digits) >= 10 and digits[-10:] in self.index.phones:
                yield Finding("PHONE", match.start(), match.end(), 0.99, "index")

    # --- output --------------------------------------------------------------------------

    def mask(self, text: str, findings: list[Finding] | None = None) -> str:
        out, last = [], 0
        for f in sorted(
            findings if findings is not None else self.scan(text), key=lambda f: f.start
        ):
            out.append(text[last : f.start])
            out.append(f"[{f.type}]")
            last = f.end
        out.append(text[last:])
        return "".join(out)


def _trim(text: str, match: re.Match[str]) -> int:
    """The end of a name match, without a trailing initial's dot or a possessive."""
    end = match.end()
    if text[max(0, end - 2) : end].lower() in ("'s", "’s"):
        end -= 2
    return end


PRIORITY = {t: i for i, t in enumerate(
    ("EMAIL", "URL", "SSN", "MRN", "HEALTH_PLAN", "ACCOUNT", "LICENSE", "DEVICE", "VEHICLE", "FAX", "PHONE",
     "IP", "ADDRESS", "ZIP", "DATE", "AGE", "NAME")
)}  # fmt: skip


def _resolve(found: list[Finding]) -> list[Finding]:
    """One finding per stretch of text: where findings overlap, the longer wins; at equal
    length the more specific type (an MRN over a name) and then the more confident."""
    ordered = sorted(
        found, key=lambda f: (-(f.end - f.start), PRIORITY.get(f.type, 99), -f.confidence)
    )
    kept: list[Finding] = []
    for candidate in ordered:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda f: f.start)


_CACHE: dict[str, tuple[float, Scanner]] = {}
INDEX_SECONDS = 600  # the patient index is re-read at most every ten minutes


def default_scanner() -> Scanner:
    """A scanner with the organization's patient index, rebuilt when it is old."""
    import time

    now = time.monotonic()
    cached = _CACHE.get("scanner")
    if cached is None or now - cached[0] > INDEX_SECONDS:
        from django.db import DatabaseError

        try:
            index = PatientIndex.from_database()
        except DatabaseError:
            # No database yet (not initialized): patterns alone, said once in the log.
            logging.getLogger(__name__).warning(
                "PHI guard without the patient index: the database is not ready"
            )
            index = PatientIndex()
        cached = (now, Scanner(index))
        _CACHE["scanner"] = cached
    return cached[1]


def forget_index() -> None:
    """Make the next scan re-read the patient index (after the directory changed)."""
    _CACHE.clear()


def summary(findings: list[Finding]) -> dict[str, int]:
    """Counts by type: what may be logged about a scan."""
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.type] = counts.get(f.type, 0) + 1
    return counts
