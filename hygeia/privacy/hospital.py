"""A synthetic hospital for the demo, the tests and the detection benchmarks. Everything is
made up; the same seed always gives the same hospital.

What it writes (see `simulate`): a staff roster; FHIR Organization (departments), Practitioner,
PractitionerRole, Patient, Encounter, Appointment and CareTeam; and AuditEvents for a window
of days that contains both daylight-saving changes when the window allows (the start date is
chosen so that it does). Legitimate access follows care: encounter participants and care
teams, colleagues covering a unit, ancillary services during stays, registration before
visits, coding and billing after discharge, consults, night shifts, emergency break-the-glass.
Inappropriate access is injected and labelled in truth/ground_truth.csv.
"""

from __future__ import annotations

import csv
import gzip
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import orjson

from hygeia.privacy.simulate import CITIES, FAMILY, GIVEN, STREETS
from hygeia.privacy.sources import staff_roster

ZONE = ZoneInfo("America/Chicago")
HOSPITAL_ID = "org-hospital"
SYSTEM = "EHR-SIM"
EVENTS_PER_CLINICIAN_DAY = 120  # chart accesses by a clinician on a working day, on average

# department: (share of staff, [(job title, share, clinical, role code)])
DEPARTMENTS: dict[str, tuple[float, list[tuple[str, float, bool, str]]]] = {
    "Emergency": (
        0.12,
        [
            ("Physician", 0.2, True, "doctor"),
            ("Registered Nurse", 0.6, True, "nurse"),
            ("Unit Clerk", 0.2, False, ""),
        ],
    ),
    "Internal Medicine": (
        0.16,
        [
            ("Physician", 0.2, True, "doctor"),
            ("Registered Nurse", 0.6, True, "nurse"),
            ("Unit Clerk", 0.2, False, ""),
        ],
    ),
    "Cardiology": (
        0.07,
        [
            ("Physician", 0.3, True, "doctor"),
            ("Registered Nurse", 0.5, True, "nurse"),
            ("Medical Assistant", 0.2, True, "nurse"),
        ],
    ),
    "Oncology": (
        0.07,
        [
            ("Physician", 0.3, True, "doctor"),
            ("Registered Nurse", 0.5, True, "nurse"),
            ("Medical Assistant", 0.2, True, "nurse"),
        ],
    ),
    "Pediatrics": (
        0.07,
        [
            ("Physician", 0.3, True, "doctor"),
            ("Registered Nurse", 0.5, True, "nurse"),
            ("Medical Assistant", 0.2, True, "nurse"),
        ],
    ),
    "Obstetrics": (
        0.06,
        [("Physician", 0.3, True, "doctor"), ("Registered Nurse", 0.7, True, "nurse")],
    ),
    "Surgery": (0.09, [("Surgeon", 0.3, True, "doctor"), ("Registered Nurse", 0.7, True, "nurse")]),
    "Behavioral Health": (
        0.04,
        [("Psychiatrist", 0.3, True, "doctor"), ("Counselor", 0.7, True, "nurse")],
    ),
    "Radiology": (
        0.05,
        [("Radiologist", 0.3, True, "doctor"), ("Radiology Technologist", 0.7, True, "ict")],
    ),
    "Laboratory": (0.06, [("Laboratory Technologist", 1.0, True, "ict")]),
    "Pharmacy": (0.05, [("Pharmacist", 1.0, True, "pharmacist")]),
    "Registration": (0.06, [("Patient Access Representative", 1.0, False, "")]),
    "Health Information Management": (0.04, [("Medical Coder", 1.0, False, "")]),
    "Patient Financial Services": (0.04, [("Billing Specialist", 1.0, False, "")]),
    "Information Technology": (0.02, [("Analyst", 1.0, False, "")]),
}
CARE_DEPARTMENTS = [
    "Emergency",
    "Internal Medicine",
    "Cardiology",
    "Oncology",
    "Pediatrics",
    "Obstetrics",
    "Surgery",
    "Behavioral Health",
]
ANCILLARY = ("Radiology", "Laboratory", "Pharmacy")
SHIFTS = {"day": 7, "evening": 15, "night": 23}  # start hour, 8-hour shifts
CATEGORIES = (
    "self",
    "family",
    "coworker",
    "neighbour",
    "vip",
    "sensitive",
    "surge",
    "curiosity",
    "repeated_lookup",
    "data_theft",
    "terminated_account",
    "dormant_account",
    "break_glass",
    "deceased",
    "unusual_hours",
)


