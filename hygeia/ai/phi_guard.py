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
    "LICENSE", "DEVICE", "VEHICLE", "URL", "IP", "ADDRESS", "ZIP", "BIOMETRIC", "PHOTO", "ID",
)  # fmt: skip
# The 18 Safe Harbor identifiers (164.514(b)(2)(i)) and the types that find them: (B) is
# street address, city and ZIP; (C) dates and ages over 89; (L) vehicles, (M) devices;
# (R) any other unique number or code is ID.
SAFE_HARBOR = {
    "A names": ("NAME",), "B geographic subdivisions": ("ADDRESS", "ZIP"),
    "C dates and ages over 89": ("DATE", "AGE"), "D telephone numbers": ("PHONE",),
    "E fax numbers": ("FAX",), "F e-mail addresses": ("EMAIL",), "G SSNs": ("SSN",),
    "H medical record numbers": ("MRN",), "I health plan beneficiary numbers": ("HEALTH_PLAN",),
    "J account numbers": ("ACCOUNT",), "K certificate and licence numbers": ("LICENSE",),
    "L vehicle identifiers": ("VEHICLE",), "M device identifiers and serial numbers": ("DEVICE",),
    "N URLs": ("URL",), "O IP addresses": ("IP",), "P biometric identifiers": ("BIOMETRIC",),
    "Q full-face photographs": ("PHOTO",), "R other unique numbers and codes": ("ID",),
}  # fmt: skip

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
    streets: set[str] = field(default_factory=set)  # "12 elm st", lower case, single spaces

    @classmethod
    def from_database(cls) -> PatientIndex:
        from hygeia.privacy.models import Patient

        index = cls()
        for given, family, mrn, phone, street in Patient.objects.values_list(
            "given_name", "family_name", "mrn", "phone", "address_line"
        ).iterator(chunk_size=5000):
            index.add(given, family, mrn, phone, street)
        return index

    def add(
        self, given: str, family: str, mrn: str = "", phone: str = "", street: str = ""
    ) -> None:
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
        line = " ".join((street or "").lower().replace(",", " ").split())
        if len(line) >= 6 and any(c.isdigit() for c in line):
            self.streets.add(line)


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
# a label word between a cue and its identifier ("acct no. 123", "pump SN 88-1"): only when a
# separator follows, so that "SN0402" stays whole
LABEL = r"\s*(?:(?:#|no\.?|num(?:ber)?|nbr|id|sn|serial)(?=[\s:#]))?\s*[:#]?\s*"
# between a cue and its identifier: "MRN: 123", "member ID # 123", "insurance card ending 1234"
CUE_SEP = (
    r"(?:\s*(?:#|no\.?|number|num|id|card|ending|ends|in|is|on|file|of|:)(?=[\s:#]))*"
    r"\s*[:#]?\s*"
)
STREET_TYPES = (
    r"(?:street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|"
    r"pl|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|row|trail|trl|square|sq|alley|aly|"
    r"bend|cove|cv|crossing|xing|loop|pike|run|path|point|pt|ridge|rdg|hollow|creek|crk|"
    r"expressway|expy|freeway|fwy|turnpike|tpke|plaza|plz|walk|heights|hts|grove|grv|"
    r"landing|lndg|meadows?|mdws?|glen|gln|green|grn|park|commons|estates|manor|view|vw|"
    r"junction|jct|harbor|hbr|isle|knolls?|orchard|pass|spur|summit|trace|trce|vista|vis)"
)
# a house number: 12, 12B, 12-B, 1402-A, 12 1/2, N123W456 (Wisconsin grid)
HOUSE = r"(?:[NSEW]\d{1,4}[NSEW]\d{1,4}|(?!0)\d{1,6}(?:-?[A-Za-z](?![a-z])|-\d{1,4}|\s1/2)?)"
# a capitalized street name word, or a numbered street (5th, 32nd)
CAPITAL_WORD = r"(?:\d{1,3}(?:st|nd|rd|th)|[A-Z][A-Za-z'’.-]*)"
# a street's name words: capitalized or lower case words, numbered streets (5th, 32nd)
STREET_WORD = (
    r"(?:\d{1,3}(?:st|nd|rd|th)|(?!(?:and|or|the|to|at|of|in|on|with|for|from|by|is|was|"
    r"a|an|then|but|after|before|per|via|x|q)\b)[A-Za-z][A-Za-z'’.-]*)"
)
UNIT = r"(?:,?\s*(?i:apt|apartment|unit|suite|ste|#|bldg|building|fl|floor|rm|room|lot|trlr|spc|space)\.?\s*#?\s*[A-Za-z0-9-]{1,6}\b)"
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|"
    "Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|"
    "Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|"
    "New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|"
    "Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|"
    "Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|Puerto Rico|"
    "District of Columbia"
)
# State codes that are also everyday clinical words (MD, PA, OR, OK, IN, ME, DO-like): a
# "City, XX" with one of them counts only when a ZIP follows.
AMBIGUOUS_STATES = {"MD", "PA", "OR", "OK", "IN", "ME", "DE", "HI", "CO", "OH", "MA", "AL", "LA",
                    "MS", "ID", "CT", "NE", "DC"}  # fmt: skip
