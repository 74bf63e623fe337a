"""FHIR Patient -> the patient directory and the `context/patient` dataset.

The MRN is the identifier typed `MR` (v2-0203), else the first identifier with a value; the
name is the `official` one, else the first; the address and phone the `home` ones, else the
first. `meta.security` labels (CEL celebrity, EMP employee, sensitive categories) are kept:
detectors treat such patients with more care. So is `generalPractitioner` (the people; an
organisation named there is not a person): the patient's own doctor needs no visit to look.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hygeia.lake.ndjson import read_records
from hygeia.lake.records import Parsed, RecordError, Rejected, Unread
from hygeia.privacy.sources.fhir_common import (
    as_dict,
    as_list,
    codes,
    date_time,
    dicts,
    fhir_date,
    first,
    person_name,
    refs_to,
    text,
)

RESOURCE = "Patient"


@dataclass(frozen=True)
class PatientRecord:
    fhir_id: str
    mrn: str
    family_name: str
    given_name: str
    birth_date: date | None
    sex: str
    address_line: str
    city: str
    state: str
    postal_code: str
    phone: str
    deceased: bool
    deceased_at: datetime | None  # when the record says (deceasedDateTime)
    security_labels: tuple[str, ...]
    # the patient's own doctor (generalPractitioner): Practitioner, PractitionerRole ids
    general_practitioner_ids: tuple[str, ...] = ()
    general_practitioner_role_ids: tuple[str, ...] = ()


def _mrn(identifiers: Any) -> str:
    candidates = dicts(identifiers)
    for ident in candidates:
        if "MR" in codes(ident.get("type")) and text(ident.get("value")):
            return text(ident["value"])
    return next((text(i["value"]) for i in candidates if text(i.get("value"))), "")


def parse(resource: dict[str, Any]) -> PatientRecord:
    if resource.get("resourceType") != RESOURCE:
        raise RecordError(
            f"resourceType is {text(resource.get('resourceType'))[:40]!r}, not 'Patient'"
        )
    fhir_id = text(resource.get("id"))
    mrn = _mrn(resource.get("identifier"))
    if not fhir_id and not mrn:
        raise RecordError("the patient has neither an id nor an identifier")
    family, given = person_name(resource.get("name"))
    address = first(resource.get("address"), ("use", "home"))
    phones = [t for t in dicts(resource.get("telecom")) if t.get("system") == "phone"]
    labels = tuple(
        text(s["code"])
        for s in dicts(as_dict(resource.get("meta")).get("security"))
        if s.get("code")
    )
    return PatientRecord(
        fhir_id=fhir_id,
        mrn=mrn,
        family_name=family,
        given_name=given,
        birth_date=fhir_date(resource.get("birthDate"), "birthDate"),
        sex=text(resource.get("gender")),
        address_line=", ".join(text(line) for line in as_list(address.get("line"))),
        city=text(address.get("city")),
        state=text(address.get("state")),
        postal_code=text(address.get("postalCode")),
        phone=text(first(phones, ("use", "home")).get("value")),
        deceased=bool(resource.get("deceasedBoolean") or resource.get("deceasedDateTime")),
        deceased_at=date_time(resource.get("deceasedDateTime"), "deceasedDateTime"),
        security_labels=labels,
        general_practitioner_ids=refs_to(resource.get("generalPractitioner"), "Practitioner"),
        general_practitioner_role_ids=refs_to(
            resource.get("generalPractitioner"), "PractitionerRole"
        ),
    )


def read(path: Path) -> Iterator[Parsed[PatientRecord] | Rejected | Unread]:
    """Every line of a Patient NDJSON file as a record or a rejection (and what a broken
    compressed stream left unread)."""
    return read_records(path, parse)