@dataclass(eq=False)
class Staff:
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
    department: str
    job: str
    clinical: bool
    role_code: str
    hire: date
    termination: date | None
    shift: str
    patient_id: str = ""  # the staff member's own record, when they are a patient here
    dormant: bool = False  # no activity in the window until the labelled misuse


@dataclass(eq=False)
class Person:
    patient_id: str
    mrn: str
    family: str
    given: str
    birth: date
    sex: str
    address: str
    city: str
    state: str
    postal: str
    labels: list[str] = field(default_factory=list)
    deceased: bool = False
    household: int = 0


@dataclass(eq=False)
class Visit:
    encounter_id: str
    patient: Person
    klass: str  # AMB, EMER, IMP
    department: str
    start: datetime
    end: datetime
    team: list[Staff]


class Hospital:
    def __init__(self, staff: int, patients: int, days: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (synthetic data)
        self.seed = seed
        self.days = days
        year = 2024 + seed % 2  # in the past, whatever the seed: future events are refused
        # Start a week before the autumn change so a 30-day window holds it; a window longer
        # than ~4 months also holds the spring change.
        self.start = self._autumn_change(year) - timedelta(days=min(7, max(days // 4, 1)))
        if days >= 240:
            self.start = self._spring_change(year) - timedelta(days=7)
        self.staff: list[Staff] = []
        self.people: list[Person] = []
        self.visits: list[Visit] = []
        self.truth: list[tuple[str, str, str]] = []
        self.event_count = 0
        self.active: set[str] = set()  # users with at least one event
        self._make_staff(staff)
        self._make_people(patients or staff * 10)
        self._make_visits()

    # --- calendar -------------------------------------------------------------------------

    @staticmethod
    def _first_sunday(year: int, month: int, nth: int) -> date:
        day = date(year, month, 1)
        day += timedelta(days=(6 - day.weekday()) % 7)
        return day + timedelta(weeks=nth - 1)

    def _autumn_change(self, year: int) -> date:
        return self._first_sunday(year, 11, 1)

    def _spring_change(self, year: int) -> date:
        return self._first_sunday(year, 3, 2)

    def local(self, day: date, hour: float) -> datetime:
        """A local wall-clock time on `day` (hour may exceed 24), as an aware datetime."""
        naive = datetime(day.year, day.month, day.day) + timedelta(hours=hour)
        return naive.replace(tzinfo=ZONE)

    # --- people ---------------------------------------------------------------------------

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(FAMILY), self.rng.choice(GIVEN)

    def _address(self) -> tuple[str, str, str, str]:
        city, state, zip3 = self.rng.choice(CITIES)
        street = f"{self.rng.randrange(1, 9999)} {self.rng.choice(STREETS)}"
        return street, city, state, f"{zip3}{self.rng.randrange(0, 99):02d}"

    def _make_staff(self, count: int) -> None:
        rng = self.rng
        names = list(DEPARTMENTS)
        weights = [DEPARTMENTS[n][0] for n in names]
        for index in range(count):
            department = rng.choices(names, weights)[0]
            jobs = DEPARTMENTS[department][1]
            job, _, clinical, role = rng.choices(jobs, [j[1] for j in jobs])[0]
            family, given = self._name()
            street, city, state, postal = self._address()
            hire = self.start - timedelta(days=rng.randrange(30, 9000))
            shift = rng.choices(["day", "evening", "night"], [0.6, 0.2, 0.2])[0]
            if not clinical:
                shift = "day"
            self.staff.append(
                Staff(
                    employee_id=f"E{index + 1:06d}",
                    user_id=f"{given[0].lower()}{family.lower()}{index + 1}",
                    practitioner_id=f"pr-{index + 1:06d}" if clinical else "",
                    family=family,
                    given=given,
                    birth=date(1955, 1, 1) + timedelta(days=rng.randrange(0, 16000)),
                    address=street,
                    city=city,
                    state=state,
                    postal=postal,
                    department=department,
                    job=job,
                    clinical=clinical,
                    role_code=role,
                    hire=hire,
                    termination=None,
                    shift=shift,
                )
            )
        self.by_department: dict[str, list[Staff]] = {}
        for member in self.staff:
            self.by_department.setdefault(member.department, []).append(member)

    def _person(
        self,
        index: int,
        family: str,
        given: str,
        birth: date,
        home: tuple[str, str, str, str],
        household: int,
    ) -> Person:
        street, city, state, postal = home
        return Person(
            patient_id=f"pt-{index + 1:07d}",
            mrn=f"M{self.seed:02d}{index + 1:07d}",
            family=family,
            given=given,
            birth=birth,
            sex=self.rng.choice(["female", "male"]),
            address=street,
            city=city,
            state=state,
            postal=postal,
            household=household,
        )

    def _make_people(self, count: int) -> None:
        rng = self.rng
        household = 0
        # Staff who are also patients, and their households (family members).
        for member in self.staff:
            if len(self.people) >= count // 3 or rng.random() > 0.35:
                continue
            household += 1
            home = (member.address, member.city, member.state, member.postal)
            me = self._person(
                len(self.people), member.family, member.given, member.birth, home, household
            )
            me.labels.append("EMP")
            member.patient_id = me.patient_id
            self.people.append(me)
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                family = member.family if rng.random() < 0.7 else self._name()[0]
                relative = self._person(
                    len(self.people),
                    family,
                    self._name()[1],
                    date(1940, 1, 1) + timedelta(days=rng.randrange(0, 30000)),
                    home,
                    household,
                )
                self.people.append(relative)
        # Everyone else, in households of one to five.
        while len(self.people) < count:
            household += 1
            home = self._address()
            family = self._name()[0]
            for _ in range(min(rng.choice([1, 1, 2, 2, 3, 4, 5]), count - len(self.people))):
                surname = family if rng.random() < 0.75 else self._name()[0]
                person = self._person(
                    len(self.people),
                    surname,
                    self._name()[1],
                    date(1935, 1, 1) + timedelta(days=rng.randrange(0, 32000)),
                    home,
                    household,
                )
                roll = rng.random()
                if roll < 0.003:
                    person.labels.append("CEL")
                elif roll < 0.03:
                    person.labels.append(rng.choice(["PSY", "HIV", "ETH"]))
                person.deceased = rng.random() < 0.01
                self.people.append(person)

    # --- care -----------------------------------------------------------------------------

    def _team(self, department: str, size: int) -> list[Staff]:
        pool = [s for s in self.by_department.get(department, []) if s.clinical]
        return self.rng.sample(pool, min(size, len(pool))) if pool else []

    def _make_visits(self) -> None:
        rng = self.rng
        living = [p for p in self.people if not p.deceased]
        visits_wanted = int(len(self.people) * 0.4 * self.days / 30) + 1
        for index in range(visits_wanted):
            patient = rng.choice(living)
            klass = rng.choices(["AMB", "EMER", "IMP"], [0.6, 0.25, 0.15])[0]
            if klass == "EMER":
                department = "Emergency"
            else:
                department = rng.choice([d for d in CARE_DEPARTMENTS if d != "Emergency"])
            day = self.start + timedelta(days=rng.randrange(0, self.days))
            begin = self.local(day, rng.uniform(7, 18) if klass == "AMB" else rng.uniform(0, 24))
            length = {
                "AMB": timedelta(minutes=40),
                "EMER": timedelta(hours=rng.uniform(2, 9)),
                "IMP": timedelta(days=rng.uniform(1, 6)),
            }[klass]
            team = self._team(department, {"AMB": 2, "EMER": 4, "IMP": 6}[klass])
            if not team:
                continue
            self.visits.append(
                Visit(
                    f"enc-{index + 1:07d}", patient, klass, department, begin, begin + length, team
                )
            )

    # --- access events --------------------------------------------------------------------

    def event(
        self,
        user: Staff,
        patient: Person | None,
        when: datetime,
        action: str = "R",
        subtype: str = "read",
        purpose: str = "TREAT",
        resource: str = "Observation",
        export: bool = False,
    ) -> dict[str, Any]:
        self.event_count += 1
        self.active.add(user.user_id)
        who: dict[str, Any] = {"identifier": {"value": user.user_id}}
        if user.practitioner_id:
            who["reference"] = f"Practitioner/{user.practitioner_id}"
        local = when.astimezone(ZONE)
        entity = []
        if patient is not None:
            entity.append(
                {
                    "what": {"reference": f"Patient/{patient.patient_id}"},
                    "type": {
                        "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                        "code": "1",
                    },
                    "role": {
                        "system": "http://terminology.hl7.org/CodeSystem/object-role",
                        "code": "1",
                    },
                }
            )
            entity.append({"what": {"reference": f"{resource}/{self.rng.randrange(10**8)}"}})
        kind = (
            {
                "system": "http://dicom.nema.org/resources/ontology/DCM",
                "code": "110106",
                "display": "Export",
            }
            if export
            else {
                "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                "code": "rest",
            }
        )
        return {
            "resourceType": "AuditEvent",
            "id": f"ae-{self.seed}-{self.event_count}",
            "type": kind,
            "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": subtype}],
            "action": action,
            "recorded": local.isoformat(timespec="seconds"),
            "outcome": "0",
            "purposeOfEvent": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                            "code": purpose,
                        }
                    ]
                }
            ],
            "agent": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                            }
                        ]
                    },
                    "who": who,
                    "altId": user.user_id,
                    "requestor": True,
                    "network": {
                        "address": _workstation_address(user),
                        "type": "2",
                    },
                },
            ],
            "source": {"observer": {"display": SYSTEM}},
            "entity": entity,
        }

    def _on_shift(self, member: Staff, day: date) -> tuple[datetime, datetime]:
        start = self.local(day, SHIFTS[member.shift] + self.rng.uniform(-0.5, 0.5))
        return start, start + timedelta(hours=8)

    def _within(self, start: datetime, end: datetime) -> datetime:
        span = (end - start).total_seconds()
        return start + timedelta(seconds=self.rng.uniform(0, max(span, 60)))

    def _on_duty(self, pool: list[Staff], when: datetime) -> Staff:
        """Someone from `pool` whose shift covers `when` (anyone, if nobody's does)."""
        hour = when.astimezone(ZONE).hour
        working = [m for m in pool if (hour - SHIFTS[m.shift]) % 24 < 8]
        return self.rng.choice(working or pool)

    def _office_hours(self, day: date) -> datetime:
        """A time in a day shift: when registration, coding and billing work."""
        return self.local(day, SHIFTS["day"] + self.rng.uniform(0, 8))

    def legitimate(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        window_end = self.local(self.start + timedelta(days=self.days), 0)
        registrars = self.by_department.get("Registration", [])
        coders = self.by_department.get(
            "Health Information Management", []
        ) + self.by_department.get("Patient Financial Services", [])
        for visit in self.visits:
            end = min(visit.end, window_end)
            touches = {"AMB": 4, "EMER": 10, "IMP": 25}[visit.klass]
            for _ in range(touches):
                when = self._within(visit.start, end)
                yield self.event(
                    self._on_duty(visit.team, when),
                    visit.patient,
                    when,
                    *rng.choice(
                        [
                            ("R", "read"),
                            ("R", "read"),
                            ("R", "read"),
                            ("U", "update"),
                            ("R", "search-type"),
                        ]
                    ),
                )
            if visit.klass == "EMER" and rng.random() < 0.05:
                yield self.event(
                    visit.team[0], visit.patient, self._within(visit.start, end), purpose="ETREAT"
                )
            if visit.klass in ("IMP", "EMER"):
                for service in ANCILLARY:
                    staff = self.by_department.get(service, [])
                    if staff and rng.random() < 0.7:
                        when = self._within(visit.start, end)
                        yield self.event(self._on_duty(staff, when), visit.patient, when)
                colleagues = self._team(visit.department, 2)
                for member in colleagues:  # covering colleagues on the unit
                    yield self.event(member, visit.patient, self._within(visit.start, end))
            if visit.klass == "AMB" and registrars:
                before = (visit.start - timedelta(days=rng.choice([0, 1, 1, 2]))).date()
                when = min(self._office_hours(before), visit.start - timedelta(minutes=20))
                yield self.event(
                    rng.choice(registrars),
                    visit.patient,
                    when,
                    subtype="search-type",
                    resource="Patient",
                )
            if visit.klass == "IMP" and rng.random() < 0.5:  # a consult from another department
                other = self._team(rng.choice(CARE_DEPARTMENTS), 1)
                if other:
                    visit.team.append(other[0])
                    yield self.event(other[0], visit.patient, self._within(visit.start, end))
            if coders and visit.klass != "AMB":
                after = self._office_hours((visit.end + timedelta(days=rng.randint(1, 4))).date())
                if after < window_end:
                    yield self.event(rng.choice(coders), visit.patient, after)

    # --- inappropriate access (labelled) --------------------------------------------------

    def _label(self, user: Staff, patient: Person | None, category: str) -> None:
        self.truth.append((user.user_id, patient.patient_id if patient else "", category))

    def _when_on_shift(self, user: Staff) -> datetime:
        day = self.start + timedelta(days=self.rng.randrange(0, self.days))
        return self._within(*self._on_shift(user, day))

    def misuse(self) -> Iterator[dict[str, Any]]:
        rng = self.rng
        users = [s for s in self.staff if s.termination is None]
        per_category = max(2, len(self.staff) // 250)
        by_household: dict[int, list[Person]] = {}
        for person in self.people:
            by_household.setdefault(person.household, []).append(person)
        staff_patients = [s for s in users if s.patient_id]
        people_by_id = {p.patient_id: p for p in self.people}
        picked: set[str] = set()

        def pick(pool: list[Staff]) -> Staff | None:
            candidates = [s for s in pool if s.user_id not in picked]
            if not candidates:
                return None
            chosen = rng.choice(candidates)
            picked.add(chosen.user_id)
            return chosen

        for _ in range(per_category):
            user = pick(staff_patients)
            if user:  # self
                me = people_by_id[user.patient_id]
                self._label(user, me, "self")
                yield self.event(user, me, self._when_on_shift(user))
            user = pick(staff_patients)
            if user:  # family
                me = people_by_id[user.patient_id]
                relatives = [p for p in by_household[me.household] if p is not me]
                if relatives:
                    relative = rng.choice(relatives)
                    self._label(user, relative, "family")
                    for _ in range(rng.randint(1, 3)):
                        yield self.event(user, relative, self._when_on_shift(user))
            user, colleague = pick(users), rng.choice(staff_patients) if staff_patients else None
            if user and colleague and colleague is not user:  # coworker
                target = people_by_id[colleague.patient_id]
                self._label(user, target, "coworker")
                yield self.event(user, target, self._when_on_shift(user))
            user = pick(users)
            if user:  # neighbour: same street, another house
                street = user.address.split(" ", 1)[1]
                near = [
                    p
                    for p in self.people
                    if p.address.endswith(street)
                    and p.city == user.city
                    and p.address != user.address
                ]
                if near:
                    target = rng.choice(near)
                    self._label(user, target, "neighbour")
                    yield self.event(user, target, self._when_on_shift(user))
            for category, label_set in (("vip", {"CEL"}), ("sensitive", {"PSY", "HIV", "ETH"})):
                user = pick(users)
                targets = [p for p in self.people if label_set & set(p.labels)]
                if user and targets:
                    target = rng.choice(targets)
                    self._label(user, target, category)
                    yield self.event(user, target, self._when_on_shift(user))
            user = pick(users)
            if user:  # curiosity: browsing many unrelated charts
                self._label(user, None, "curiosity")
                for target in rng.sample(self.people, min(60, len(self.people))):
                    yield self.event(user, target, self._when_on_shift(user))
            user = pick(users)
            if user:  # repeated look-ups of one unrelated patient
                target = rng.choice(self.people)
                self._label(user, target, "repeated_lookup")
                for _ in range(rng.randint(6, 12)):
                    yield self.event(user, target, self._when_on_shift(user))
            user = pick(users)
            if user:  # data theft: export/print spike shortly before leaving
                user.termination = self.start + timedelta(days=self.days - 2)
                self._label(user, None, "data_theft")
                day = user.termination - timedelta(days=3)
                for target in rng.sample(self.people, min(150, len(self.people))):
                    yield self.event(
                        user,
                        target,
                        self._within(*self._on_shift(user, day)),
                        action="R",
                        subtype="read",
                        export=True,
                    )
            user = pick(users)
            if user:  # account used after its owner left
                user.termination = self.start + timedelta(days=max(1, self.days // 3))
                self._label(user, None, "terminated_account")
                for target in rng.sample(self.people, 5):
                    later = user.termination + timedelta(
                        days=rng.randint(1, max(1, self.days // 2))
                    )
                    yield self.event(user, target, self._within(*self._on_shift(user, later)))
            user = pick([s for s in users if s.user_id not in self.active])
            if user:  # dormant account suddenly used
                user.shift = "day"
                user.hire = self.start - timedelta(days=4000)
                self._label(user, None, "dormant_account")
                user.dormant = True
                last = self.start + timedelta(days=self.days - 1)
                for target in rng.sample(self.people, 4):
                    yield self.event(user, target, self._within(*self._on_shift(user, last)))
            user = pick([s for s in users if s.clinical])
            if user:  # break-the-glass on a patient the user has nothing to do with
                target = rng.choice(self.people)
                self._label(user, target, "break_glass")
                yield self.event(user, target, self._when_on_shift(user), purpose="ETREAT")
            user = pick(users)
            dead = [p for p in self.people if p.deceased]
            if user and dead:
                target = rng.choice(dead)
                self._label(user, target, "deceased")
                yield self.event(user, target, self._when_on_shift(user))
            user = pick([s for s in users if s.shift == "day"])
            if user:  # at 3 a.m., far from a day shift
                self._label(user, None, "unusual_hours")
                day = self.start + timedelta(days=rng.randrange(0, self.days))
                for target in rng.sample(self.people, 8):
                    yield self.event(user, target, self.local(day, 27 + rng.uniform(0, 1)))
        # A surge: many unrelated users open one patient who is in the news but not flagged.
        news = rng.choice([p for p in self.people if not p.labels])
        for user in [u for u in rng.sample(users, min(25, len(users))) if u.user_id not in picked]:
            self._label(user, news, "surge")
            yield self.event(
                user,
                news,
                self.local(self.start + timedelta(days=self.days // 2), rng.uniform(8, 20)),
            )


def _workstation_address(user: Staff) -> str:
    """A stable address per user, in a subnet per department."""
    number = int(user.employee_id[1:])
    subnet = zlib.crc32(user.department.encode()) % 200
    return f"10.{subnet}.{number % 250}.{number // 250 % 250}"


# --- writing ---------------------------------------------------------------------------------


def _dump(handle: TextIO, resource: dict[str, Any]) -> None:
    handle.write(orjson.dumps(resource).decode() + "\n")


def _open(path: Path) -> TextIO:
    return gzip.open(path, "wt", encoding="utf-8", compresslevel=1)  # type: ignore[return-value]


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _reference(kind: str, ident: str) -> dict[str, str]:
    return {"reference": f"{kind}/{ident}"}


def _write_context(hospital: Hospital, fhir: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with _open(fhir / "Organization.ndjson.gz") as out:
        _dump(
            out,
            {
                "resourceType": "Organization",
                "id": HOSPITAL_ID,
                "name": "Synthetic General Hospital",
                "type": [
                    _coding("http://terminology.hl7.org/CodeSystem/organization-type", "prov")
                ],
            },
        )
        for name in DEPARTMENTS:
            _dump(
                out,
                {
                    "resourceType": "Organization",
                    "id": _dept_id(name),
                    "name": name,
                    "type": [
                        _coding("http://terminology.hl7.org/CodeSystem/organization-type", "dept")
                    ],
                    "partOf": _reference("Organization", HOSPITAL_ID),
                },
            )
    counts["departments"] = len(DEPARTMENTS)
    clinicians = [s for s in hospital.staff if s.practitioner_id]
    with _open(fhir / "Practitioner.ndjson.gz") as out:
        for s in clinicians:
            _dump(
                out,
                {
                    "resourceType": "Practitioner",
                    "id": s.practitioner_id,
                    "identifier": [{"system": "urn:example:hospital:login", "value": s.user_id}],
                    "name": [{"family": s.family, "given": [s.given]}],
                    "active": True,
                },
            )
    with _open(fhir / "PractitionerRole.ndjson.gz") as out:
        for s in clinicians:
            _dump(
                out,
                {
                    "resourceType": "PractitionerRole",
                    "id": f"role-{s.practitioner_id}",
                    "practitioner": _reference("Practitioner", s.practitioner_id),
                    "organization": _reference("Organization", _dept_id(s.department)),
                    "code": [
                        _coding(
                            "http://terminology.hl7.org/CodeSystem/practitioner-role", s.role_code
                        )
                    ],
                    "active": True,
                },
            )
    counts["practitioners"] = len(clinicians)
    with _open(fhir / "Patient.ndjson.gz") as out:
        for p in hospital.people:
            resource: dict[str, Any] = {
                "resourceType": "Patient",
                "id": p.patient_id,
                "identifier": [
                    {
                        "type": _coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR"),
                        "system": "urn:example:hospital:mrn",
                        "value": p.mrn,
                    }
                ],
                "name": [{"use": "official", "family": p.family, "given": [p.given]}],
                "gender": p.sex,
                "birthDate": p.birth.isoformat(),
                "address": [
                    {
                        "use": "home",
                        "line": [p.address],
                        "city": p.city,
                        "state": p.state,
                        "postalCode": p.postal,
                    }
                ],
            }
            if p.labels:
                resource["meta"] = {
                    "security": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode"
                            if label != "CEL"
                            else "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                            "code": label,
                        }
                        for label in p.labels
                    ]
                }
            if p.deceased:
                resource["deceasedBoolean"] = True
            _dump(out, resource)
    counts["patients"] = len(hospital.people)
    with (
        _open(fhir / "Encounter.ndjson.gz") as enc,
        _open(fhir / "Appointment.ndjson.gz") as app,
        _open(fhir / "CareTeam.ndjson.gz") as care,
    ):
        for v in hospital.visits:
            members = [m for m in v.team if m.practitioner_id]
            _dump(
                enc,
                {
                    "resourceType": "Encounter",
                    "id": v.encounter_id,
                    "status": "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": v.klass,
                    },
                    "subject": _reference("Patient", v.patient.patient_id),
                    "participant": [
                        {"individual": _reference("Practitioner", m.practitioner_id)}
                        for m in members[:3]
                    ],
                    "period": {
                        "start": v.start.isoformat(timespec="seconds"),
                        "end": v.end.isoformat(timespec="seconds"),
                    },
                    "serviceProvider": _reference("Organization", _dept_id(v.department)),
                },
            )
            if v.klass == "AMB":
                _dump(
                    app,
                    {
                        "resourceType": "Appointment",
                        "id": f"appt-{v.encounter_id}",
                        "status": "fulfilled",
                        "start": v.start.isoformat(timespec="seconds"),
                        "end": v.end.isoformat(timespec="seconds"),
                        "participant": [
                            {
                                "actor": _reference("Patient", v.patient.patient_id),
                                "status": "accepted",
                            }
                        ]
                        + [
                            {
                                "actor": _reference("Practitioner", m.practitioner_id),
                                "status": "accepted",
                            }
                            for m in members[:1]
                        ],
                    },
                )
            if v.klass == "IMP":
                _dump(
                    care,
                    {
                        "resourceType": "CareTeam",
                        "id": f"ct-{v.encounter_id}",
                        "status": "active",
                        "subject": _reference("Patient", v.patient.patient_id),
                        "period": {
                            "start": v.start.isoformat(timespec="seconds"),
                            "end": v.end.isoformat(timespec="seconds"),
                        },
                        "participant": [
                            {"member": _reference("Practitioner", m.practitioner_id)}
                            for m in members
                        ],
                        "managingOrganization": [
                            _reference("Organization", _dept_id(v.department))
                        ],
                    },
                )
    counts["encounters"] = len(hospital.visits)
    return counts


def _dept_id(name: str) -> str:
    return "dept-" + name.lower().replace(" ", "-")


def _write_roster(hospital: Hospital, path: Path) -> None:
    columns = [*staff_roster.COLUMNS, "cost_center"]  # one extra column, as real rosters have
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for s in hospital.staff:
            writer.writerow(
                [
                    s.employee_id,
                    s.user_id,
                    s.practitioner_id,
                    s.family,
                    s.given,
                    s.birth.isoformat(),
                    s.address,
                    s.city,
                    s.state,
                    s.postal,
                    s.department,
                    s.job,
                    s.hire.isoformat(),
                    s.termination.isoformat() if s.termination else "",
                    s.shift,
                    f"CC{zlib.crc32(s.department.encode()) % 9000 + 1000}",
                ]
            )


def simulate(
    out: Path, staff: int = 2000, patients: int = 0, days: int = 30, seed: int = 1
) -> dict[str, Any]:
    """Write a synthetic hospital under `out`; returns what was written, counted."""
    if staff < 20:
        raise ValueError("a hospital needs at least 20 staff")
    if days < 2:
        raise ValueError("simulate at least 2 days")
    hospital = Hospital(staff, patients, days, seed)
    fhir = out / "fhir"
    fhir.mkdir(parents=True, exist_ok=True)
    (out / "truth").mkdir(exist_ok=True)
    with _open(fhir / "AuditEvent.ndjson.gz") as events:
        for resource in hospital.legitimate():
            _dump(events, resource)
        for resource in hospital.misuse():
            _dump(events, resource)
        _background(hospital, events)
    counts = _write_context(hospital, fhir)
    _write_roster(hospital, out / "staff.csv")
    with (out / "truth" / "ground_truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["user_id", "patient_id", "category"])
        writer.writerows(sorted(set(hospital.truth)))
    return {
        "out": str(out),
        "staff": len(hospital.staff),
        **counts,
        "access_events": hospital.event_count,
        "labelled_misuse": len(set(hospital.truth)),
        "first_day": hospital.start.isoformat(),
        "days": days,
    }


def _background(hospital: Hospital, events: TextIO) -> None:
    """Daily chart work by clinicians on their shifts, on patients of their department's
    visits that day: the bulk of a real audit log, all of it explainable."""
    rng = hospital.rng
    by_day: dict[tuple[str, date], list[Visit]] = {}
    for visit in hospital.visits:
        day = visit.start.astimezone(ZONE).date()
        while day <= visit.end.astimezone(ZONE).date():
            by_day.setdefault((visit.department, day), []).append(visit)
            day += timedelta(days=1)
    for offset in range(hospital.days):
        day = hospital.start + timedelta(days=offset)
        for member in hospital.staff:
            if not member.clinical or member.department in ANCILLARY or member.dormant:
                continue
            if member.termination and day > member.termination:
                continue
            if rng.random() < 0.3:  # days off
                continue
            visits = by_day.get((member.department, day))
            if not visits:
                continue
            start, end = hospital._on_shift(member, day)
            for _ in range(
                rng.randint(EVENTS_PER_CLINICIAN_DAY // 2, EVENTS_PER_CLINICIAN_DAY * 3 // 2)
            ):
                visit = rng.choice(visits)
                if visit.klass == "AMB" and member not in visit.team:
                    continue  # a clinic visit belongs to its own clinicians
                if member not in visit.team:
                    visit.team.append(member)  # on the unit that day: part of the care team
                _dump(events, hospital.event(member, visit.patient, hospital._within(start, end)))
