"""FHIR context resources that say who may legitimately see a patient: Practitioner,
PractitionerRole, Organization (departments via `partOf`), Encounter, Appointment, CareTeam.

Each becomes one flat record keyed by its FHIR id; references are reduced to the ids of the
resources they point to, which is what the explanation rules join on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hygeia.lake.records import RecordError
from hygeia.privacy.sources.fhir_common import (
    as_dict,
    codes,
    date_time,
    dicts,
    id_of,
    person_name,
    reference,
    refs_to,
    require_type,
    text,
)

LOGIN_SYSTEM_HINTS = ("login", "user", "username", "account")


def _period(resource: dict[str, Any], key: str = "period") -> tuple[datetime | None, ...]:
    period = as_dict(resource.get(key))
    return date_time(period.get("start"), f"{key}.start"), date_time(
        period.get("end"), f"{key}.end"
    )


def _active(resource: dict[str, Any]) -> bool:
    return resource.get("active") is not False


@dataclass(frozen=True)
class PractitionerRecord:
    fhir_id: str
    login: str
    npi: str
    family_name: str
    given_name: str
    active: bool


def parse_practitioner(resource: dict[str, Any]) -> PractitionerRecord:
    fhir_id = require_type(resource, "Practitioner")
    login = npi = ""
    for ident in dicts(resource.get("identifier")):
        system = text(ident.get("system")).lower()
        value = text(ident.get("value"))
        if system.endswith("us-npi"):
            npi = npi or value
        elif any(hint in system for hint in LOGIN_SYSTEM_HINTS):
            login = login or value
    family, given = person_name(resource.get("name"))
    return PractitionerRecord(fhir_id, login, npi, family, given, _active(resource))


@dataclass(frozen=True)
class PractitionerRoleRecord:
    fhir_id: str
    practitioner_id: str
    organization_id: str
    role_codes: tuple[str, ...]
    specialty_codes: tuple[str, ...]
    active: bool
    start: datetime | None
    end: datetime | None


def parse_practitioner_role(resource: dict[str, Any]) -> PractitionerRoleRecord:
    fhir_id = require_type(resource, "PractitionerRole")
    start, end = _period(resource)
    return PractitionerRoleRecord(
        fhir_id=fhir_id,
        practitioner_id=id_of(reference(resource.get("practitioner")), "Practitioner"),
        organization_id=id_of(reference(resource.get("organization")), "Organization"),
        role_codes=tuple(codes(resource.get("code"))),
        specialty_codes=tuple(codes(resource.get("specialty"))),
        active=_active(resource),
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class OrganizationRecord:
    fhir_id: str
    name: str
    type_codes: tuple[str, ...]
    part_of: str
    active: bool


def parse_organization(resource: dict[str, Any]) -> OrganizationRecord:
    fhir_id = require_type(resource, "Organization")
    return OrganizationRecord(
        fhir_id=fhir_id,
        name=text(resource.get("name")),
        type_codes=tuple(codes(resource.get("type"))),
        part_of=id_of(reference(resource.get("partOf")), "Organization"),
        active=_active(resource),
    )


def _patient(resource: dict[str, Any], *keys: str) -> str:
    for key in keys:
        found = id_of(reference(resource.get(key)), "Patient")
        if found:
            return found
    return ""


@dataclass(frozen=True)
class EncounterRecord:
    fhir_id: str
    patient_id: str
    status: str
    encounter_class: str
    start: datetime | None
    end: datetime | None
    service_provider: str
    practitioner_ids: tuple[str, ...]
    practitioner_role_ids: tuple[str, ...]


def parse_encounter(resource: dict[str, Any]) -> EncounterRecord:
    fhir_id = require_type(resource, "Encounter")
    patient = _patient(resource, "subject", "patient")
    if not patient:
        raise RecordError("the Encounter has no Patient subject")
    start, end = _period(resource, "actualPeriod" if "actualPeriod" in resource else "period")
    klass = resource.get("class")
    class_code = text(as_dict(klass).get("code")) or next(iter(codes(klass)), "")
    actors = [p.get("individual") or p.get("actor") for p in dicts(resource.get("participant"))]
    return EncounterRecord(
        fhir_id=fhir_id,
        patient_id=patient,
        status=text(resource.get("status")),
        encounter_class=class_code,
        start=start,
        end=end,
        service_provider=id_of(reference(resource.get("serviceProvider")), "Organization"),
        practitioner_ids=refs_to(actors, "Practitioner"),
        practitioner_role_ids=refs_to(actors, "PractitionerRole"),
    )


@dataclass(frozen=True)
class AppointmentRecord:
    fhir_id: str
    patient_id: str
    status: str
    start: datetime | None
    end: datetime | None
    practitioner_ids: tuple[str, ...]
    practitioner_role_ids: tuple[str, ...]
    created: datetime | None = None  # when it was booked: schedulers open the chart then


def parse_appointment(resource: dict[str, Any]) -> AppointmentRecord:
    fhir_id = require_type(resource, "Appointment")
    actors = [p.get("actor") for p in dicts(resource.get("participant"))]
    patients = refs_to(actors, "Patient") or refs_to([resource.get("subject")], "Patient")
    if not patients:
        raise RecordError("the Appointment has no Patient participant")
    return AppointmentRecord(
        fhir_id=fhir_id,
        patient_id=patients[0],
        status=text(resource.get("status")),
        start=date_time(resource.get("start"), "start"),
        end=date_time(resource.get("end"), "end"),
        practitioner_ids=refs_to(actors, "Practitioner"),
        practitioner_role_ids=refs_to(actors, "PractitionerRole"),
        created=date_time(resource.get("created"), "created"),
    )


@dataclass(frozen=True)
class CareTeamRecord:
    fhir_id: str
    patient_id: str
    status: str
    start: datetime | None
    end: datetime | None
    practitioner_ids: tuple[str, ...]
    practitioner_role_ids: tuple[str, ...]
    organization_ids: tuple[str, ...]


def parse_care_team(resource: dict[str, Any]) -> CareTeamRecord:
    fhir_id = require_type(resource, "CareTeam")
    patient = _patient(resource, "subject", "patient")
    if not patient:
        raise RecordError("the CareTeam has no Patient subject")
    start, end = _period(resource)
    members = [p.get("member") for p in dicts(resource.get("participant"))]
    return CareTeamRecord(
        fhir_id=fhir_id,
        patient_id=patient,
        status=text(resource.get("status")),
        start=start,
        end=end,
        practitioner_ids=refs_to(members, "Practitioner"),
        practitioner_role_ids=refs_to(members, "PractitionerRole"),
        organization_ids=refs_to(
            members + dicts(resource.get("managingOrganization")), "Organization"
        ),
    )
