"""Hospitals of other styles, for measuring detection on data that its rules were not written
against (`hygeia privacy simulate --style NAME`).

`hospital.py` writes the hospital the demo and the tests use. This module is written apart from
it and from detection: each style (`site_styles/<name>.yaml`) names its departments and job
titles as one kind of US health system does, runs the workflows that system has (hospitalists,
float pools, pre-registration weeks ahead, billing follow-up months after discharge, release
of information that prints charts, research screening, consults nobody lists...), leaves out
the context that system does not send (CareTeam, Appointment, PractitionerRole), and shapes
misuse its own way (relatives without the family name, slow browsing over weeks, exfiltration
by printing, surges of 8 to 25 users). Only workflows are coded here; every name a site would
see comes from the style file. Everything is made up; the same seed gives the same hospital.

A style also says what its access log is: FHIR AuditEvents (the default), the EHR's own CSV
export with the profile its administrator wrote for it (`access_log.format: csv`), or IHE
ATNA audit messages (`atna`), a file a day for both. Keys a style may add, each off when
absent, so that a style without them writes what it always wrote: `campus` on units,
`practitioner_roles`, `workflows.unlisted_visits` and `chart_work_per_shift`, `population`
(ages, test patients), `labels.restricted` and `labels.adolescent` (HL7 confidentiality),
`portal` (parents' proxy accounts), `interfaces` (service accounts), and misuse shapes
(`browsing` as a list, `surge_days`, `surge_from`, `categories` of the style's own).
"""

from __future__ import annotations

import csv
import gzip
import itertools
import random
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, TextIO
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

import yaml

from hygeia.privacy.hospital import CATEGORIES, Person, _coding, _dump, _open, _reference
from hygeia.privacy.simulate import CITIES, FAMILY, GIVEN, STREETS
from hygeia.privacy.sources import staff_roster

STYLES = Path(__file__).resolve().parent / "site_styles"
HISTORY_DAYS = 150  # encounters before the window: billing, release of information, quality
FUTURE_DAYS = 60  # appointments booked after the window: scheduling and pre-registration
TOUCHES = {"AMB": 4, "HH": 3, "EMER": 10, "IMP": 22}
OUTPATIENT = ("AMB", "HH")  # visits in office hours: a clinic, or a nurse at the patient's home
CHART_WORK_PER_SHIFT = (40, 140)  # chart opens by a nurse or physician on a working shift
SHIFT_HOURS = {"day": 7, "evening": 15, "night": 23}

# function: (clinical, practitioner role code, works shifts around the clock)
FUNCTIONS: dict[str, tuple[bool, str, bool]] = {
    "physician": (True, "doctor", True),
    "resident": (True, "doctor", True),
    "surgeon": (True, "doctor", False),
    "hospitalist": (True, "doctor", True),
    "psychiatrist": (True, "doctor", False),
    "radiologist": (True, "doctor", True),
    "nurse": (True, "nurse", True),
    "float_nurse": (True, "nurse", True),
    "counselor": (True, "nurse", False),
    "assistant": (True, "nurse", False),
    "pharmacist": (True, "pharmacist", True),
    "rad_tech": (True, "ict", True),
    "lab_tech": (True, "ict", True),
    "phlebotomist": (False, "", True),
    "outpatient_lab": (False, "", False),
    "clerk": (False, "", True),
    "registrar": (False, "", True),
    "scheduler": (False, "", False),
    "coder": (False, "", False),
    "biller": (False, "", False),
    "roi": (False, "", False),
    "case_manager": (True, "nurse", False),
    "social_worker": (True, "nurse", False),
    "transporter": (False, "", True),
    "infection_preventionist": (False, "", False),
    "quality_reviewer": (False, "", False),
    "research_coordinator": (False, "", False),
    "analyst": (False, "", False),
    "trainer": (False, "", False),
    "educator": (True, "nurse", False),
    "front_desk": (False, "", False),
    "outreach_nurse": (True, "nurse", False),
    "virtual_nurse": (True, "nurse", True),
}
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
CONFIDENTIALITY_CODES = ("U", "L", "M", "N", "R", "V")
ATTENDING = ("physician", "surgeon", "psychiatrist")
BEDSIDE = ("nurse", "counselor", "assistant")


def styles() -> list[str]:
    return sorted(p.stem for p in STYLES.glob("*.yaml"))


@dataclass
class Style:
    name: str
    description: str
    zone: ZoneInfo
    missing: set[str]
    units: dict[str, dict[str, Any]]
    workflows: dict[str, Any]
    labels: dict[str, Any]
    misuse: dict[str, Any]
    # What the site's access log is: FHIR AuditEvents (the default), its own CSV export read
    # through a profile, or IHE ATNA audit messages; and its layout (see `access_log`).
    log: dict[str, Any] = field(default_factory=dict)
    population: dict[str, Any] = field(default_factory=dict)  # ages of the patients
    portal: dict[str, Any] = field(default_factory=dict)  # parents' and guardians' accounts
    interfaces: list[dict[str, Any]] = field(default_factory=list)  # service accounts
    roles: list[str] = field(default_factory=list)  # PractitionerRole codes sent (all: empty)

    @classmethod
    def load(cls, name: str) -> Style:
        path = STYLES / f"{name}.yaml"
        if not path.is_file():
            raise ValueError(f"no hospital style {name!r} (styles: classic, {', '.join(styles())})")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            name=data["name"],
            description=data["description"],
            zone=ZoneInfo(data["time_zone"]),
            missing=set(data.get("missing") or []),
            units=data["units"],
            workflows=data["workflows"],
            labels=data["labels"],
            misuse=data["misuse"],
            log=data.get("access_log") or {"format": "fhir"},
            population=data.get("population") or {},
            portal=data.get("portal") or {},
            interfaces=data.get("interfaces") or [],
            roles=list(data.get("practitioner_roles") or []),
        )

    @property
    def categories(self) -> tuple[str, ...]:
        """The misuse categories this style labels: every style's, and its own."""
        return (*CATEGORIES, *(self.misuse.get("categories") or []))

    def campus(self, unit: str) -> str:
        return str(self.units[unit].get("campus", ""))

    def classes(self, unit: str) -> list[str]:
        care = self.units[unit].get("care") or []
        return [care] if isinstance(care, str) else list(care)


@dataclass(eq=False)
class Worker:
    employee_id: str
    user_id: str
    practitioner_id: str
    family: str
    given: str
    birth: date
    address: str
    city: str
    state: str
    postal: str
    unit: str
    function: str
    department: str
    job: str
    shift: str
    hire: date
    termination: date | None = None
    patient_id: str = ""
    dormant: bool = False
    source: str = ""  # the system the account's accesses are logged by, when not the EHR
    network: str = ""  # the network address its accesses come from, when not the unit's


@dataclass(eq=False)
class Stay:
    encounter_id: str
    patient: Person
    klass: str
    unit: str
    start: datetime
    end: datetime
    attending: Worker
    team: list[Worker]
    listed: list[Worker]  # named on the encounter
    booked: datetime | None = None  # when an AMB appointment was made


class Access(NamedTuple):
    """Who opened which record when, and how (subtype: a FHIR interaction, print or
    export); each writer gives it the shape of the site's log."""

    seq: int
    user: Worker
    patient: Person
    when: datetime
    purpose: str
    subtype: str


