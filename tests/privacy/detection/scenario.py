"""A small hospital written straight into a lake, for detector tests: each test states the
staff, patients, care and accesses it needs, and reads what the detectors found."""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from hygeia.lake.records import Location
from hygeia.lake.store import Lake, Table
from hygeia.privacy.detection.config import load
from hygeia.privacy.detection.detectors.base import Hit
from hygeia.privacy.detection.engines import DuckDBEngine, Engine
from hygeia.privacy.detection.run import analyse
from hygeia.privacy.events import EVENTS, AccessEvent
from hygeia.privacy.formats import FHIR_FORMATS, ROSTER, ReadContext, context_row
from hygeia.privacy.sources.fhir_clinical import (
    AppointmentRecord,
    CareTeamRecord,
    EncounterRecord,
    OrganizationRecord,
    PractitionerRecord,
)
from hygeia.privacy.sources.fhir_patient import PatientRecord
from hygeia.privacy.sources.staff_roster import StaffRecord

ZONE = ZoneInfo("America/Chicago")
DAY0 = date(2025, 10, 1)  # the first day of the data; the autumn change falls on 2 November
DEPARTMENTS = ("Emergency", "Cardiology", "Registration", "Laboratory", "Information Technology")


def at(day: int, hour: float) -> datetime:
    """Local wall-clock time `hour` on day `day` after DAY0, as an aware datetime."""
    naive = datetime(DAY0.year, DAY0.month, DAY0.day) + timedelta(days=day, hours=hour)
    return naive.replace(tzinfo=ZONE)