# Without a house number "Dr" and "St" read as Doctor and Saint, so only the others count.
STREET_SUFFIX_CAPS = (
    "Street|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Court|Ct|Way|Place|Pl|"
    "Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Row|Trail|Square"
)
STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|"
    "NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)

STATE_NAME = re.compile(STATE_NAMES)
PLAIN_STATES = "|".join(s for s in STATES.split("|") if s not in AMBIGUOUS_STATES)
BARE_DIGITS = re.compile(r"(?<!\d)1?\d{10}(?!\d)")  # a phone typed without separators
ORDINALS = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|"
    r"twenty[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirtieth|"
    r"thirty[- ]first)"
)
DAY = r"(?:0?[1-9]|[12]\d|3[01])"
MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
YEAR = r"(?:19|20)\d{2}"
# words after which a bare month/day ("3/4") is a date, not a score or a fraction
DATE_CUES = (
    r"(?:on|from|since|until|till|til|thru|through|to|by|dated|of|before|after|seen|visit|"
    r"visited|admit|admitted|admission|discharged?|dc'?d|d/c|appt|appointment|scheduled|"
    r"surgery|procedure|dob|dos|date|due|returned|called|last|next|starting|started|"
    r"ending|f/u|follow[- ]up|week of|sched|cancelled|canceled|rescheduled|until|effective|"
    r"expired|expires?|exp|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
PHONE_SHAPE = re.compile(r"(?<![\d-])(?:\+?1[ .-]?)?\(?\b\d{3}\)?[ ./-]?\d{3}[ .-]\d{4}\b(?!-\d)")

# (type, pattern, group holding the identifier, confidence)
PATTERNS: list[tuple[str, re.Pattern[str], int, float]] = [
    ("EMAIL", _r(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), 0, 0.99),
    ("URL", _r(r"\b(?:https?://|www\.)[^\s<>\"')]+"), 0, 0.95),
    ("URL", _r(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|edu|gov|io|me|us|co|info|health|care|app|ly|tv)/[^\s<>\"')]*[^\s<>\"').,;:]"), 0, 0.9),
    ("IP", _r(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b"), 0, 0.9),
    ("SSN", _r(r"\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b"), 0, 0.95),
    ("SSN", _r(r"\b(?:ssn|social security(?: number| no\.?)?)" + CUE_SEP + r"(\d{9}|\d{3}[ -]\d{2}[ -]\d{4})\b"), 1, 0.97),
    ("FAX", _r(r"\bfax\w*\b[^\d\n]{0,30}?((?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4})\b"), 1, 0.95),
    ("PHONE", PHONE_SHAPE, 0, 0.85),
    ("PHONE", _r(r"\b(?:phone|tel|cell|mobile|call|callback|call back|contact|reach|llama|llamar|tel[eé]fono|celular)\w*\b[^\d\n]{0,12}(1?\d{10})\b"), 1, 0.9),
    ("PHONE", _r(r"(?:^|[\s|(])(?:c|m|h|w|p|ph|cel|tel)\s*:\s*(1?\d{10}|\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4})\b"), 1, 0.85),
    ("MRN", _r(r"\b(?:mrn|medical record(?: number| no\.?)?|med rec(?: no\.?)?|chart(?: number| no\.?| #))" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.97),
    ("HEALTH_PLAN", _r(r"\b(?:member|subscriber|policy|insurance|health plan|plan|medicaid|medicare|beneficiary)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.9),
    ("HEALTH_PLAN", re.compile(r"\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y]{2}\d{2}\b"), 0, 0.9),
    ("ACCOUNT", _r(r"\b(?:account|acct|billing|encounter|visit|fin|csn|invoice|claim)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.88),
    ("LICENSE", _r(r"\b(?:licen[cs]e|lic|dea|npi|driver'?s licen[cs]e|dl|certificate|cert)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.88),
    ("DEVICE", _r(r"\b(?:serial|s/n|sn|device(?: id)?|udi|imei|model no\.?|pacemaker id|implant id)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.88),
    ("VEHICLE", _r(r"\b(?:plate|vin|license plate)" + CUE_SEP + r"(" + ID + r")\b"), 1, 0.85),
    ("ADDRESS", _r(r"\bp\.?\s?o\.?\s+box\s+\d+\b"), 0, 0.9),
    # a street named without its number still places a person
    ("ADDRESS", re.compile(r"\b(?:[A-Z][a-z]+\s+){1,3}(?:" + STREET_SUFFIX_CAPS + r")\b\.?"), 0, 0.75),
    ("ZIP", re.compile(r"\b(?:" + STATES + r"),?\s+(\d{5}(?:-\d{4})?)\b"), 1, 0.95),
    ("ZIP", _r(r"\b(?:zip|zip code|postal code)\s*[:#]?\s*(\d{5}(?:-\d{4})?)\b"), 1, 0.95),
    ("DATE", _r(r"\b(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:19|20)?\d{2}\b"), 0, 0.9),
    ("DATE", _r(r"\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b"), 0, 0.9),
    ("DATE", _r(r"\b" + MONTHS + r"\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d{2})?\b"), 0, 0.88),
    ("DATE", _r(r"\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?" + MONTHS + r"(?:,?\s+(?:19|20)\d{2})?\b"), 0, 0.88),
    ("DATE", _r(r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+)?the\s+(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)\b(?:\s+of\s+" + MONTHS + r")?"), 0, 0.8),
    ("AGE", _r(r"\b(9\d|1[01]\d)(?=[- ]?(?:years?|yrs?|y/?o|yo)\b|[- ]?y\.o\.?|[- ]year[- ]old|[- ]yr[- ]old)"), 1, 0.95),
    ("AGE", re.compile(r"(?<![\d.])(9\d|1[01]\d)\s?[MF](?![\w/])"), 1, 0.8),
    ("AGE", re.compile(r"(?<![\d.])(9\d|1[01]\d)y\b"), 1, 0.85),
    ("AGE", _r(r"\b(?:age[ds]?|aged)\s*:?\s*(9\d|1[01]\d)\b"), 1, 0.95),
    ("AGE", _r(r"\b(?:she|he|they|patient|pt|who)(?:'s|’s| is| was| turned| turns)\s+(?:now\s+)?(9\d|1[01]\d)\b(?!\s*(?:%|mg|kg|lb|bpm|mmhg|/))"), 1, 0.9),
    ("AGE", re.compile(r"(?<=[A-Za-z’'])\.?\s+\((9\d|1[01]\d)\)"), 1, 0.8),
    ("ID", _r(r"\b(?:id|user|userid|login|badge|employee|emp|student|donor|recipient|case|ticket|tracking|subject|study|participant|inmate|booking|docket|record|file)" + LABEL + r"(\d{5,12})\b(?!\s*(?:mg|ml|units?|%))"), 1, 0.7),
    # --- added for the account, geographic and date forms clinicians and billers type ---
    ("ACCOUNT", _r(r"\b(?:acct|account|billing|bill|statement|invoice|guarantor|har|hospital account|patient account|pt acct|encounter|enc|visit|fin|csn|claim|clm|case|reference|ref)" + LABEL + r"(" + ID + r")\b"), 1, 0.86),
    ("ACCOUNT", _r(r"\b(?:acct|account|claim|invoice|statement|encounter|visit)s?\b(?:\s+(?:number|no\.?|num|nbr|#|id|ending|ends|in|is|was|of|on file|ref))+\s*[:#]?\s*(" + ID + r")\b"), 1, 0.8),
    ("HEALTH_PLAN", _r(r"\b(?:member|insurance|card|plan|payer|subscriber)\b[^\n]{0,60}?\bID\s*[:#]?\s*(" + ID + r")\b"), 1, 0.85),
    ("HEALTH_PLAN", _r(r"\b(?:aetna|cigna|humana|unitedhealthcare|uhc|bcbs|blue cross|blue shield|anthem|kaiser|tricare|molina|centene|ambetter|oscar|wellcare|highmark|horizon|amerigroup|caresource|medi-cal)\s*(?:member|subscriber|insurance)?\s*(?:#|no\.?|num(?:ber)?|id|nbr)\s*[:#]?\s*(" + ID + r")\b"), 1, 0.88),
    ("HEALTH_PLAN", _r(r"\b(?:group|grp|subscriber|member|policy|insurance|payer|medicaid|medicare|mbi|hicn|cin|beneficiary|plan)" + LABEL + r"(" + ID + r")\b"), 1, 0.86),
    ("LICENSE", _r(r"\b(?:licen[cs]e|lic|dea|npi|dl|driver'?s(?: licen[cs]e)?|certificate|cert|certification|passport|state id|permit|registration|reg)\.?" + LABEL + r"(" + ID + r")\b"), 1, 0.86),
    ("LICENSE", _r(r"\b(?:birth|death|marriage|board)\s+certificate\b[^\n\d]{0,20}?\b(" + ID + r")\b"), 1, 0.86),
    ("VEHICLE", _r(r"\b(?:plate|tag|license plate|licence plate|vehicle|car|truck|motorcycle|van|vin)\b\s*(?:#|no\.?|number|id)?\s*(?:is|reads|of)?\s*[:#]?\s*((?=[A-Z0-9]{1,4}[ -]?[A-Z0-9]{0,5}\d)[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5})\b"), 1, 0.8),
    ("DEVICE", _r(r"\b(?:serial|s/n|sn|ser\. ?no|device|udi|imei|meid|mac|transmitter|pump|pacemaker|icd|defibrillator|implant|lead|hearing aid|cgm|sensor|monitor|model|asset(?: tag)?|udi(?:-di)?)" + LABEL + r"(" + ID + r")\b"), 1, 0.84),
    ("DEVICE", re.compile(r"\(01\)\d{14}(?:\(\d{2}\)[A-Za-z0-9]{1,20})*"), 0, 0.9),  # a GS1 UDI
    ("DEVICE", _r(r"\b(?:[0-9a-f]{2}[:-]){5}[0-9a-f]{2}\b"), 0, 0.85),  # MAC address
    ("BIOMETRIC", _r(r"\b(?:finger ?print|thumb ?print|palm ?print|voice ?print|iris|retina|retinal|face ?(?:print|template|id)|facial(?: recognition)?|biometric|palm vein|gait|dna|voice(?=\s+(?:enrollment|enrolment|sample|template|signature|id|profile|biometric)))\b(?:\s+(?:scan|template|hash|record|sample|profile|id|identifier|enrollment|enrolment|signature|code|key|file|on|is|was|stored|saved|as|number|no\.?))*\s*(?:#|no\.?|id)?\s*[:#=]?\s*((?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{5,63})\b"), 1, 0.88),
    ("BIOMETRIC", _r(r"\b[\w.-]*(?:voice|fingerprint|thumbprint|iris|retina|biometric)[\w.-]*\.(?:wav|mp3|m4a|ogg|flac|wsq|bmp|png|jpe?g|tiff?|bin|dat|iso)\b"), 0, 0.85),
    ("ADDRESS", re.compile(r"\b" + HOUSE + r"\s+(?:[NSEW]\.?\s+|(?i:north|south|east|west)\s+)?(?:" + CAPITAL_WORD + r"\s+){1,4}(?i:" + STREET_TYPES + r")\b(?!\.?\s+[A-Z][a-z])\.?(?:\s+(?:[NSEW]{1,2})\b\.?)?" + UNIT + r"?(?:,?\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?=,?\s+(?:" + STATES + r"|" + STATE_NAMES + r")\b))?"), 0, 0.88),
    ("ADDRESS", re.compile(r"\b" + HOUSE + r"\s+(?:[NSEW]\.?\s+|(?i:north|south|east|west)\s+)?(?:" + STREET_WORD + r"\s+){1,4}(?i:(?!(?:st|dr)\b)" + STREET_TYPES + r")\b\.?" + UNIT + r"?"), 0, 0.86),
    ("ADDRESS", _r(r"\b" + HOUSE + r"\s+(?:[NSEW]\.?\s+)?(?:hwy|highway|route|rte|county road|county rd|cr|state route|state road|sr|us|us highway|fm|farm to market road)\s*-?\s*\d{1,4}[A-Z]?\b" + UNIT + r"?"), 0, 0.88),
    ("ADDRESS", _r(r"\b(?:p\.?\s?o\.?\s*box|post office box|pob|box)\s+#?\d{1,6}\b"), 0, 0.9),
    ("ADDRESS", _r(r"\b(?:rr|rural route|hc|star route|psc|unit)\s+\d{1,4},?\s+box\s+\d{1,6}\b"), 0, 0.9),
    ("ADDRESS", re.compile(r"\b(?:apt|apartment|unit|suite|ste)\.?\s*#?\s*\d{1,5}[A-Z]?\b", re.IGNORECASE), 0, 0.6),
    ("ADDRESS", re.compile(r"\b([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}),?\s+(?:" + STATE_NAMES + r")\b"), 0, 0.8),
    ("ADDRESS", re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2},\s+(?:" + PLAIN_STATES + r")\b"), 0, 0.75),
    ("ADDRESS", re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2},?\s+(?:" + STATES + r")(?=,?\s+\d{5}\b)"), 0, 0.8),
    ("ZIP", re.compile(r"\b(?:" + STATE_NAMES + r"|" + STATES + r")(?:,?\s+|\^+|\|)(\d{5}(?:-\d{4})?)\b"), 1, 0.95),
    ("ZIP", _r(r"\b(?:zip|zipcode|zip code|postal code|postcode|zip\+4)\b[^\d\n]{0,20}?(\d{5}(?:-\d{4})?)\b"), 1, 0.93),
    ("ZIP", re.compile(r"(?<![\d-])\d{5}-\d{4}(?![\d-])"), 0, 0.85),
    ("ZIP", _r(r"\b(?:lives|living|live|resides|residing|moved|located|home|area|neighbou?rhood|town|from|in|near|around|outside)\b[^\d\n]{0,16}?\b(\d{5})\b(?!\s*(?:mg|mcg|ml|units?|cells|copies|/|%|dollars|usd|\$|steps|ft|feet|miles|mi|lbs?|kg))"), 1, 0.6),
    ("DATE", _r(r"\b(?:dos|dob|d\.o\.b\.?|d\.o\.s\.?|date of (?:service|birth|death|admission|discharge)|born|admit(?:ted)?|discharged?|seen|visit|date)\s*[:#]?\s*((?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d{2}|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{2})\b"), 1, 0.9),
    ("DATE", re.compile(r"\b(?:19|20)\d{2}[/.](?:0?[1-9]|1[0-2])[/.](?:0?[1-9]|[12]\d|3[01])\b"), 0, 0.9),
    ("DATE", _r(r"\b" + DAY + r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:19|20)?\d{2}\b"), 0, 0.9),
    ("DATE", _r(r"\b" + DAY + r"[-/ ]" + MONTHS + r"[-/ ,]*(?:" + YEAR + r"|'?\d{2})?\b"), 0, 0.85),
    ("DATE", _r(r"\b" + MONTHS + r"[-/]" + DAY + r"(?:[-/,]\s*(?:" + YEAR + r"|\d{2}))?\b"), 0, 0.85),
    ("DATE", _r(r"\b(?:the\s+)?" + ORDINALS + r"\s+of\s+" + MONTHS + r"(?:,?\s+" + YEAR + r")?"), 0, 0.85),
    ("DATE", _r(r"\b" + MONTHS + r"\s+(?:the\s+)?" + ORDINALS + r"(?:,?\s+" + YEAR + r")?"), 0, 0.85),
    ("DATE", _r(r"\b" + DATE_CUES + r"\.?,?\s+(?:the\s+)?(" + MONTH_NUMBER + r"[/-]" + DAY + r")\b(?![/-]\d)(?!\s*(?:mg|tab|cap|of the|strength|pain|murmur))"), 1, 0.82),
    ("DATE", _r(r"(?:^|[\s(])(" + MONTH_NUMBER + r"/" + DAY + r")\s*(?:-|–|to|thru|through)\s*" + MONTH_NUMBER + r"/" + DAY + r"\b"), 1, 0.85),
    ("DATE", _r(r"(?:^|[\s(])" + MONTH_NUMBER + r"/" + DAY + r"\s*(?:-|–|to|thru|through)\s*(" + MONTH_NUMBER + r"/" + DAY + r")\b(?![/-]\d)"), 1, 0.85),
    ("DATE", _r(r"(?:^|[\s(])(" + MONTH_NUMBER + r"/" + DAY + r")\s*(?:@|at)\s*\d{1,2}(?::\d{2})?\s*(?:am|pm|h|hrs)?\b"), 1, 0.85),
    ("DATE", _r(r"(?:^|\n)\s*(" + MONTH_NUMBER + r"/" + DAY + r")\s*[:\-–]"), 1, 0.8),
    ("DATE", _r(r"(?<![\d/])(" + MONTH_NUMBER + r"/" + DAY + r")(?=:\s)"), 1, 0.8),
    ("DATE", _r(r"(?<=[|^])(" + MONTH_NUMBER + r"/" + DAY + r"(?:/(?:19|20)?\d{2})?)(?=[|^])"), 1, 0.8),
    ("DATE", _r(r"\b(?:0?[1-9]|1[0-2])[.](?:0?[1-9]|[12]\d|3[01])[.](?:19|20)?\d{2}\b"), 0, 0.8),
]  # fmt: skip

# Words after which a capitalized name is the patient's or a relative's (Safe Harbor names);
# clinicians' names ("Dr. Lee", a letter's signature) are not identifiers of the patient.
NAME_CUES = _r(
    r"\b(?:mr|mrs|ms|miss|mx|patient|pt|name|son|daughter|wife|husband|mother|father|"
    r"sister|brother|spouse|partner|guardian|caregiver|grandson|granddaughter|nephew|niece|"
    r"dear|hi|hello|hey|thanks|thank you|contact|emergency contact|family member|friend|"
    r"neighbor|neighbour|for|about|re|hija|hijo|esposa|esposo|madre|padre|hermana|hermano|"
    r"paciente|sra|sr|widow|widower)"
    r"\b\.?,?:?\s+"
)
PROVIDER_BEFORE = _r(r"(?:\bdr|\bprof|\bdoctor|\bnp|\bpa|\brn|\bmd)\.?\s*$")
NAME_SEQ = re.compile(
    r"\b[A-Z][a-z'’]+(?:[-'’][A-Z][a-z]+)?(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z'’]+(?:-[A-Z][a-z]+)?){0,2}\b"
)
LAST_FIRST = re.compile(r"\b([A-Z][a-zA-Z'’-]+),\s+([A-Z][a-z'’-]+)\b")


IMAGE_FILE = _r(r"\b[\w.-]+\.(?:jpe?g|png|heic|heif|gif|bmp|tiff?|webp)\b")
# a camera's or a phone's file name, or one that says what it shows
FACE_FILE = _r(
    r"^(?:img|dsc|dscn|pxl|photo|pic|selfie|headshot|portrait|face|mugshot|badge|passport|id[_-]|snap|wa\d|signal-|image\d)|face|photo|selfie|portrait|headshot|profile|(?:^|[_-])pic(?:[_.-]|$)"
)
PHOTO_CUES = _r(
    r"\b(?:photo|photograph|picture|pic|selfie|headshot|portrait|face|facial|image of (?:the )?(?:patient|pt|her|him|them)|mugshot|snapshot)s?\b"
)
VIN = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b")
VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
              **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
              **dict(zip("STUVWXYZ", range(2, 10), strict=True))}  # fmt: skip
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# A long number or code no pattern named (Safe Harbor's "any other unique identifying
# number"): 7+ digits, or letters and 5+ digits, unless a code system or a unit says what
# it is (CPT, ICD, NDC, LOINC, lot numbers; mg, cells/uL).
UNIQUE = re.compile(
    r"(?<![\w/.-])(?=(?:[A-Za-z-]*\d){5})[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){4,24}(?![\w/]|\.\d)"
)
CODE_CUES = _r(
    r"\b(?:cpt|hcpcs|icd(?:-?10|-?9)?(?:-cm)?|ndc|loinc|snomed|rxnorm|rxcui|drg|lot|batch|version|ver|v|build|release|ref range|reference range|code|dx|px|modifier|rev|revenue|pos|npi)\s*[:#]?\s*$"
)
UNIT_AFTER = _r(
    r"^\s*(?:mg|mcg|g|kg|ml|l|units?|iu|cells|copies|k|/|x|%|mm|cm|km|m|lbs?|ft|miles?|steps|cal|kcal|ms|sec|s|hz|bytes?|kb|mb|gb|dollars|usd)\b"
)


AGE_AFTER_VERB = _r(
    r"\b(?:is|was|turned|turns|turning|now|reached|at age)\s+(9\d|1[01]\d)\b(?!\s*(?:%|°|mg|mcg|"
    r"kg|lbs?|bpm|mmhg|/|units?|ml|degrees|f\b|c\b|min|minutes|percent|on room air|ra\b|x\b))"
)
MEASURED_BEFORE = _r(
    r"\b(?:temp|temperature|rate|pulse|sats?|saturation|spo2|o2|glucose|sugar|bg|weight|wt|"
    r"score|level|count|hr|rr|bp|map|fio2|pain|heart rate|ox|oxygen|reading|result|value)\b"
    r"[^.;\n]*$"
)
LINE = re.compile(r"[^\n]+")
RULE_ROW = re.compile(r"[\s|:+-]+")
AGE_VALUE = re.compile(r"(?:9\d|1[01]\d)\b.*")
COLUMN_TYPES = {
    **dict.fromkeys(("name", "patient", "patient name", "pt name", "pt", "full name",
                     "last name", "first name", "family name", "given name"), "NAME"),
    **dict.fromkeys(("dob", "birth date", "date of birth", "birthdate", "admit", "admit date",
                     "admission", "discharge", "discharge date", "dos", "date of service",
                     "date", "visit date", "service date", "death date", "dod"), "DATE"),
    **dict.fromkeys(("zip", "zipcode", "zip code", "postal code", "postcode"), "ZIP"),
    **dict.fromkeys(("phone", "cell", "mobile", "tel", "telephone", "home phone",
                     "phone number"), "PHONE"),
    **dict.fromkeys(("mrn", "medical record number", "med rec", "chart"), "MRN"),
    **dict.fromkeys(("address", "street", "street address", "city", "address line"), "ADDRESS"),
    **dict.fromkeys(("ssn", "social security"), "SSN"),
    **dict.fromkeys(("email", "e-mail", "email address"), "EMAIL"),
    **dict.fromkeys(("acct", "account", "account number", "har", "fin", "csn", "encounter"),
                    "ACCOUNT"),
    **dict.fromkeys(("member id", "policy", "policy number", "subscriber id", "insurance id"),
                    "HEALTH_PLAN"),
    **dict.fromkeys(("subject", "subject id", "participant", "employee id", "badge"), "ID"),
    # FHIR and other JSON keys, and key: value forms ("Decedent: ...", "Residence: ...")
    **dict.fromkeys(("family", "given", "decedent", "informant", "patient_name", "patientname",
                     "guarantor", "next of kin", "emergency contact"), "NAME"),
    **dict.fromkeys(("birthdate", "birth_date", "date of death", "deceaseddatetime"), "DATE"),
    **dict.fromkeys(("postalcode", "postal_code", "zip_code"), "ZIP"),
    **dict.fromkeys(("residence", "line", "home address"), "ADDRESS"),
    "age": "AGE",
}  # fmt: skip
X12_SEGMENT = re.compile(r"(?:^|(?<=[~\s]))(NM1|N3|N4|DMG)\*[^~\n]*~?")
X12_FIELDS = {"NM1": {3: "NAME", 4: "NAME"}, "N3": {1: "ADDRESS"}, "N4": {1: "ADDRESS", 3: "ZIP"},
              "DMG": {2: "DATE"}}  # fmt: skip
# "key": "value" / "key": ["value"] in JSON, or Key: value at the start of a line
KEYED = re.compile(
    r'"([A-Za-z_ ]{2,30})"\s*:\s*\[?\s*"([^"\n]{1,120})"|(?:^|\n)[ \t]*([A-Za-z][A-Za-z _]{1,30}):[ \t]*([^\n]{1,120})'
)
ZIP_VALUE = re.compile(r"\d{5}(?:-\d{4})?")
VALUE_END = re.compile(r"[,;|(]|\s{2,}")
PID = re.compile(r"(?:^|(?<=\s))PID\|[^\n]*\|")  # up to its last field separator
PID_FIELDS = {3: "MRN", 5: "NAME", 7: "DATE", 11: "ADDRESS", 13: "PHONE", 14: "PHONE",
              19: "SSN"}  # fmt: skip
COMPACT_DATE = re.compile(r"(?<![\w.-])\d{8}(?![\w-]|\.\d)")
DEA = re.compile(r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b")


def compact_date(digits: str) -> bool:
    """MMDDYYYY or YYYYMMDD with a plausible year: how forms and billing systems write a
    date without separators ("DOS 03042026")."""
    for month, day, year in (
        (digits[:2], digits[2:4], digits[4:]),
        (digits[4:6], digits[6:], digits[:4]),
    ):
        if 1900 <= int(year) <= 2099 and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return True
    return False


def dea_valid(text: str) -> bool:
    """A DEA registration number's check digit: (d1 + d3 + d5) + 2 x (d2 + d4 + d6), last
    digit."""
    d = [int(c) for c in text[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def vin_valid(text: str) -> bool:
    """The VIN check digit (position 9) of North American vehicles."""
    total = sum(VIN_VALUES[c] * w for c, w in zip(text.upper(), VIN_WEIGHTS, strict=True))
    check = total % 11
    return text[8].upper() == ("X" if check == 10 else str(check))


# Identifier types whose value always carries a digit: a cue followed by a word is not one.
NUMBERED = {"MRN", "HEALTH_PLAN", "ACCOUNT", "LICENSE", "DEVICE", "VEHICLE", "BIOMETRIC"}
DIGIT = re.compile(r"\d")


WORD = re.compile(r"[^\s,]+")
HOUSE_START = re.compile(r"(?<![\w-])\d{1,6}[A-Za-z]?(?=\s+\S)")


class Scanner:
    def __init__(self, index: PatientIndex | None = None) -> None:
        self.index = index or PatientIndex()
        self.given, self.family, self.not_names = _dictionary()
        self.given = self.given | frozenset(self.index.given_names)
        self.family = self.family | frozenset(self.index.family_names)

    def scan(self, text: str) -> list[Finding]:
        found = [*self._patterns(text), *self._names(text), *self._index(text), *self._files(text),
                 *self._codes(text), *self._ages(text),
                 *self._tables(text), *self._hl7(text), *self._x12(text),
                 *self._keyed(text)]  # fmt: skip
        return _resolve(found)

    # --- files and codes -----------------------------------------------------------------

    def _files(self, text: str) -> Iterable[Finding]:
        """Image files that show a face: named by a camera or for what they show, or
        mentioned as a photo."""
        for match in IMAGE_FILE.finditer(text):
            name = match.group(0).lower()
            near = text[max(0, match.start() - 48) : match.end() + 24]
            if FACE_FILE.search(name) or PHOTO_CUES.search(near):
                yield Finding("PHOTO", match.start(), match.end(), 0.85)

    def _tables(self, text: str) -> Iterable[Finding]:
        """Rows pasted under a header row (CSV, TSV, pipes): a cell is what its column's
        header says it is ("dob", "zip", "phone"), whatever its own shape."""
        lines = list(LINE.finditer(text))
        for number, header in enumerate(lines):
            delimiter = next((d for d in "\t|;," if header.group(0).count(d) >= 1), None)
            if delimiter is None:
                continue
            names = [c.strip().lower() for c in header.group(0).split(delimiter)]
            kinds = [COLUMN_TYPES.get(n) for n in names]
            if sum(k is not None for k in kinds) < 2:
                continue
            for row in lines[number + 1 :]:
                cells = _pieces(row.group(0), row.start(), delimiter)
                if RULE_ROW.fullmatch(row.group(0)):
                    continue  # Markdown's |---|---| under the header
                if len(cells) == 1:
                    break  # the table has ended
                if len(cells) != len(names):
                    continue  # a cell holding the delimiter: its row cannot be read by column
                for (at, cell), kind in zip(cells, kinds, strict=True):
                    span = _stripped(at, cell)
                    if kind and span and (kind != "AGE" or AGE_VALUE.fullmatch(cell.strip())):
                        yield Finding(kind, *span, 0.85)

    def _hl7(self, text: str) -> Iterable[Finding]:
        """HL7 v2 PID segments: identifiers by field position (PID-3 MRN, -5 name, -7 birth
        date, -11 address, -13/-14 phones, -19 SSN)."""
        for segment in PID.finditer(text):
            for position, (at, value) in enumerate(_pieces(segment.group(0), segment.start(), "|")):
                kind = PID_FIELDS.get(position)
                if not (kind and value):
                    continue
                for offset, component in _pieces(value, at, "^"):
                    found = _pid_component(kind, component) if component.strip() else None
                    if found:
                        yield Finding(found, offset, offset + len(component), 0.9)
                    if kind in ("MRN", "PHONE"):
                        break  # the identifier is the first component

    def _x12(self, text: str) -> Iterable[Finding]:
        """X12 837/835 segments pasted from a claim: NM1 names and member ids, N3 street,
        N4 city and ZIP, DMG birth date."""
        for segment in X12_SEGMENT.finditer(text):
            tag = segment.group(1)
            fields = _pieces(segment.group(0), segment.start(), "*")
            values = [value for _, value in fields]
            wanted = X12_FIELDS.get(tag, {})
            if tag == "NM1" and len(values) > 9 and values[8] in ("MI", "II"):
                wanted = {**wanted, 9: "HEALTH_PLAN"}
            if tag == "N4":  # the ZIP wherever it stands (a state field may be missing)
                zips = {
                    i: "ZIP" for i, v in enumerate(values) if ZIP_VALUE.fullmatch(v.rstrip("~"))
                }
                wanted = {**wanted, **zips}
            for position, kind in wanted.items():
                if position < len(fields) and values[position].strip():
                    at, value = fields[position][0], values[position].rstrip("~")
                    yield Finding(kind, at, at + len(value), 0.9)

    def _keyed(self, text: str) -> Iterable[Finding]:
        """JSON members and "Key: value" lines whose key says what the value is ("given",
        "postalCode", "birthDate", "Decedent:"), whatever the value's own shape."""
        for match in KEYED.finditer(text):
            key = match.group(1) or match.group(3)
            kind = COLUMN_TYPES.get(key.strip().lower())
            if kind is None or kind == "AGE":
                continue
            if match.group(2) is not None:
                start, end = match.span(2)
            elif kind in ("NAME", "ADDRESS", "ZIP"):  # the patterns read the other values
                start = match.start(4)
                end = start + len(VALUE_END.split(match.group(4), maxsplit=1)[0])
            else:
                continue
            span = _stripped(start, text[start:end])
            if span and text[span[0]] not in "[{":
                yield Finding(kind, *span, 0.85)

    def _ages(self, text: str) -> Iterable[Finding]:
        """ "is 97", "turned 101": an age over 89, unless a measurement is being read out
        ("sats were 94", "temp is 99")."""
        for match in AGE_AFTER_VERB.finditer(text):
            if not MEASURED_BEFORE.search(text[max(0, match.start() - 24) : match.start()]):
                yield Finding("AGE", match.start(1), match.end(1), 0.85)

    def _codes(self, text: str) -> Iterable[Finding]:
        for match in COMPACT_DATE.finditer(text):
            if compact_date(match.group(0)):
                yield Finding("DATE", match.start(), match.end(), 0.9)
        for match in DEA.finditer(text):
            if dea_valid(match.group(0)):
                yield Finding("LICENSE", match.start(), match.end(), 0.85)
        for match in VIN.finditer(text):
            if vin_valid(match.group(0)):
                yield Finding("VEHICLE", match.start(), match.end(), 0.9)
        for match in UNIQUE.finditer(text):
            token = match.group(0)
            digits = sum(c.isdigit() for c in token)
            if digits < 7 and (token.isdigit() or not any(c.isalpha() for c in token)):
                continue  # short plain numbers are values, not identifiers
            if CODE_CUES.search(text[max(0, match.start() - 24) : match.start()]):
                continue
            if UNIT_AFTER.match(text[match.end() : match.end() + 12]):
                continue
            yield Finding("ID", match.start(), match.end(), 0.55)

    # --- patterns ------------------------------------------------------------------------

    def _patterns(self, text: str) -> Iterable[Finding]:
        for kind, pattern, group, confidence in PATTERNS:
            for match in pattern.finditer(text):
                start, end = match.span(group)
                if end > start and (kind not in NUMBERED or DIGIT.search(text, start, end)):
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
            if STATE_NAME.fullmatch(given):
                continue  # "Yakima, Washington" is a place
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
        if not (
            self.index.family_names or self.index.mrns or self.index.phones or self.index.streets
        ):
            return
        # known full names in any case ("maria okafor" typed into a chat)
        words = list(re.finditer(r"[A-Za-z'’-]+", text))
        for first, second in itertools.pairwise(words):
            pair = f"{first.group(0)} {_bare(second.group(0))}".lower()
            if pair in self.index.full_names and text[first.end() : second.start()] == " ":
                end = first.end() + 1 + len(_bare(second.group(0)))
                yield Finding("NAME", first.start(), end, 0.97, "index")
        # a known surname in lower case right after "pt", "patient", "mrs" ("pt fontaine")
        for match in LOWER_AFTER_CUE.finditer(text):
            if match.group(1).lower() in self.index.family_names:
                yield Finding("NAME", match.start(1), match.end(1), 0.9, "index")
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
        if self.index.streets:
            # a known home address, from its house number on: "12 elm st" in any case
            for match in HOUSE_START.finditer(text):
                words = list(WORD.finditer(text, match.start(), match.start() + 80))[:8]
                for n in range(len(words), 1, -1):
                    if " ".join(w.group(0).lower() for w in words[:n]) in self.index.streets:
                        yield Finding("ADDRESS", match.start(), words[n - 1].end(), 0.97, "index")
                        break

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


def _pieces(text: str, start: int, separator: str) -> list[tuple[int, str]]:
    """`text` (found at offset `start`) split at `separator`, each piece with its offset."""
    pieces, at = [], start
    for piece in text.split(separator):
        pieces.append((at, piece))
        at += len(piece) + len(separator)
    return pieces


def _stripped(at: int, piece: str) -> tuple[int, int] | None:
    """The span of `piece` (at offset `at`) without its surrounding blanks; None if blank."""
    value = piece.strip()
    if not value:
        return None
    start = at + len(piece) - len(piece.lstrip())
    return start, start + len(value)


def _pid_component(kind: str, component: str) -> str | None:
    """What a component of a PID field is: PID-11's components are street, city, state and
    ZIP; a state is not smaller than a state."""
    if kind != "ADDRESS":
        return kind
    if ZIP_VALUE.fullmatch(component):
        return "ZIP"
    return None if len(component) == 2 and component.isalpha() else "ADDRESS"


def _bare(word: str) -> str:
    """A word without its possessive ("Fontaine's" -> "Fontaine")."""
    return word[:-2] if word[-2:].lower() in ("'s", "’s") else word


LOWER_AFTER_CUE = _r(r"\b(?:pt|patient|mrs|mr|ms|paciente|sra|sr)\.?\s+([a-z][a-z'’-]+)\b")


def _trim(text: str, match: re.Match[str]) -> int:
    """The end of a name match, without a trailing initial's dot or a possessive."""
    end = match.end()
    if text[max(0, end - 2) : end].lower() in ("'s", "’s"):
        end -= 2
    return end


PRIORITY = {t: i for i, t in enumerate(
    ("EMAIL", "URL", "SSN", "MRN", "HEALTH_PLAN", "ACCOUNT", "LICENSE", "DEVICE", "VEHICLE", "FAX", "PHONE",
     "IP", "BIOMETRIC", "PHOTO", "ADDRESS", "ZIP", "DATE", "AGE", "NAME", "ID")
)}  # fmt: skip


def _resolve(found: list[Finding]) -> list[Finding]:
    """One finding per stretch of text: where findings overlap, the longer wins; at equal
    length the more specific type (an MRN over a name) and then the more confident."""
    ordered = sorted(
        found, key=lambda f: (-(f.end - f.start), -f.confidence, PRIORITY.get(f.type, 99))
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
