"""Who among the patients is a member of staff, lives with one, or lives next door.

No shared key links the HR roster to the patient index, so records are matched on what both
hold: names, birth dates and home addresses, normalised (case, accents, punctuation, street
suffixes, apartment numbers) and compared fuzzily (Jaro-Winkler for names, transposed or
mistyped digits for birth dates). Candidates are found through blocking keys (birth date,
surname sound, address), so the work grows with the number of records, not their product.

Every link says which fields matched and how strongly, because a privacy officer has to
judge it: "family name exact, given name 0.93, birth date exact, same home address".
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

SELF_THRESHOLD = 0.8
NEAR_HOUSES = 30  # house numbers this close on one street: next door, or nearly

SUFFIXES = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "lane": "ln",
    "boulevard": "blvd",
    "court": "ct",
    "place": "pl",
    "terrace": "ter",
    "circle": "cir",
    "highway": "hwy",
    "parkway": "pkwy",
    "square": "sq",
    "trail": "trl",
    "way": "way",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}
SOUNDEX = {
    c: str(d)
    for d, group in enumerate(["", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"])
    for c in group
}
UNIT = re.compile(r"(?:^|\s)(apt|apartment|unit|suite|ste|no|#)\s*\.?\s*#?\s*([\w-]+)\s*$")


@dataclass(frozen=True)
class Person:
    """What identity matching reads from a roster row or a Patient record."""

    key: str  # user_id for staff, FHIR id for patients
    family: str
    given: str
    birth: date | None
    address: str
    city: str
    postal: str


@dataclass(frozen=True)
class Address:
    number: str
    street: str
    unit: str
    place: str  # the city (and state), or without one the postal code

    @property
    def home(self) -> tuple[str, str, str, str]:
        return (self.number, self.street, self.unit, self.place)


@dataclass(frozen=True)
class Link:
    user_id: str
    patient_id: str
    relation: str  # self, household, neighbour
    score: float
    fields: str  # plain language: which fields matched, how strongly


def fold(text: str) -> str:
    """Lower case, accents removed, only letters, digits and single spaces."""
    text = text or ""
    if text.isascii():  # most names and addresses: nothing to decompose
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9#]+", " ", plain).split())


def name_key(text: str) -> str:
    return fold(text).replace(" ", "").replace("-", "")


def address(line: str, city: str, postal: str) -> Address | None:
    text = fold(line)
    unit = ""
    found = UNIT.search(text)
    if found:
        unit = found.group(2)
        text = text[: found.start()].strip()
    words = text.split()
    if len(words) < 2 or not words[0][0].isdigit():
        return None
    number, rest = words[0], [SUFFIXES.get(w, w) for w in words[1:]]
    place = fold(city) or re.sub(r"\D", "", postal or "")[:5]
    if not place:
        return None
    return Address(number, " ".join(rest), unit, place)


def jaro_winkler(a: str, b: str) -> float:
    """Similarity of two short strings, 0 to 1 (1: equal), tolerant of typos and
    transpositions and weighted towards a shared prefix."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    reach = max(len(a), len(b)) // 2 - 1
    taken = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - reach), min(len(b), i + reach + 1)):
            if not taken[j] and b[j] == char:
                taken[j] = True
                matched_a.append(char)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if taken[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    m = len(matched_a)
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def birth_similarity(a: date | None, b: date | None) -> float:
    """1 for the same date; 0.8 for day and month swapped or one digit off; else 0."""
    if a is None or b is None:
        return 0.0
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.8
    if (a.year != b.year) + (a.month != b.month) + (a.day != b.day) > 1:
        return 0.0  # two parts differ: two digits at least
    digits_a, digits_b = f"{a.year:04}{a.month:02}{a.day:02}", f"{b.year:04}{b.month:02}{b.day:02}"
    if sum(x != y for x, y in zip(digits_a, digits_b, strict=True)) == 1:
        return 0.8
    return 0.0


def _soundex(text: str) -> str:
    letters = name_key(text)
    if not letters or not letters[0].isalpha():
        return ""
    out = letters[0]
    last = SOUNDEX.get(letters[0], "")
    for char in letters[1:]:
        code = SOUNDEX.get(char, "")
        if code and code != last:
            out += code
        if char not in "hw":
            last = code
    return (out + "000")[:4]


def _describe(score: float) -> str:
    return "exact" if score >= 0.999 else f"{score:.2f}"


@dataclass(frozen=True)
class Keys:
    """A person's fields normalised once: matching compares every staff member with
    hundreds of candidates, and normalising on each comparison cost most of the time."""

    person: Person
    family: str
    given: str
    home: Address | None
    sound: tuple[str, str]  # the blocking key: surname sound, given name's initial


def keys(person: Person) -> Keys:
    given = name_key(person.given)
    return Keys(
        person,
        name_key(person.family),
        given,
        address(person.address, person.city, person.postal),
        (_soundex(person.family), given[:1]),
    )


def self_match(staff: Keys, patient: Keys) -> tuple[float, str] | None:
    """How likely the patient record is the staff member's own, and why."""
    birth = birth_similarity(staff.person.birth, patient.person.birth)
    if birth == 0.0:
        return None
    given_a, given_b = staff.given, patient.given
    given = jaro_winkler(given_a, given_b)
    if given_a and given_b and (given_a.startswith(given_b) or given_b.startswith(given_a)):
        given = max(given, 0.9)  # "Kate" / "Katherine"
    if given < 0.8:
        return None
    family = jaro_winkler(staff.family, patient.family)
    home_a, home_b = staff.home, patient.home
    same_home = home_a is not None and home_b is not None and home_a.home == home_b.home
    # A changed surname (marriage) is allowed when birth date and home agree.
    score = 0.35 * birth + 0.25 * given + 0.25 * family + (0.15 if same_home else 0.0)
    if same_home and birth == 1.0 and given >= 0.9:
        score = max(score, SELF_THRESHOLD)
    if score < SELF_THRESHOLD:
        return None
    fields = [
        f"family name {_describe(family)}",
        f"given name {_describe(given)}",
        f"birth date {'exact' if birth == 1.0 else 'near (one digit or day/month swapped)'}",
    ]
    if same_home:
        fields.append("same home address")
    return round(score, 3), ", ".join(fields)


def resolve(staff: Iterable[Person], patients: Iterable[Person]) -> Iterator[Link]:
    """Self, household and neighbour links between roster and patient index."""
    by_birth: dict[date, list[Keys]] = defaultdict(list)
    by_sound: dict[tuple[str, str], list[Keys]] = defaultdict(list)
    by_home: dict[tuple[str, str, str, str], list[Keys]] = defaultdict(list)
    by_street: dict[tuple[str, str], list[tuple[int, Keys, Address]]] = defaultdict(list)
    for patient in map(keys, patients):
        if patient.person.birth is not None:
            by_birth[patient.person.birth].append(patient)
        by_sound[patient.sound].append(patient)
        if patient.home is not None:
            by_home[patient.home.home].append(patient)
            number = int(re.sub(r"\D", "", patient.home.number) or 0)
            by_street[(patient.home.street, patient.home.place)].append(
                (number, patient, patient.home)
            )
    for member in map(keys, staff):
        own: set[str] = set()
        birth = member.person.birth
        candidates = {p.person.key: p for p in by_birth.get(birth, [])} if birth else {}
        for p in by_sound.get(member.sound, []):
            candidates.setdefault(p.person.key, p)
        best: tuple[float, str, str] | None = None
        for patient in candidates.values():
            found = self_match(member, patient)
            if found and (best is None or found[0] > best[0]):
                best = (found[0], found[1], patient.person.key)
        user = member.person.key
        if best is not None:
            own.add(best[2])
            yield Link(user, best[2], "self", best[0], best[1])
        home = member.home
        if home is None:
            continue
        for patient in by_home.get(home.home, []):
            if patient.person.key in own:
                continue
            same_name = patient.family == member.family
            fields = "same home address" + (", same family name" if same_name else "")
            yield Link(user, patient.person.key, "household", 1.0 if same_name else 0.9, fields)
        number = int(re.sub(r"\D", "", home.number) or 0)
        for other_number, patient, other in by_street.get((home.street, home.place), []):
            if other.home == home.home or patient.person.key in own:
                continue
            apart = abs(other_number - number)
            if other.number == home.number:
                score, fields = 0.9, "same building, another unit"
            elif apart <= NEAR_HOUSES:
                score, fields = 0.8, f"same street, house numbers {apart} apart"
            else:
                score, fields = 0.6, "same street"
            yield Link(user, patient.person.key, "neighbour", score, fields)
