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
"""

from __future__ import annotations

import csv
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from hygeia.privacy.hospital import CATEGORIES, Person, _coding, _dump, _open, _reference
from hygeia.privacy.simulate import CITIES, FAMILY, GIVEN, STREETS
from hygeia.privacy.sources import staff_roster

STYLES = Path(__file__).resolve().parent / "site_styles"
HISTORY_DAYS = 150  # encounters before the window: billing, release of information, quality
FUTURE_DAYS = 60  # appointments booked after the window: scheduling and pre-registration
TOUCHES = {"AMB": 4, "EMER": 10, "IMP": 22}
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
}
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
        )

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
        self._hire(staff)
        self._populate(patients or staff * 10)
        self.household_of = {p.patient_id: p.household for p in self.people}
        self._admit()

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

    def _populate(self, count: int) -> None:
        rng = self.rng
        shared = float(self.style.misuse.get("family_shared_surname", 0.5))
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
                birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 30000))
                self._patient(surname, rng.choice(GIVEN), birth, home, house)
        vip, sensitive = self.style.labels["vip"], list(self.style.labels["sensitive"])
        while len(self.people) < count:
            house += 1
            home = self._home()
            family = rng.choice(FAMILY)
            for _ in range(min(rng.choice([1, 1, 2, 2, 3, 4]), count - len(self.people))):
                birth = date(1932, 1, 1) + timedelta(days=rng.randrange(0, 33000))
                person = self._patient(family, rng.choice(GIVEN), birth, home, house)
                roll = rng.random()
                if roll < 0.004:
                    person.labels.append(vip)
                elif roll < 0.035:
                    person.labels.append(rng.choice(sensitive))
                person.deceased = rng.random() < 0.01

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
        living = [p for p in self.people if not p.deceased]
        first = self.start - timedelta(days=HISTORY_DAYS)
        total_days = HISTORY_DAYS + self.days + FUTURE_DAYS
        wanted = int(len(self.people) * 0.4 * total_days / 30)
        hospitalists = self.by_function.get("hospitalist", [])
        for index in range(wanted):
            unit = rng.choice(care_units)
            klass = rng.choice(self.style.classes(unit))
            day = first + timedelta(days=rng.randrange(0, total_days))
            if klass == "AMB":
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
            size = min({"AMB": 1, "EMER": 3, "IMP": 5}[klass], len(bedside))
            team = [attending, *rng.sample(bedside, size)]
            residents = self._of(unit, ("resident",))
            if residents and klass != "AMB":
                team.insert(1, rng.choice(residents))
            listed = team[: int(self.style.workflows.get("participants", 2))]
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
    ) -> dict[str, Any]:
        self.event_count += 1
        local = when.astimezone(self.style.zone)
        who: dict[str, Any] = {"identifier": {"system": "urn:example:sso", "value": user.user_id}}
        if user.practitioner_id:
            who["reference"] = f"Practitioner/{user.practitioner_id}"
        if kind.get("printed"):
            kind_coding = {"system": "urn:example:ehr:activity", "code": "print"}
            subtype = "print"
        elif kind.get("exported"):
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
            subtype = self.rng.choice(["read", "read", "read", "vread", "search-type", "update"])
        return {
            "resourceType": "AuditEvent",
            "id": f"{self.style.name}-{self.seed}-{self.event_count}",
            "type": kind_coding,
            "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": subtype}],
            "action": "U" if subtype == "update" else "R",
            "recorded": local.isoformat(timespec="seconds"),
            "outcome": "0",
            "purposeOfEvent": [
                _coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", purpose)
            ],
            "agent": [
                {
                    "who": who,
                    "requestor": True,
                    "network": {"address": _address_of(user), "type": "2"},
                }
            ],
            "source": {"observer": {"display": f"{self.style.name.upper()}-EHR"}},
            "entity": [
                {
                    "what": _reference("Patient", patient.patient_id),
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

    def legitimate(self) -> Iterator[dict[str, Any]]:
        for stay in self.stays:
            yield from (e for e in self._care(stay) if e is not None)
        yield from (e for e in self._shifts() if e is not None)
        yield from (e for e in self._office_queues() if e is not None)

    def _care(self, stay: Stay) -> Iterator[dict[str, Any] | None]:
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
        if stay.klass == "AMB":
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
        if stay.klass != "AMB" or rng.random() < 0.3:
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

    def _services(self, stay: Stay) -> Iterator[dict[str, Any] | None]:
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
            if stay.klass == "AMB":
                continue
            day = stay.start.astimezone(self.style.zone).date()
            while day <= stay.end.astimezone(self.style.zone).date():
                if self.start <= day < self.end:
                    found.setdefault((stay.unit, day), []).append(stay)
                day += timedelta(days=1)
        return found

    def _shifts(self) -> Iterator[dict[str, Any] | None]:
        """Chart work on the unit's patients by whoever is on shift there, and the float pool
        sent each shift to a unit that needs hands."""
        rng = self.rng
        active = self._active()
        ward_units = [u for u in self.style.units if set(self.style.classes(u)) & {"IMP", "EMER"}]
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
                ):
                    continue
                if rng.random() < 0.32:  # a day off
                    continue
                unit = rng.choice(ward_units) if worker.function == "float_nurse" else worker.unit
                stays = active.get((unit, day))
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
                for _ in range(rng.randint(*CHART_WORK_PER_SHIFT)):
                    stay = rng.choice(stays)
                    yield self._if_open(worker, stay.patient, self.during(begin, end))

    def _office_queues(self) -> Iterator[dict[str, Any] | None]:
        """Work queues that are not tied to one stay: release of information prints charts
        of past visits; research coordinators screen the clinic lists."""
        rng = self.rng
        past = [s for s in self.stays if s.end.date() < self.end]
        screened = [s for s in self.stays if s.unit in ("oncology", "cardiology")]
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

    # --- misuse (labelled) ----------------------------------------------------------------

    def _label(self, user: Worker, patient: Person | None, category: str) -> None:
        self.truth.add((user.user_id, patient.patient_id if patient else "", category))
        self.category_of[user.user_id] = category

    def _someday(self, user: Worker) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange(0, self.days))
        return self.during(*self.shift_of(user, day))

    def misuse(self) -> Iterator[dict[str, Any]]:
        rng, shape = self.rng, self.style.misuse
        employed = [w for w in self.workers if w.function != "analyst"]
        staff_patients = [w for w in employed if w.patient_id]
        people = {p.patient_id: p for p in self.people}
        households: dict[int, list[Person]] = {}
        for person in self.people:
            households.setdefault(person.household, []).append(person)
        cared = {(s.unit, s.patient.patient_id) for s in self.stays}
        unrelated = [p for p in self.people if not p.labels]
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
                    for p in self.people
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
                pool = [p for p in self.people if wanted & set(p.labels)]
                when = self._someday(user) if user else self.at(self.start, 0)
                target = stranger(user, pool, [when]) if user and pool else None
                if user and target:
                    self._label(user, target, category)
                    yield emit(user, target, when)
            user = pick(employed)
            if user:  # browsing: a burst over a few days, or slowly over weeks
                self._label(user, None, "curiosity")
                if shape.get("browsing") == "slow":
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
                for target in rng.sample(self.people, min(rng.randint(80, 200), len(self.people))):
                    day = user.termination - timedelta(days=rng.randint(1, 3))
                    when = self.during(*self.shift_of(user, day))
                    yield emit(user, target, when, printed=printed, exported=not printed)
            user = pick(employed)
            if user:
                user.termination = self.start + timedelta(days=max(1, self.days // 3))
                self._label(user, None, "terminated_account")
                for target in rng.sample(self.people, rng.randint(3, 8)):
                    later = user.termination + timedelta(
                        days=rng.randint(2, max(2, self.days // 2))
                    )
                    yield emit(user, target, self.during(*self.shift_of(user, later)))
            user = pick([w for w in employed if w.function in ("coder", "biller", "scheduler")])
            if user:  # an account nobody used, used again
                user.dormant = True
                self._label(user, None, "dormant_account")
                day = self.end - timedelta(days=rng.randint(1, 3))
                for target in rng.sample(self.people, rng.randint(3, 6)):
                    yield emit(user, target, self.at(day, rng.uniform(9, 16)))
            user = pick([w for w in employed if w.practitioner_id])
            when = self._someday(user) if user else self.at(self.start, 0)
            target = stranger(user, unrelated, [when]) if user else None
            if user and target:
                self._label(user, target, "break_glass")
                yield emit(user, target, when, purpose="ETREAT")
            user = pick(employed)
            dead = [p for p in self.people if p.deceased]
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
        # A patient in the news, not flagged: many people with no part in the care look.
        low, high = self.style.misuse["surge_users"]
        day = self.start + timedelta(days=self.days // 2)
        hour = rng.uniform(7, 14)
        quiet = [p for p in unrelated if idle(p, [self.at(day, hour), self.at(day, hour + 6)])]
        news = rng.choice(quiet or unrelated)
        for user in rng.sample(
            [w for w in employed if w.user_id not in picked], rng.randint(low, high)
        ):
            self._label(user, news, "surge")
            yield emit(user, news, self.at(day, hour + rng.uniform(0, 6)))


def _address_of(worker: Worker) -> str:
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
        with _open(fhir / "PractitionerRole.ndjson.gz") as out:
            for w in clinicians:
                role = FUNCTIONS[w.function][1]
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
                resource["meta"] = {"security": [{"code": label} for label in p.labels]}
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


def simulate_style(
    out: Path, style_name: str, staff: int = 2000, patients: int = 0, days: int = 30, seed: int = 1
) -> dict[str, Any]:
    """Write a hospital of the named style under `out` (see the module's docstring)."""
    style = Style.load(style_name)
    site = Site(style, staff, patients, days, seed)
    fhir = out / "fhir"
    fhir.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    with _open(fhir / "AuditEvent.ndjson.gz") as events:
        for resource in site.misuse():  # first: it sets terminations the care then respects
            _dump(events, resource)
        for resource in site.legitimate():
            _dump(events, resource)
    counts = _write_context(site, fhir)
    _write_roster(site, out / "staff.csv")
    _write_truth(out / "truth" / "ground_truth.csv", site.truth)
    _write_truth(out / "truth" / "misuse_pairs.csv", site.opened)
    found = {c for _, _, c in site.truth}
    return {
        "out": str(out),
        "style": style.name,
        "staff": len(site.workers),
        **counts,
        "access_events": site.event_count,
        "labelled_misuse": len(site.truth),
        "categories": len(found & set(CATEGORIES)),
        "first_day": site.start.isoformat(),
        "days": days,
    }