@dataclass
class Scenario:
    root: Path
    staff: list[StaffRecord] = field(default_factory=list)
    patients: list[PatientRecord] = field(default_factory=list)
    encounters: list[EncounterRecord] = field(default_factory=list)
    care_teams: list[CareTeamRecord] = field(default_factory=list)
    appointments: list[AppointmentRecord] = field(default_factory=list)
    events: list[AccessEvent] = field(default_factory=list)
    restricted: list[str] = field(default_factory=list)  # the site's own list
    test_marks: dict[str, str] = field(default_factory=dict)  # patient -> 'test' or 'real'
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lake: Lake | None = None

    # --- people -------------------------------------------------------------------------

    def person(
        self,
        user: str,
        department: str = "Cardiology",
        job: str = "Registered Nurse",
        shift: str = "day",
        address: str = "",
        family: str = "",
        birth: date | None = None,
        hired: date = date(2010, 1, 1),
        terminated: date | None = None,
        practitioner: bool = True,
    ) -> str:
        n = next(self._ids)
        self.staff.append(
            StaffRecord(
                employee_id=f"E{n:05d}",
                user_id=user,
                practitioner_id=f"pr-{user}" if practitioner else "",
                family_name=family or f"Family{n}",
                given_name=f"Given{n}",
                birth_date=birth or date(1960, 1, 1) + timedelta(days=97 * n),
                address_line=address or f"{n} Unique Road {n}",
                city="Riverbend",
                state="OH",
                postal_code="43701",
                department=department,
                job_title=job,
                hire_date=hired,
                termination_date=terminated,
                shift=shift,
                extra={},
                snapshot="s1",
            )
        )
        return user

    def patient(
        self,
        ident: str,
        family: str = "",
        given: str = "",
        birth: date | None = None,
        address: str = "",
        labels: tuple[str, ...] = (),
        deceased: bool | datetime = False,
        city: str = "Lakemont",
        doctor: str = "",
    ) -> str:
        n = next(self._ids)
        self.patients.append(
            PatientRecord(
                fhir_id=ident,
                mrn=f"M{n:06d}",
                family_name=family or f"Patient{n}",
                given_name=given or f"Pgiven{n}",
                birth_date=birth or date(1940, 1, 1) + timedelta(days=131 * n),
                sex="female",
                address_line=address or f"{n} Elsewhere Avenue {n}",
                city=city,
                state="NY",
                postal_code="14801",
                phone="",
                deceased=bool(deceased),
                deceased_at=deceased if isinstance(deceased, datetime) else None,
                security_labels=labels,
                general_practitioner_ids=(f"pr-{doctor}",) if doctor else (),
            )
        )
        return ident

    def own_record(self, user: str, ident: str) -> str:
        """A patient record for staff member `user` (same name, birth date and home)."""
        member = next(s for s in self.staff if s.user_id == user)
        self.patients.append(
            PatientRecord(
                fhir_id=ident,
                mrn=f"M{next(self._ids):06d}",
                family_name=member.family_name,
                given_name=member.given_name,
                birth_date=member.birth_date,
                sex="female",
                address_line=member.address_line,
                city=member.city,
                state=member.state,
                postal_code=member.postal_code,
                phone="",
                deceased=False,
                deceased_at=None,
                security_labels=(),
            )
        )
        return ident

    # --- care ---------------------------------------------------------------------------

    def encounter(
        self,
        patient: str,
        department: str,
        start: datetime,
        hours: float = 4,
        klass: str = "EMER",
        participants: tuple[str, ...] = (),
    ) -> None:
        self.encounters.append(
            EncounterRecord(
                fhir_id=f"enc-{next(self._ids)}",
                patient_id=patient,
                status="finished",
                encounter_class=klass,
                start=start,
                end=start + timedelta(hours=hours),
                service_provider=_dept(department),
                practitioner_ids=tuple(f"pr-{u}" for u in participants),
                practitioner_role_ids=(),
            )
        )

    def care_team(self, patient: str, start: datetime, days: float, members: tuple[str, ...]):
        self.care_teams.append(
            CareTeamRecord(
                fhir_id=f"ct-{next(self._ids)}",
                patient_id=patient,
                status="active",
                start=start,
                end=start + timedelta(days=days),
                practitioner_ids=tuple(f"pr-{u}" for u in members),
                practitioner_role_ids=(),
                organization_ids=(),
            )
        )

    def appointment(
        self, patient: str, start: datetime, practitioner: str, created: datetime | None = None
    ) -> None:
        self.appointments.append(
            AppointmentRecord(
                fhir_id=f"ap-{next(self._ids)}",
                patient_id=patient,
                status="booked",
                start=start,
                end=start + timedelta(minutes=30),
                practitioner_ids=(f"pr-{practitioner}",),
                practitioner_role_ids=(),
                created=created,
            )
        )

    # --- accesses -----------------------------------------------------------------------

    def access(
        self,
        user: str,
        patient: str,
        when: datetime,
        action: str = "read",
        subtype: str = "read",
        break_glass: bool = False,
        by_practitioner: bool = False,
        source: str = "EHR-TEST",
        sensitivity: tuple[str, ...] = (),
    ) -> None:
        """One access; with `sensitivity`, as an ATNA message carries it: the patient by MRN,
        the record's confidentiality codes beside it."""
        n = next(self._ids)
        offset = when.utcoffset()
        self.events.append(
            AccessEvent(
                event_id=f"ev{n:08d}",
                occurred_utc=when.astimezone(ZoneInfo("UTC")),
                utc_offset_minutes=int(offset.total_seconds() // 60) if offset else 0,
                user_login="" if by_practitioner else user,
                user_practitioner=f"Practitioner/pr-{user}",
                patient_ref=f"Patient/{patient}" if patient and not sensitivity else "",
                patient_identifier=self.mrn_of(patient) if sensitivity else "",
                action=action,
                subtype=subtype,
                purpose_of_use=("ETREAT",) if break_glass else ("TREAT",),
                break_glass=break_glass,
                resource_type="Observation",
                outcome="success",
                source_system=source,
                network_address="10.0.0.1",
                source_line=n,
                extra={"sensitivity": list(sensitivity)} if sensitivity else {},
            )
        )

    def mrn_of(self, patient: str) -> str:
        return next(p.mrn for p in self.patients if p.fhir_id == patient)

    def routine(self, user: str, days: range, per_day: int = 6, hour: float = 9) -> None:
        """Ordinary, explained work: the user treats a patient of their own each day."""
        member = next(s for s in self.staff if s.user_id == user)
        for day in days:
            patient = self.patient(f"rt-{user}-{day}")
            start = at(day, hour)
            self.encounter(patient, member.department, start, participants=(user,))
            for k in range(per_day):
                self.access(user, patient, start + timedelta(minutes=10 * k))

    # --- the store and the detectors ----------------------------------------------------

    def write(self) -> Lake:
        """The scenario as a lake (written once)."""
        if self._lake is not None:
            return self._lake
        lake = self._lake = Lake(self.root / "lake")
        ctx = ReadContext(token="scenario")
        here = Location("scenario", 1)
        context = {
            "staff": (ROSTER.table, [(s, s.employee_id) for s in self.staff]),
            "organization": (
                FHIR_FORMATS["Organization"].table,
                [
                    (OrganizationRecord(_dept(d), d, ("dept",), "hospital", True), _dept(d))
                    for d in DEPARTMENTS
                ],
            ),
            "practitioner": (
                FHIR_FORMATS["Practitioner"].table,
                [
                    (
                        PractitionerRecord(s.practitioner_id, s.user_id, "", "", "", True),
                        s.practitioner_id,
                    )
                    for s in self.staff
                    if s.practitioner_id
                ],
            ),
            "patient": (FHIR_FORMATS["Patient"].table, [(p, p.fhir_id) for p in self.patients]),
            "encounter": (
                FHIR_FORMATS["Encounter"].table,
                [(e, e.fhir_id) for e in self.encounters],
            ),
            "care_team": (
                FHIR_FORMATS["CareTeam"].table,
                [(c, c.fhir_id) for c in self.care_teams],
            ),
            "appointment": (
                FHIR_FORMATS["Appointment"].table,
                [(a, a.fhir_id) for a in self.appointments],
            ),
        }
        for kind, (table, records) in context.items():
            if records:
                rows = [context_row(kind, r, ident, here, ctx) for r, ident in records]
                _write(lake, table, rows, "scenario")
        by_day: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for event in self.events:
            row = event.as_row()
            row.update(source_format="test", ingest_id="scenario", source_file="scenario")
            by_day[row["day"]].append(row)
        for day, rows in by_day.items():
            _write(lake, EVENTS, rows, day.isoformat())
        return lake

    def detect(self, engine: Engine | None = None, since: date = DAY0, days: int = 60):
        lake = self.write()
        owned = engine is None
        engine = engine or DuckDBEngine(lake)
        try:
            hits, summary = analyse(
                lake,
                engine,
                load(),
                since,
                since + timedelta(days=days),
                restricted=tuple(self.restricted),
                test_records=dict(self.test_marks),
            )
        finally:
            if owned:
                engine.close()
        return Found(hits, summary)


@dataclass
class Found:
    hits: list[Hit]
    summary: dict[str, Any]

    def of(self, detector: str) -> set[tuple[str, str]]:
        return {(h.user_id, h.patient_id) for h in self.hits if h.detector == detector}

    def hit(self, detector: str, user: str, patient: str = "") -> Hit:
        return next(
            h
            for h in self.hits
            if h.detector == detector and h.user_id == user and h.patient_id == patient
        )


def _dept(name: str) -> str:
    return "dept-" + name.lower().replace(" ", "-")


def _write(lake: Lake, table: Table, rows: list[dict[str, Any]], partition: str) -> None:
    data = pa.Table.from_pylist(rows, schema=table.schema).drop_columns([table.partition])
    folder = lake.root / table.path / f"{table.partition}={partition}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, folder / f"part-{len(list(folder.iterdir()))}.parquet")