class Site:
    """One styled hospital: its people, its care, and who opened which chart when."""

    def __init__(self, style: Style, staff: int, patients: int, days: int, seed: int) -> None:
        self.style = style
        self.rng = random.Random(zlib.crc32(f"{style.name}:{seed}".encode()))  # noqa: S311
        self.seed = seed
        self.days = days
        self.start = date(2025, 9, 29) + timedelta(days=seed % 7)
        self.end = self.start + timedelta(days=days)
        self.workers: list[Worker] = []
        self.people: list[Person] = []
        self.stays: list[Stay] = []
        self.truth: set[tuple[str, str, str]] = set()
        # Every record a labelled misuse opened, as (user, patient, category): the truth as
        # a file that lists accesses rather than behaviours would give it.
        self.opened: set[tuple[str, str, str]] = set()
        self.category_of: dict[str, str] = {}
        self.event_count = 0
        self.by_unit: dict[str, list[Worker]] = {}
        self.by_function: dict[str, list[Worker]] = {}
        # Records nobody is treated in: the test and training patients of the EHR team.
        self.test_people: list[Person] = []
        self.proxies: list[tuple[Worker, list[Person]]] = []  # portal accounts, their children
        self._hire(staff)
        self._populate(patients or staff * 10)
        self.household_of = {p.patient_id: p.household for p in self.people}
        test_ids = {p.patient_id for p in self.test_people}
        # The records care and misuse can reach (all of them but the test patients).
        self.chartable = [p for p in self.people if p.patient_id not in test_ids]
        self._admit()
        if self.style.portal:
            self._enrol_proxies()

    # --- time -------------------------------------------------------------------------

    def at(self, day: date, hour: float) -> datetime:
        naive = datetime(day.year, day.month, day.day) + timedelta(hours=hour)
        return naive.replace(tzinfo=self.style.zone)

    def in_window(self, when: datetime) -> bool:
        return self.at(self.start, 0) <= when < self.at(self.end, 0)

    def office(self, day: date) -> datetime | None:
        """A time in office hours on `day`, or None on a weekend."""
        if day.weekday() >= 5:
            return None
        return self.at(day, self.rng.uniform(8, 17))

    def shift_of(self, worker: Worker, day: date) -> tuple[datetime, datetime]:
        begin = self.at(day, SHIFT_HOURS[worker.shift] + self.rng.uniform(-0.4, 0.4))
        return begin, begin + timedelta(hours=8.5)

    def during(self, begin: datetime, end: datetime) -> datetime:
        span = max((end - begin).total_seconds(), 60.0)
        return begin + timedelta(seconds=self.rng.uniform(0, span))

    def on_duty(self, pool: list[Worker], when: datetime) -> Worker | None:
        if not pool:
            return None
        hour = when.astimezone(self.style.zone).hour
        working = [w for w in pool if (hour - SHIFT_HOURS[w.shift]) % 24 < 8]
        return self.rng.choice(working or pool)

    # --- people -----------------------------------------------------------------------

    def _home(self) -> tuple[str, str, str, str]:
        city, state, zip3 = self.rng.choice(CITIES)
        street = f"{self.rng.randrange(1, 9999)} {self.rng.choice(STREETS)}"
        return street, city, state, f"{zip3}{self.rng.randrange(0, 99):02d}"

    def _hire(self, count: int) -> None:
        rng = self.rng
        units = list(self.style.units)
        shares = [float(self.style.units[u]["share"]) for u in units]
        for index in range(count):
            unit = rng.choices(units, shares)[0]
            jobs = self.style.units[unit]["jobs"]
            function = rng.choices(list(jobs), [float(j[1]) for j in jobs.values()])[0]
            clinical, _, around_the_clock = FUNCTIONS[function]
            family, given = rng.choice(FAMILY), rng.choice(GIVEN)
            street, city, state, postal = self._home()
            shift = (
                rng.choices(["day", "evening", "night"], [0.55, 0.25, 0.2])[0]
                if around_the_clock
                else "day"
            )
            worker = Worker(
                employee_id=f"{self.style.name[:2].upper()}{index + 1:06d}",
                user_id=f"{family.lower()[:6]}{given[0].lower()}{index + 1:04d}",
                practitioner_id=f"prac-{index + 1:06d}" if clinical else "",
                family=family,
                given=given,
                birth=date(1958, 1, 1) + timedelta(days=rng.randrange(0, 15000)),
                address=street,
                city=city,
                state=state,
                postal=postal,
                unit=unit,
                function=function,
                department=self.style.units[unit]["name"],
                job=jobs[function][0],
                shift=shift,
                hire=self.start - timedelta(days=rng.randrange(40, 8000)),
            )
            self.workers.append(worker)
            self.by_unit.setdefault(unit, []).append(worker)
            self.by_function.setdefault(function, []).append(worker)

    def _patient(self, family: str, given: str, birth: date, home: tuple[str, ...], house: int):
        index = len(self.people)
        person = Person(
            patient_id=f"{self.style.name[:3]}-{index + 1:07d}",
            mrn=f"{zlib.crc32(self.style.name.encode()) % 90 + 10}{index + 1:08d}",
            family=family,
            given=given,
            birth=birth,
            sex=self.rng.choice(["female", "male"]),
            address=home[0],
            city=home[1],
            state=home[2],
            postal=home[3],
            household=house,
        )
        self.people.append(person)
        return person

    def _birth(self, default_first: date, default_span: int) -> date:
        """A patient's birth date: the style's ages (in years on the first day) when it
        names them, else the span every style had."""
        ages = self.style.population.get("ages")
        if not ages:
            return default_first + timedelta(days=self.rng.randrange(0, default_span))
        low, high = ages
        return self.start - timedelta(days=self.rng.randrange(low * 365, (high + 1) * 365))

    def age(self, person: Person) -> int:
        born, today = person.birth, self.start
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def _populate(self, count: int) -> None:
        rng = self.rng
        shared = float(self.style.misuse.get("family_shared_surname", 0.5))
        deceased = float(self.style.population.get("deceased", 0.01))
        house = 0
        for worker in self.workers:
            if len(self.people) >= count // 3 or rng.random() > 0.33:
                continue
            house += 1
            home = (worker.address, worker.city, worker.state, worker.postal)
            me = self._patient(worker.family, worker.given, worker.birth, home, house)
            me.labels.append("EMP")
            worker.patient_id = me.patient_id
            for _ in range(rng.choice([1, 1, 2, 3])):
                surname = worker.family if rng.random() < shared else rng.choice(FAMILY)
                birth = self._birth(date(1940, 1, 1), 30000)
                self._patient(surname, rng.choice(GIVEN), birth, home, house)
        vip, sensitive = self.style.labels["vip"], list(self.style.labels["sensitive"])
        while len(self.people) < count:
            house += 1
            home = self._home()
            family = rng.choice(FAMILY)
            for _ in range(min(rng.choice([1, 1, 2, 2, 3, 4]), count - len(self.people))):
                birth = self._birth(date(1932, 1, 1), 33000)
                person = self._patient(family, rng.choice(GIVEN), birth, home, house)
                roll = rng.random()
                if roll < 0.004:
                    person.labels.append(vip)
                elif roll < 0.035:
                    person.labels.append(rng.choice(sensitive))
                person.deceased = rng.random() < deceased
                self._confidentiality(person)
        for _ in range(int(self.style.population.get("test_patients", 0))):
            # Ordinary names: nothing but how the record is used says it is a test patient.
            house += 1
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 25000))
            self.test_people.append(
                self._patient(rng.choice(FAMILY), rng.choice(GIVEN), birth, self._home(), house)
            )

    def _confidentiality(self, person: Person) -> None:
        """HL7 confidentiality codes (R restricted, V very restricted) on a few records: a
        share of all patients, and of adolescents at the ages the style names."""
        restricted = self.style.labels.get("restricted")
        if restricted and self.rng.random() < float(restricted["share"]):
            person.labels.append(self.rng.choice(list(restricted["codes"])))
            return
        adolescent = self.style.labels.get("adolescent")
        if adolescent:
            low, high = adolescent["ages"]
            if low <= self.age(person) <= high and self.rng.random() < float(adolescent["share"]):
                person.labels.append(str(adolescent["code"]))

    # --- care -------------------------------------------------------------------------

    def kin(self, worker: Worker, patient: Person) -> bool:
        """The patient is the worker or lives with them: nobody is rostered to care for
        their own household (a policy every hospital has, emergencies aside)."""
        return bool(worker.patient_id) and self.household_of.get(worker.patient_id) == (
            patient.household
        )

    def _of(self, unit: str, functions: tuple[str, ...]) -> list[Worker]:
        return [w for w in self.by_unit.get(unit, []) if w.function in functions]

    def _admit(self) -> None:
        rng = self.rng
        care_units = [u for u in self.style.units if self.style.classes(u)]
        living = [p for p in self.chartable if not p.deceased]
        unlisted = float(self.style.workflows.get("unlisted_visits", 0))
        first = self.start - timedelta(days=HISTORY_DAYS)
        total_days = HISTORY_DAYS + self.days + FUTURE_DAYS
        wanted = int(len(self.people) * 0.4 * total_days / 30)
        hospitalists = self.by_function.get("hospitalist", [])
        for index in range(wanted):
            unit = rng.choice(care_units)
            klass = rng.choice(self.style.classes(unit))
            day = first + timedelta(days=rng.randrange(0, total_days))
            if klass in OUTPATIENT:
                begin = self.office(day)
                if begin is None:
                    continue
                length = timedelta(minutes=rng.choice([20, 30, 40, 60]))
            elif klass == "EMER":
                begin = self.at(day, rng.uniform(0, 24))
                length = timedelta(hours=rng.uniform(2, 10))
            else:
                begin = self.at(day, rng.uniform(0, 24))
                length = timedelta(days=rng.uniform(1, 7))
            patient = rng.choice(living)
            attendings = self._of(unit, ATTENDING)
            if klass == "IMP" and hospitalists and rng.random() < 0.6:
                attendings = hospitalists
            attendings = [w for w in attendings if not self.kin(w, patient)]
            if not attendings:
                continue
            attending = rng.choice(attendings)
            bedside = [w for w in self._of(unit, BEDSIDE) if not self.kin(w, patient)]
            size = min({"AMB": 1, "HH": 1, "EMER": 3, "IMP": 5}[klass], len(bedside))
            team = [attending, *rng.sample(bedside, size)]
            residents = self._of(unit, ("resident",))
            if residents and klass not in OUTPATIENT:
                team.insert(1, rng.choice(residents))
            listed = team[: int(self.style.workflows.get("participants", 2))]
            if unlisted and klass == "AMB" and rng.random() < unlisted:
                listed = []  # a clinic visit the EHR sends without its participants
            stay = Stay(
                f"{self.style.name[:2]}E{index + 1:08d}",
                patient,
                klass,
                unit,
                begin,
                begin + length,
                attending,
                team,
                listed,
            )
            if klass == "AMB":
                low, high = self.style.workflows["booking_days"]
                stay.booked = self.at(
                    (begin - timedelta(days=rng.randint(low, high))).date(), rng.uniform(8, 17)
                )
            self.stays.append(stay)

    # --- access events ------------------------------------------------------------------

    def event(
        self, user: Worker, patient: Person, when: datetime, purpose: str = "TREAT", **kind: Any
    ) -> Access:
        self.event_count += 1
        if kind.get("printed"):
            subtype = "print"
        elif kind.get("exported"):
            subtype = "export"
        else:
            subtype = kind.get("subtype") or self.rng.choice(
                ["read", "read", "read", "vread", "search-type", "update"]
            )
        return Access(self.event_count, user, patient, when, purpose, subtype)

    def auditevent(self, access: Access) -> dict[str, Any]:
        """An access as the FHIR AuditEvent the EHR sends."""
        user, subtype = access.user, access.subtype
        local = access.when.astimezone(self.style.zone)
        who: dict[str, Any] = {"identifier": {"system": "urn:example:sso", "value": user.user_id}}
        if user.practitioner_id:
            who["reference"] = f"Practitioner/{user.practitioner_id}"
        if subtype == "print":
            kind_coding = {"system": "urn:example:ehr:activity", "code": "print"}
        elif subtype == "export":
            kind_coding = {
                "system": "http://dicom.nema.org/resources/ontology/DCM",
                "code": "110106",
                "display": "Export",
            }
            subtype = "read"
        else:
            kind_coding = {
                "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                "code": "rest",
            }
        return {
            "resourceType": "AuditEvent",
            "id": f"{self.style.name}-{self.seed}-{access.seq}",
            "type": kind_coding,
            "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": subtype}],
            "action": "U" if subtype == "update" else "R",
            "recorded": local.isoformat(timespec="seconds"),
            "outcome": "0",
            "purposeOfEvent": [
                _coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", access.purpose)
            ],
            "agent": [
                {
                    "who": who,
                    "requestor": True,
                    "network": {"address": _address_of(user), "type": "2"},
                }
            ],
            "source": {"observer": {"display": user.source or f"{self.style.name.upper()}-EHR"}},
            "entity": [
                {
                    "what": _reference("Patient", access.patient.patient_id),
                    "type": {
                        "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                        "code": "1",
                    },
                    "role": {
                        "system": "http://terminology.hl7.org/CodeSystem/object-role",
                        "code": "1",
                    },
                }
            ],
        }

    def _if_open(self, user: Worker | None, patient: Person, when: datetime | None, **kind: Any):
        """The event, when someone did it inside the window while employed."""
        if user is None or when is None or not self.in_window(when):
            return None
        if user.dormant or (user.termination and when.date() > user.termination):
            return None
        return self.event(user, patient, when, **kind)

    def legitimate(self) -> Iterator[Access]:
        for stay in self.stays:
            yield from (e for e in self._care(stay) if e is not None)
        yield from (e for e in self._shifts() if e is not None)
        yield from (e for e in self._office_queues() if e is not None)
        yield from (e for e in self._outreach() if e is not None)
        yield from (e for e in self._test_patients() if e is not None)
        yield from (e for e in self._portal() if e is not None)
        yield from (e for e in self._interfaces() if e is not None)

    def _care(self, stay: Stay) -> Iterator[Access | None]:
        rng, w = self.rng, self.style.workflows
        window_start, window_end = self.at(self.start, 0), self.at(self.end, 0)
        if stay.end > window_start - timedelta(days=1) and stay.start < window_end:
            for _ in range(TOUCHES[stay.klass]):
                when = self.during(stay.start, stay.end)
                yield self._if_open(self.on_duty(stay.team, when), stay.patient, when)
            if stay.klass == "EMER" and rng.random() < 0.04:
                when = self.during(stay.start, stay.end)
                yield self._if_open(stay.team[0], stay.patient, when, purpose="ETREAT")
            yield from self._services(stay)
        # Front desk and back office: before and after the visit, whatever the window.
        if stay.klass in OUTPATIENT:
            low, high = w["preregistration_days"]
            before = (stay.start - timedelta(days=rng.randint(low, high))).date()
            yield self._if_open(
                rng.choice(self.by_function.get("registrar") or [None]),  # type: ignore[list-item]
                stay.patient,
                self.office(before),
            )
            if stay.booked is not None:
                yield self._if_open(
                    rng.choice(self.by_function.get("scheduler") or [None]),  # type: ignore[list-item]
                    stay.patient,
                    stay.booked,
                )
        else:
            yield self._if_open(
                self.on_duty(self.by_function.get("registrar", []), stay.start),
                stay.patient,
                stay.start + timedelta(minutes=rng.uniform(5, 90)),
            )
        if stay.klass not in OUTPATIENT or rng.random() < 0.3:
            low, high = w["coding_days"]
            day = (stay.end + timedelta(days=rng.randint(low, high))).date()
            yield self._if_open(
                rng.choice(self.by_function.get("coder") or [None]),  # type: ignore[list-item]
                stay.patient,
                self.office(day),
            )
        if rng.random() < 0.6:
            low, high = w["billing_days"]
            biller = rng.choice(self.by_function.get("biller") or [None])  # type: ignore[list-item]
            for _ in range(rng.choice([1, 1, 2, 3])):  # follow-ups of one claim
                day = (stay.end + timedelta(days=rng.randint(low, high))).date()
                yield self._if_open(biller, stay.patient, self.office(day))
        if stay.klass == "IMP":
            case_manager = rng.choice(self.by_function.get("case_manager") or [None])  # type: ignore[list-item]
            for offset in range(1, rng.randint(2, 4)):
                day = (stay.end + timedelta(days=offset)).date()
                yield self._if_open(case_manager, stay.patient, self.office(day))
            if rng.random() < 0.12:
                day = (stay.end + timedelta(days=rng.randint(7, 45))).date()
                yield self._if_open(
                    rng.choice(self.by_function.get("quality_reviewer") or [None]),  # type: ignore[list-item]
                    stay.patient,
                    self.office(day),
                )
            if rng.random() < 0.2:
                day = (stay.start + timedelta(days=rng.randint(0, 10))).date()
                yield self._if_open(
                    rng.choice(self.by_function.get("infection_preventionist") or [None]),  # type: ignore[list-item]
                    stay.patient,
                    self.office(day),
                )

    def _services(self, stay: Stay) -> Iterator[Access | None]:
        """Work on a stay by people who are not on it: consults, labs, imaging, pharmacy,
        case management, social work, transport, unit clerks."""
        rng = self.rng
        by = self.by_function
        end = stay.end
        if stay.klass in ("IMP", "EMER"):
            for function, chance, count in (
                ("lab_tech", 0.8, 2),
                ("phlebotomist", 0.6, 2),
                ("rad_tech", 0.5, 1),
                ("radiologist", 0.5, 1),
                ("pharmacist", 0.9 if stay.klass == "IMP" else 0.3, 2),
                ("transporter", 0.5, 2),
                ("social_worker", 0.3 if stay.klass == "IMP" else 0.1, 2),
            ):
                if rng.random() < chance:
                    for _ in range(rng.randint(1, count)):
                        when = self.during(stay.start, end)
                        yield self._if_open(
                            self.on_duty(by.get(function, []), when), stay.patient, when
                        )
            clerks = self._of(stay.unit, ("clerk",))
            for _ in range(rng.randint(1, 3)):
                when = self.during(stay.start, end)
                yield self._if_open(self.on_duty(clerks, when), stay.patient, when)
        if stay.klass == "IMP":
            managers = by.get("case_manager", [])
            day = stay.start.date()
            while day <= end.date():
                yield self._if_open(
                    rng.choice(managers) if managers else None, stay.patient, self.office(day)
                )
                day += timedelta(days=1)
            if rng.random() < 0.45:  # a consult, listed on the encounter or not
                others = [u for u in self.style.units if u != stay.unit and self.style.classes(u)]
                consultant = rng.choice(self._of(rng.choice(others), ATTENDING) or [None])  # type: ignore[list-item]
                if consultant is not None:
                    if rng.random() < float(self.style.workflows.get("consult_named", 0.3)):
                        stay.listed.append(consultant)
                    for _ in range(rng.randint(2, 4)):
                        yield self._if_open(consultant, stay.patient, self.during(stay.start, end))
        if stay.klass == "AMB":
            desk = self._of(stay.unit, ("front_desk",))
            if desk:  # the clinic's front desk checks the patient in
                when = stay.start - timedelta(minutes=rng.uniform(3, 25))
                yield self._if_open(rng.choice(desk), stay.patient, when)
            lab = by.get("outpatient_lab") or by.get("lab_tech", [])
            if lab and rng.random() < 0.45:
                day = (stay.start + timedelta(days=rng.randint(0, 3))).date()
                yield self._if_open(rng.choice(lab), stay.patient, self.office(day))
            if rng.random() < 0.15:
                when = stay.start + timedelta(hours=rng.uniform(0.5, 30))
                yield self._if_open(
                    self.on_duty(by.get("radiologist", []), when), stay.patient, when
                )

    def _active(self) -> dict[tuple[str, date], list[Stay]]:
        found: dict[tuple[str, date], list[Stay]] = {}
        for stay in self.stays:
            if stay.klass in OUTPATIENT:
                continue
            day = stay.start.astimezone(self.style.zone).date()
            while day <= stay.end.astimezone(self.style.zone).date():
                if self.start <= day < self.end:
                    found.setdefault((stay.unit, day), []).append(stay)
                day += timedelta(days=1)
        return found

    def _shifts(self) -> Iterator[Access | None]:
        """Chart work on the unit's patients by whoever is on shift there, the float pool
        sent each shift to a unit that needs hands, and virtual nurses who watch the
        inpatients of every campus from one room."""
        rng = self.rng
        active = self._active()
        ward_units = [u for u in self.style.units if set(self.style.classes(u)) & {"IMP", "EMER"}]
        work = tuple(self.style.workflows.get("chart_work_per_shift", CHART_WORK_PER_SHIFT))
        inpatients: dict[date, list[Stay]] = {}
        if self.by_function.get("virtual_nurse"):
            for (_, day), ward in active.items():
                inpatients.setdefault(day, []).extend(s for s in ward if s.klass == "IMP")
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            for worker in self.workers:
                if worker.function not in (
                    "nurse",
                    "physician",
                    "resident",
                    "float_nurse",
                    "counselor",
                    "hospitalist",
                    "virtual_nurse",
                ):
                    continue
                if rng.random() < 0.32:  # a day off
                    continue
                unit = rng.choice(ward_units) if worker.function == "float_nurse" else worker.unit
                stays = active.get((unit, day))
                if worker.function == "virtual_nurse":
                    stays = inpatients.get(day)
                if worker.function == "hospitalist":
                    stays = [
                        s
                        for s in self.stays
                        if s.attending is worker and s.start.date() <= day <= s.end.date()
                    ]
                if not stays:
                    continue
                stays = [s for s in stays if not self.kin(worker, s.patient)]
                if not stays:
                    continue
                begin, end = self.shift_of(worker, day)
                for _ in range(rng.randint(*work)):
                    stay = rng.choice(stays)
                    yield self._if_open(worker, stay.patient, self.during(begin, end))

    def _office_queues(self) -> Iterator[Access | None]:
        """Work queues that are not tied to one stay: release of information prints charts
        of past visits; research coordinators screen the clinic lists."""
        rng = self.rng
        past = [s for s in self.stays if s.end.date() < self.end]
        screened_units = self.style.workflows.get("screened_units", ["oncology", "cardiology"])
        screened = [s for s in self.stays if s.unit in screened_units]
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            for worker in self.by_function.get("roi", []):
                when = self.office(day)
                if when is None or rng.random() < 0.2:
                    continue
                for _ in range(rng.randint(3, 12)):
                    stay = rng.choice(past)
                    if not 3 <= (day - stay.end.date()).days <= 180:
                        continue
                    moment = self.office(day)
                    yield self._if_open(worker, stay.patient, moment)
                    yield self._if_open(
                        worker, stay.patient, moment and moment + timedelta(minutes=2), printed=True
                    )
            for worker in self.by_function.get("research_coordinator", []):
                if self.office(day) is None or not screened:
                    continue
                near = [s for s in screened if -3 <= (s.start.date() - day).days <= 14]
                for stay in rng.sample(near, min(len(near), rng.randint(15, 40))):
                    yield self._if_open(worker, stay.patient, self.office(day))

    def _outreach(self) -> Iterator[Access | None]:
        """Population-health nurses work lists of patients seen before the window and not
        since: a care gap to close by telephone, on records no visit in the window explains."""
        nurses = self.by_function.get("outreach_nurse")
        if not nurses:
            return
        rng = self.rng
        window_start, window_end = self.at(self.start, 0), self.at(self.end, 0)
        seen = {s.patient.patient_id for s in self.stays if s.end >= window_start}
        past = {s.patient.patient_id for s in self.stays if s.end < window_start}
        gaps = [
            p for p in self.chartable if p.patient_id in past - seen and not p.deceased
        ] or self.chartable
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            for nurse in nurses:
                if day.weekday() >= 5 or rng.random() < 0.15:
                    continue
                for target in rng.sample(gaps, min(len(gaps), rng.randint(8, 20))):
                    when = self.office(day)
                    if when is not None and when < window_end and not self.kin(nurse, target):
                        yield self._if_open(nurse, target, when, purpose="POPHLTH")

    def _test_patients(self) -> Iterator[Access | None]:
        """Analysts, trainers and educators open the same few test patients day after day:
        build checks, classroom sessions, tip sheets."""
        if not self.test_people:
            return
        rng = self.rng
        functions = self.style.population.get("test_users") or ["analyst"]
        users = [w for f in functions for w in self.by_function.get(f, [])]
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            for user in users:
                if day.weekday() >= 5 or rng.random() < 0.45:
                    continue
                count = rng.randint(1, min(3, len(self.test_people)))
                for target in rng.sample(self.test_people, count):
                    for _ in range(rng.randint(2, 8)):
                        yield self._if_open(user, target, self.office(day), purpose="HOPERAT")

    def _enrol_proxies(self) -> None:
        """Parents' and guardians' portal accounts: a share of the households with children,
        one or two accounts each, logged by the portal under its own source."""
        rng, portal = self.rng, self.style.portal
        until = int(portal.get("until_age", 17))
        households: dict[int, list[Person]] = {}
        for person in self.chartable:
            if not person.deceased and self.age(person) <= until:
                households.setdefault(person.household, []).append(person)
        for children in households.values():
            if rng.random() >= float(portal["enrolled"]):
                continue
            for _ in range(1 if rng.random() < 0.6 else 2):
                n = len(self.proxies) + 1
                home = children[0]
                account = Worker(
                    employee_id="",
                    user_id=f"{portal['prefix']}{(n * 7919 + 104729) % 10_000_000:07d}",
                    practitioner_id="",
                    family=home.family,
                    given=rng.choice(GIVEN),
                    birth=date(1970, 1, 1) + timedelta(days=rng.randrange(0, 11000)),
                    address=home.address,
                    city=home.city,
                    state=home.state,
                    postal=home.postal,
                    unit="",
                    function="proxy",
                    department="",
                    job="",
                    shift="day",
                    hire=self.start,
                    source=str(portal["source"]),
                    network=f"100.{64 + n % 64}.{n // 64 % 250}.{n * 37 % 250 + 2}",
                )
                self.proxies.append((account, children))

    def _hidden(self) -> str:
        """The label that hides an adolescent's record from their parents' portal."""
        adolescent = self.style.labels.get("adolescent")
        return str(adolescent["code"]) if adolescent else ""

    def _portal(self) -> Iterator[Access | None]:
        """Parents read their children's records: now and then, and after a visit."""
        if not self.proxies:
            return
        rng = self.rng
        per_day = float(self.style.portal.get("logins_per_day", 0.05))
        hidden = self._hidden()
        window_start = self.at(self.start, 0)
        visits: dict[str, list[datetime]] = {}
        for stay in self.stays:
            if stay.end >= window_start:
                visits.setdefault(stay.patient.patient_id, []).append(stay.end)
        for account, children in self.proxies:
            visible = [c for c in children if hidden not in c.labels]
            if not visible:
                continue
            logins = [
                self.at(self.start + timedelta(days=offset), rng.uniform(6, 23.5))
                for offset in range(self.days)
                if rng.random() < per_day
            ]
            for child in visible:
                for end in visits.get(child.patient_id, []):
                    if rng.random() < 0.5:  # the results are in
                        logins.append(end + timedelta(hours=rng.uniform(2, 72)))
            for login in logins:
                for child in rng.sample(visible, rng.randint(1, len(visible))):
                    when = login + timedelta(seconds=rng.uniform(5, 600))
                    yield self._if_open(account, child, when, purpose="FAMRQT", subtype="read")

    def _interfaces(self) -> Iterator[Access | None]:
        """Service accounts: an interface engine that looks the patient up a fixed few
        seconds after each admission and discharge, and a reporting job that reads every
        record of the day before at night, one every fixed fraction of a second."""
        for spec in self.style.interfaces:
            account = Worker(
                employee_id="",
                user_id=str(spec["login"]),
                practitioner_id="",
                family="",
                given="",
                birth=self.start,
                address="",
                city="",
                state="",
                postal="",
                unit="",
                function="interface",
                department="",
                job="",
                shift="day",
                hire=self.start,
                source=str(spec.get("source", "")),
                network=str(spec["address"]),
            )
            lag = timedelta(seconds=float(spec.get("lag_seconds", 2)))
            if spec["kind"] == "adt":
                for stay in self.stays:
                    for moment in (stay.start, stay.end):
                        yield self._if_open(
                            account, stay.patient, moment + lag, purpose="HOPERAT", subtype="read"
                        )
            else:
                active = self._active()
                for offset in range(self.days):
                    day = self.start + timedelta(days=offset)
                    before = day - timedelta(days=1)
                    patients = {
                        s.patient.patient_id: s.patient
                        for (_, d), stays in active.items()
                        if d == before
                        for s in stays
                    }
                    when = self.at(day, float(spec.get("hour", 2)))
                    for patient_id in sorted(patients):
                        yield self._if_open(
                            account, patients[patient_id], when, purpose="HOPERAT", subtype="read"
                        )
                        when += lag

    # --- misuse (labelled) ----------------------------------------------------------------

    def _label(self, user: Worker, patient: Person | None, category: str) -> None:
        self.truth.add((user.user_id, patient.patient_id if patient else "", category))
        self.category_of[user.user_id] = category

    def _someday(self, user: Worker) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange(0, self.days))
        return self.during(*self.shift_of(user, day))

    def misuse(self) -> Iterator[Access]:
        rng, shape = self.rng, self.style.misuse
        employed = [w for w in self.workers if w.function != "analyst"]
        staff_patients = [w for w in employed if w.patient_id]
        people = {p.patient_id: p for p in self.people}
        households: dict[int, list[Person]] = {}
        for person in self.people:
            households.setdefault(person.household, []).append(person)
        cared = {(s.unit, s.patient.patient_id) for s in self.stays}
        unrelated = [p for p in self.chartable if not p.labels]
        picked: set[str] = set()
        per_category = max(2, len(self.workers) // 200)

        def pick(pool: list[Worker]) -> Worker | None:
            left = [w for w in pool if w.user_id not in picked]
            if not left:
                return None
            chosen = rng.choice(left)
            picked.add(chosen.user_id)
            return chosen

        in_use: dict[str, list[tuple[datetime, datetime]]] = {}
        for stay in self.stays:
            in_use.setdefault(stay.patient.patient_id, []).append(
                (stay.start - timedelta(days=FUTURE_DAYS + 5), stay.end + timedelta(days=130))
            )

        def idle(target: Person, times: list[datetime]) -> bool:
            """No workflow here (pre-registration up to 60 days ahead, billing up to 120
            after) could have opened the record then."""
            return not any(
                lo <= t <= hi for lo, hi in in_use.get(target.patient_id, []) for t in times
            )

        quiet_days: dict[date, list[Person]] = {}

        def idle_on(day: date) -> list[Person]:
            """The unrelated patients whose records nothing used around `day`."""
            if day not in quiet_days:
                noon = self.at(day, 12)
                around = [noon - timedelta(days=1), noon, noon + timedelta(days=1)]
                quiet_days[day] = [p for p in unrelated if idle(p, around)]
            return quiet_days[day]

        def stranger(
            user: Worker, pool: list[Person], times: list[datetime] | None = None
        ) -> Person | None:
            """Someone whose care the user's unit had no part in and, where the pool has
            one, whose record no workflow was using at `times`: a labelled misuse must be
            an access with no business reason in the data, not one the truth alone calls
            wrong."""
            fitting = [p for p in pool if (user.unit, p.patient_id) not in cared]
            quiet = [p for p in fitting if times and idle(p, times)]
            return rng.choice(quiet or fitting) if (quiet or fitting) else None

        def emit(user: Worker, target: Person, when: datetime, **kind: Any):
            self.opened.add((user.user_id, target.patient_id, self.category_of[user.user_id]))
            return self.event(user, target, when, **kind)

        for _ in range(per_category):
            target: Person | None
            user = pick(staff_patients)
            if user:
                me = people[user.patient_id]
                self._label(user, me, "self")
                for _ in range(rng.randint(1, 3)):
                    yield emit(user, me, self._someday(user))
            user = pick(staff_patients)
            if user:
                relatives = [
                    p
                    for p in households[people[user.patient_id].household]
                    if p.patient_id != user.patient_id
                ]
                if relatives:
                    relative = rng.choice(relatives)
                    self._label(user, relative, "family")
                    for _ in range(rng.randint(1, 4)):
                        yield emit(user, relative, self._someday(user))
            user = pick(employed)
            colleagues = [
                w for w in staff_patients if user and w.unit == user.unit and w is not user
            ]
            if user and (colleagues or staff_patients):
                when = self._someday(user)
                target = stranger(
                    user,
                    [people[w.patient_id] for w in colleagues or staff_patients],
                    [when],
                )
                if target and target.patient_id != user.patient_id:
                    self._label(user, target, "coworker")
                    yield emit(user, target, when)
            user = pick(employed)
            if user:
                street = user.address.split(" ", 1)[1]
                near = [
                    p
                    for p in self.chartable
                    if p.address.endswith(street)
                    and p.city == user.city
                    and p.address != user.address
                ]
                when = self._someday(user)
                target = stranger(user, near, [when]) if near else None
                if target:
                    self._label(user, target, "neighbour")
                    yield emit(user, target, when)
            for category, wanted in (
                ("vip", {self.style.labels["vip"]}),
                ("sensitive", set(self.style.labels["sensitive"])),
            ):
                user = pick(employed)
                pool = [p for p in self.chartable if wanted & set(p.labels)]
                when = self._someday(user) if user else self.at(self.start, 0)
                target = stranger(user, pool, [when]) if user and pool else None
                if user and target:
                    self._label(user, target, category)
                    yield emit(user, target, when)
            restricted = self.style.labels.get("restricted")
            if restricted:  # a restricted record opened by someone with no part in the care
                user = pick(employed)
                pool = [p for p in self.chartable if set(restricted["codes"]) & set(p.labels)]
                when = self._someday(user) if user else self.at(self.start, 0)
                target = stranger(user, pool, [when]) if user and pool else None
                if user and target:
                    self._label(user, target, "restricted")
                    yield emit(user, target, when)
            browsing = shape.get("browsing")
            if isinstance(browsing, list):  # the style's shapes in turn
                done = len({u for u, _, c in self.truth if c == "curiosity"})
                browsing = browsing[done % len(browsing)]
            browsers = {
                "front_desk": self.by_function.get("front_desk"),
                "afternoon": self.by_function.get("scheduler"),
            }.get(str(browsing))
            user = pick(browsers or employed)
            if user and browsing == "front_desk":  # 2 to 4 charts a shift, for weeks
                self._label(user, None, "curiosity")
                for offset in range(self.days):
                    day = self.start + timedelta(days=offset)
                    if day.weekday() >= 5 or rng.random() < 0.15:
                        continue
                    for _ in range(rng.randint(2, 4)):
                        when = self.during(*self.shift_of(user, day))
                        target = stranger(user, idle_on(when.date()) or unrelated)
                        if target:
                            yield emit(user, target, when)
            elif user and browsing == "afternoon":  # some forty charts in one afternoon
                self._label(user, None, "curiosity")
                weekdays = [
                    self.start + timedelta(days=o)
                    for o in range(self.days)
                    if (self.start + timedelta(days=o)).weekday() < 5
                ]
                day = rng.choice(weekdays or [self.start])
                for _ in range(rng.randint(35, 45)):
                    when = self.at(day, rng.uniform(13, 17))
                    target = stranger(user, idle_on(day) or unrelated)
                    if target:
                        yield emit(user, target, when)
            elif user:  # browsing: a burst over a few days, or slowly over weeks
                self._label(user, None, "curiosity")
                if browsing == "slow":
                    for offset in range(0, self.days, 2):
                        day = self.start + timedelta(days=offset)
                        for _ in range(rng.randint(1, 2)):
                            when = self.during(*self.shift_of(user, day))
                            target = stranger(user, idle_on(when.date()) or unrelated)
                            if target:
                                yield emit(user, target, when)
                else:
                    first = rng.randrange(0, max(1, self.days - 3))
                    for _ in range(rng.randint(30, 60)):
                        day = self.start + timedelta(days=first + rng.randrange(0, 3))
                        when = self.during(*self.shift_of(user, day))
                        target = stranger(user, idle_on(when.date()) or unrelated)
                        if target:
                            yield emit(user, target, when)
            user = pick(employed)
            times = sorted(self._someday(user) for _ in range(rng.randint(4, 10))) if user else []
            target = stranger(user, unrelated, times) if user else None
            if user and target:
                self._label(user, target, "repeated_lookup")
                for when in times:
                    yield emit(user, target, when)
            user = pick(employed)
            if user:  # exfiltration before leaving: exports, or printing
                user.termination = self.end - timedelta(days=rng.randint(1, 4))
                self._label(user, None, "data_theft")
                printed = shape.get("exfiltration") == "print"
                count = min(rng.randint(80, 200), len(self.chartable))
                for target in rng.sample(self.chartable, count):
                    day = user.termination - timedelta(days=rng.randint(1, 3))
                    when = self.during(*self.shift_of(user, day))
                    yield emit(user, target, when, printed=printed, exported=not printed)
            user = pick(employed)
            if user:
                user.termination = self.start + timedelta(days=max(1, self.days // 3))
                self._label(user, None, "terminated_account")
                for target in rng.sample(self.chartable, rng.randint(3, 8)):
                    later = user.termination + timedelta(
                        days=rng.randint(2, max(2, self.days // 2))
                    )
                    yield emit(user, target, self.during(*self.shift_of(user, later)))
            user = pick([w for w in employed if w.function in ("coder", "biller", "scheduler")])
            if user:  # an account nobody used, used again
                user.dormant = True
                self._label(user, None, "dormant_account")
                day = self.end - timedelta(days=rng.randint(1, 3))
                for target in rng.sample(self.chartable, rng.randint(3, 6)):
                    yield emit(user, target, self.at(day, rng.uniform(9, 16)))
            user = pick([w for w in employed if w.practitioner_id])
            when = self._someday(user) if user else self.at(self.start, 0)
            target = stranger(user, unrelated, [when]) if user else None
            if user and target:
                self._label(user, target, "break_glass")
                yield emit(user, target, when, purpose="ETREAT")
            user = pick(employed)
            dead = [p for p in self.chartable if p.deceased]
            when = self._someday(user) if user else self.at(self.start, 0)
            target = stranger(user, dead, [when]) if user and dead else None
            if user and target:
                self._label(user, target, "deceased")
                yield emit(user, target, when)
            user = pick([w for w in employed if w.shift == "day"])
            if user:
                self._label(user, None, "unusual_hours")
                day = self.start + timedelta(days=rng.randrange(0, self.days - 1))
                for target in rng.sample(unrelated, rng.randint(6, 12)):
                    yield emit(user, target, self.at(day, 26 + rng.uniform(0, 2)))
        # A patient in the news, not flagged: many people with no part in the care look, on
        # one day or over the days the story runs.
        low, high = self.style.misuse["surge_users"]
        spread = int(shape.get("surge_days", 1))
        day = self.start + timedelta(days=self.days // 2)
        if day + timedelta(days=spread) > self.end:
            day = max(self.start, self.end - timedelta(days=spread))
        hour = rng.uniform(7, 14)
        times = [self.at(day + timedelta(days=d), hour) for d in range(spread)]
        times.append(self.at(day + timedelta(days=spread - 1), hour + 6))
        quiet = [p for p in unrelated if idle(p, times)]
        news = rng.choice(quiet or unrelated)
        onlookers = [w for w in employed if w.user_id not in picked]
        if shape.get("surge_from") == "other_campus":  # treated at one campus, read at another
            before = [s for s in self.stays if s.patient is news and s.start < times[0]]
            home = self.style.campus(max(before, key=lambda s: s.start).unit) if before else ""
            campuses = sorted({self.style.campus(u) for u in self.style.units} - {"", home})
            home = home or (campuses.pop(0) if len(campuses) > 1 else "")
            onlookers = [
                w for w in onlookers if self.style.campus(w.unit) not in ("", home)
            ] or onlookers
        for user in rng.sample(onlookers, min(rng.randint(low, high), len(onlookers))):
            self._label(user, news, "surge")
            seen = day + timedelta(days=rng.randrange(spread)) if spread > 1 else day
            yield emit(user, news, self.at(seen, hour + rng.uniform(0, 6)))
        yield from self._proxy_misuse(per_category, emit)
        yield from self._unrostered(emit)

    def _proxy_misuse(self, count: int, emit: Any) -> Iterator[Access]:
        """A parent who gets into their adolescent's confidential record through the portal."""
        hidden = self._hidden()
        if not hidden or not self.proxies:
            return
        rng = self.rng
        parents = [(a, [c for c in kids if hidden in c.labels]) for a, kids in self.proxies]
        parents = [(a, kids) for a, kids in parents if kids]
        for account, kids in rng.sample(parents, min(len(parents), count)):
            teen = rng.choice(kids)
            self._label(account, teen, "proxy_confidential")
            for _ in range(rng.randint(1, 3)):
                day = self.start + timedelta(days=rng.randrange(0, self.days))
                when = self.at(day, rng.uniform(7, 23.5))
                yield emit(account, teen, when, purpose="FAMRQT", subtype="read")

    def _unrostered(self, emit: Any) -> Iterator[Access]:
        """An account that works like a registration clerk, through the EHR, on every
        weekday, and that HR has never heard of."""
        if "unrostered_account" not in self.style.categories:
            return
        rng = self.rng
        n = len(self.workers) + rng.randint(40, 400)
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        units = [u for u in self.style.units if "registrar" in self.style.units[u]["jobs"]]
        unit = units[0] if units else next(iter(self.style.units))
        account = Worker(
            employee_id="",
            user_id=f"{family.lower()[:6]}{given[0].lower()}{n:04d}",
            practitioner_id="",
            family=family,
            given=given,
            birth=date(1980, 1, 1),
            address="",
            city="",
            state="",
            postal="",
            unit=unit,
            function="registrar",
            department="",
            job="",
            shift="day",
            hire=self.start,
            network=f"172.{zlib.crc32(unit.encode()) % 30 + 16}.251.{n % 250}",
        )
        self._label(account, None, "unrostered_account")
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for target in rng.sample(self.chartable, rng.randint(20, 45)):
                when = self.office(day)
                if when is not None:
                    yield emit(account, target, when)


def _address_of(worker: Worker) -> str:
    if worker.network:
        return worker.network
    number = int(worker.employee_id[2:])
    return f"172.{zlib.crc32(worker.unit.encode()) % 30 + 16}.{number % 250}.{number // 250 % 250}"


# --- writing -------------------------------------------------------------------------------


def _write_context(site: Site, fhir: Path) -> dict[str, int]:
    style = site.style
    with _open(fhir / "Organization.ndjson.gz") as out:
        _dump(out, {"resourceType": "Organization", "id": "site", "name": f"{style.name} site"})
        for unit, spec in style.units.items():
            _dump(
                out,
                {
                    "resourceType": "Organization",
                    "id": f"org-{unit}",
                    "name": spec["name"],
                    "partOf": _reference("Organization", "site"),
                },
            )
    clinicians = [w for w in site.workers if w.practitioner_id]
    with _open(fhir / "Practitioner.ndjson.gz") as out:
        for w in clinicians:
            _dump(
                out,
                {
                    "resourceType": "Practitioner",
                    "id": w.practitioner_id,
                    "identifier": [{"system": "urn:example:sso", "value": w.user_id}],
                    "name": [{"family": w.family, "given": [w.given]}],
                },
            )
    if "practitioner_role" not in style.missing:
        sent = style.roles
        with _open(fhir / "PractitionerRole.ndjson.gz") as out:
            for w in clinicians:
                role = FUNCTIONS[w.function][1]
                if sent and role not in sent:
                    continue
                _dump(
                    out,
                    {
                        "resourceType": "PractitionerRole",
                        "id": f"pr-{w.practitioner_id}",
                        "practitioner": _reference("Practitioner", w.practitioner_id),
                        "organization": _reference("Organization", f"org-{w.unit}"),
                        "code": [
                            _coding("http://terminology.hl7.org/CodeSystem/practitioner-role", role)
                        ],
                    },
                )
    with _open(fhir / "Patient.ndjson.gz") as out:
        for p in site.people:
            resource: dict[str, Any] = {
                "resourceType": "Patient",
                "id": p.patient_id,
                "identifier": [
                    {
                        "type": _coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR"),
                        "value": p.mrn,
                    }
                ],
                "name": [{"family": p.family, "given": [p.given]}],
                "gender": p.sex,
                "birthDate": p.birth.isoformat(),
                "address": [
                    {"line": [p.address], "city": p.city, "state": p.state, "postalCode": p.postal}
                ],
            }
            if p.labels:
                resource["meta"] = {"security": [_security(label) for label in p.labels]}
            if p.deceased:
                resource["deceasedBoolean"] = True
            _dump(out, resource)
    appointments = "appointment" not in style.missing
    teams = "care_team" not in style.missing
    with _open(fhir / "Encounter.ndjson.gz") as enc:
        app = _open(fhir / "Appointment.ndjson.gz") if appointments else None
        care = _open(fhir / "CareTeam.ndjson.gz") if teams else None
        try:
            for s in site.stays:
                named = [w for w in s.listed if w.practitioner_id]
                period = {
                    "start": s.start.isoformat(timespec="seconds"),
                    "end": s.end.isoformat(timespec="seconds"),
                }
                _dump(
                    enc,
                    {
                        "resourceType": "Encounter",
                        "id": s.encounter_id,
                        "status": "finished" if s.end.date() < site.end else "in-progress",
                        "class": {"code": s.klass},
                        "subject": _reference("Patient", s.patient.patient_id),
                        "participant": [
                            {"individual": _reference("Practitioner", w.practitioner_id)}
                            for w in named
                        ],
                        "period": period,
                        "serviceProvider": _reference("Organization", f"org-{s.unit}"),
                    },
                )
                if app is not None and s.klass == "AMB":
                    _dump(
                        app,
                        {
                            "resourceType": "Appointment",
                            "id": f"ap-{s.encounter_id}",
                            "status": "booked" if s.start.date() >= site.end else "fulfilled",
                            "created": (s.booked or s.start).isoformat(timespec="seconds"),
                            "start": period["start"],
                            "end": period["end"],
                            "participant": [
                                {"actor": _reference("Patient", s.patient.patient_id)},
                                {"actor": _reference("Practitioner", s.attending.practitioner_id)},
                            ],
                        },
                    )
                if care is not None and s.klass == "IMP":
                    members = [w for w in s.team if w.practitioner_id]
                    _dump(
                        care,
                        {
                            "resourceType": "CareTeam",
                            "id": f"ct-{s.encounter_id}",
                            "subject": _reference("Patient", s.patient.patient_id),
                            "period": period,
                            "participant": [
                                {"member": _reference("Practitioner", w.practitioner_id)}
                                for w in members
                            ],
                            "managingOrganization": [_reference("Organization", f"org-{s.unit}")],
                        },
                    )
        finally:
            for handle in (app, care):
                if handle is not None:
                    handle.close()
    return {
        "departments": len(style.units),
        "practitioners": len(clinicians),
        "patients": len(site.people),
        "encounters": len(site.stays),
    }


def _security(label: str) -> dict[str, str]:
    """A security label: HL7 confidentiality codes with their code system, the site's own
    sensitivity codes as the site sends them (a bare code)."""
    if label in CONFIDENTIALITY_CODES:
        return {"system": CONFIDENTIALITY, "code": label}
    return {"code": label}


def _write_roster(site: Site, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*staff_roster.COLUMNS, "fte"])
        for w in site.workers:
            writer.writerow(
                [
                    w.employee_id,
                    w.user_id,
                    w.practitioner_id,
                    w.family,
                    w.given,
                    w.birth.isoformat(),
                    w.address,
                    w.city,
                    w.state,
                    w.postal,
                    w.department,
                    w.job,
                    w.hire.isoformat(),
                    w.termination.isoformat() if w.termination else "",
                    w.shift,
                    "1.0",
                ]
            )


def _write_truth(path: Path, rows: set[tuple[str, str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "patient_id", "category"])
        writer.writerows(sorted(rows))


class _Spool:
    """Log lines kept in temporary files, one per local day, and given back day by day in
    time order: an export is written a day at a time, sorted, whatever order the
    simulation found the accesses in; memory holds one day."""

    def __init__(self, folder: Path) -> None:
        self.folder = tempfile.TemporaryDirectory(dir=folder, prefix=".spool-")
        self.files: dict[date, TextIO] = {}

    def add(self, day: date, at: float, line: str) -> None:
        handle = self.files.get(day)
        if handle is None:
            path = Path(self.folder.name) / f"{day.isoformat()}.txt"
            handle = self.files[day] = path.open("w", encoding="utf-8")
        handle.write(f"{at:.6f}\t{line}\n")

    def days(self) -> Iterator[tuple[date, Iterator[str]]]:
        try:
            for day in sorted(self.files):
                self.files[day].close()
                path = Path(self.folder.name) / f"{day.isoformat()}.txt"
                rows = path.read_text(encoding="utf-8").splitlines()
                path.unlink()
                rows.sort(key=lambda row: float(row[: row.index("\t")]))
                yield day, (row[row.index("\t") + 1 :] for row in rows)
                del rows
        finally:
            for handle in self.files.values():
                handle.close()
            self.folder.cleanup()


def _workstation(site: Site, user: Worker) -> str:
    if not user.employee_id:
        return ""
    campus = (site.style.campus(user.unit) or "SYS")[:3].upper()
    return f"{campus}-{zlib.crc32(user.unit.encode()) % 900 + 100}-{user.shift[0].upper()}"


CSV_ACTIONS = {"read": "read", "vread": "read", "search-type": "search", "update": "update"}


def _write_csv(site: Site, out: Path, accesses: Iterator[Access]) -> None:
    """The site's own access export: its column names, its activity words, local wall-clock
    times, a gzip file a day; and the profile its administrator wrote for Hygeia."""
    log, zone = site.style.log, site.style.zone
    columns: dict[str, str] = log["columns"]
    words: dict[str, str] = log["activities"]
    folder = out / log["folder"]
    folder.mkdir(parents=True, exist_ok=True)
    spool = _Spool(out)
    for access in accesses:
        local = access.when.astimezone(zone)
        user = access.user
        cells = {
            "time": local.strftime(log["time_format"]),
            "user_login": user.user_id.upper() if log.get("upper_logins") else user.user_id,
            "patient": access.patient.mrn,
            "action": words[access.subtype],
            "purpose_of_use": access.purpose,
            "break_glass": "Y" if access.purpose == "ETREAT" else "N",
            "workstation": _workstation(site, user),
            "network_address": _address_of(user),
        }
        line = ",".join(cells.get(field, "") for field in columns if field != "event_id")
        spool.add(local.date(), access.when.timestamp(), line)
    header = ",".join(columns.values())
    number = int(log.get("first_id", 1))
    for day, rows in spool.days():
        with gzip.open(folder / day.strftime(log["file"]), "wt", encoding="utf-8") as handle:
            handle.write(header + "\n")
            for row in rows:
                handle.write(f"{number},{row}\n" if "event_id" in columns else f"{row}\n")
                number += 1
    actions = {words[k]: CSV_ACTIONS.get(k, k) for k in words}
    lines = [
        f"# Hygeia profile for the nightly access export of {log['system']} ({site.style.name}).",
        "# Written by the EHR security team. Exports land in "
        f"{log['folder']}/ as one gzip file a day.",
        f"# Ingest: {ingest_command(out, site.style)}",
        f"name: {site.style.name}-access-export",
        "version: 1",
        f"description: {log['system']} user access audit export (nightly, one file a day)",
        'delimiter: ","',
        "columns:",
        *(f"  {field}: {name}" for field, name in columns.items()),
        f"source_system: {log['system']}",
        "time:",
        f'  format: "{log["time_format"]}"',
        f"  timezone: {zone.key}",
        "  ambiguous: earliest",
        "  nonexistent: shift_forward",
        "patient_id: mrn",
        'break_glass_values: ["Y"]',
        "actions:",
        "  otherwise: quarantine",
        "  map:",
        *(f"    {word}: {action}" for word, action in actions.items()),
    ]
    (out / log["profile"]).write_text("\n".join(lines) + "\n", encoding="utf-8")


ATNA_ACTIONS = {"update": "U"}


def _write_atna(site: Site, out: Path, accesses: Iterator[Access]) -> None:
    """IHE ATNA audit messages (DICOM PS3.15 A.5), a file a day, from the EHR, the family
    portal and the interfaces, each under its own AuditSourceID."""
    log, zone = site.style.log, site.style.zone
    words: dict[str, str] = log["activities"]
    folder = out / log["folder"]
    folder.mkdir(parents=True, exist_ok=True)
    authority = log["assigning_authority"]
    spool = _Spool(out)
    for access in accesses:
        user, subtype = access.user, access.subtype
        local = access.when.astimezone(zone)
        exported = subtype == "export"
        event_id = (
            '<EventID csd-code="110106" codeSystemName="DCM" originalText="Export"/>'
            if exported
            else '<EventID csd-code="110110" codeSystemName="DCM" originalText="Patient Record"/>'
        )
        source = user.source or log["source"]
        mrn = f"{access.patient.mrn}^^^{authority}^MR"
        message = (
            f'<AuditMessage><EventIdentification EventActionCode="{ATNA_ACTIONS.get(subtype, "R")}"'
            f' EventDateTime="{local.isoformat(timespec="microseconds")}"'
            f' EventOutcomeIndicator="0">{event_id}'
            f'<EventTypeCode csd-code="{words[subtype]}" codeSystemName="{log["type_system"]}"/>'
            f'<PurposeOfUse csd-code="{access.purpose}" codeSystemName="v3-ActReason"/>'
            "</EventIdentification>"
            f'<ActiveParticipant UserID={quoteattr(user.user_id)} UserIsRequestor="true"'
            f' NetworkAccessPointID="{_address_of(user)}" NetworkAccessPointTypeCode="2"/>'
            f'<ActiveParticipant UserID={quoteattr(source)} UserIsRequestor="false">'
            '<RoleIDCode csd-code="110150" codeSystemName="DCM" originalText="Application"/>'
            "</ActiveParticipant>"
            f"<AuditSourceIdentification AuditEnterpriseSiteID={quoteattr(log['site'])}"
            f" AuditSourceID={quoteattr(source)}>"
            '<AuditSourceTypeCode csd-code="4"/></AuditSourceIdentification>'
            f"<ParticipantObjectIdentification ParticipantObjectID={quoteattr(mrn)}"
            ' ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">'
            '<ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881"'
            ' originalText="Patient Number"/></ParticipantObjectIdentification></AuditMessage>'
        )
        spool.add(local.date(), access.when.timestamp(), message)
    for day, messages in spool.days():
        with (folder / day.strftime(log["file"])).open("w", encoding="utf-8") as handle:
            handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<AuditMessages>\n')
            for message in messages:
                handle.write(message + "\n")
            handle.write("</AuditMessages>\n")


def inputs(out: Path, style: Style) -> tuple[list[Path], str | None]:
    """What `hygeia privacy ingest` is given for a hospital written under `out`: the paths,
    and the CSV profile when the access log needs one."""
    paths = [out / "fhir", out / "staff.csv"]
    kind = style.log.get("format", "fhir")
    if kind == "fhir":
        return paths, None
    paths.append(out / style.log["folder"])
    return paths, str(out / style.log["profile"]) if kind == "csv" else None


def ingest_command(out: Path, style: Style) -> str:
    paths, profile = inputs(out, style)
    command = "hygeia privacy ingest " + " ".join(str(p) for p in paths)
    return f"{command} --profile {profile}" if profile else command


def simulate_style(
    out: Path, style_name: str, staff: int = 2000, patients: int = 0, days: int = 30, seed: int = 1
) -> dict[str, Any]:
    """Write a hospital of the named style under `out` (see the module's docstring)."""
    style = Style.load(style_name)
    site = Site(style, staff, patients, days, seed)
    fhir = out / "fhir"
    fhir.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    # Misuse first: it sets terminations the care then respects.
    accesses = itertools.chain(site.misuse(), site.legitimate())
    kind = style.log.get("format", "fhir")
    if kind == "csv":
        _write_csv(site, out, accesses)
    elif kind == "atna":
        _write_atna(site, out, accesses)
    else:
        with _open(fhir / "AuditEvent.ndjson.gz") as events:
            for access in accesses:
                _dump(events, site.auditevent(access))
    counts = _write_context(site, fhir)
    _write_roster(site, out / "staff.csv")
    _write_truth(out / "truth" / "ground_truth.csv", site.truth)
    _write_truth(out / "truth" / "misuse_pairs.csv", site.opened)
    found = {c for _, _, c in site.truth}
    summary: dict[str, Any] = {
        "out": str(out),
        "style": style.name,
        "staff": len(site.workers),
        **counts,
        "access_events": site.event_count,
        "labelled_misuse": len(site.truth),
        "categories": len(found & set(style.categories)),
        "first_day": site.start.isoformat(),
        "days": days,
        "access_log": kind,
    }
    if site.proxies:
        summary["portal_accounts"] = len(site.proxies)
    summary["ingest"] = ingest_command(out, style)
    return summary
