"""FHIR Patient -> the patient directory (`privacy.Patient`) fields.

The MRN is the identifier typed `MR` (v2-0203), else the first identifier with a value; the
name is the `official` one, else the first; the address and phone the `home` ones, else the
first. `meta.security` labels (CEL celebrity, EMP employee, sensitive categories) are kept:
detectors treat such patients with more care.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from hygeia.lake.ndjson import read_records
from hygeia.lake.records import Parsed, RecordError, Rejected


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
    security_labels: tuple[str, ...]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


def _first(items: Any, prefer: tuple[str, str] | None = None) -> dict[str, Any]:
    """The preferred item (by a key's value), else the first dict in a list."""
    candidates = _dicts(items)
    if prefer:
        key, wanted = prefer
        for item in candidates:
            if item.get(key) == wanted:
                return item
    return candidates[0] if candidates else {}


def _mrn(identifiers: Any) -> str:
    candidates = (
        [i for i in identifiers if isinstance(i, dict)] if isinstance(identifiers, list) else []
    )
    for ident in candidates:
        codes = [
            c.get("code")
            for c in (ident.get("type") or {}).get("coding", []) or []
            if isinstance(c, dict)
        ]
        if "MR" in codes and ident.get("value"):
            return str(ident["value"])
    return next((str(i["value"]) for i in candidates if i.get("value")), "")


def _birth_date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value)
    try:
        if len(text) == 4:  # FHIR allows a year alone
            return date(int(text), 1, 1)
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise RecordError("birthDate is not a FHIR date") from exc


def parse(resource: dict[str, Any]) -> PatientRecord:
    if resource.get("resourceType") != "Patient":
        raise RecordError(
            f"resourceType is {str(resource.get('resourceType'))[:40]!r}, not 'Patient'"
        )
    fhir_id = str(resource.get("id") or "")
    mrn = _mrn(resource.get("identifier"))
    if not fhir_id and not mrn:
        raise RecordError("the patient has neither an id nor an identifier")
    name = _first(resource.get("name"), ("use", "official"))
    given = _list(name.get("given"))
    address = _first(resource.get("address"), ("use", "home"))
    lines = _list(address.get("line"))
    phones = [t for t in _dicts(resource.get("telecom")) if t.get("system") == "phone"]
    phone = _first(phones, ("use", "home")).get("value", "")
    meta = resource.get("meta")
    security = _dicts(meta.get("security")) if isinstance(meta, dict) else []
    labels = tuple(str(s["code"]) for s in security if s.get("code"))
    deceased = bool(resource.get("deceasedBoolean") or resource.get("deceasedDateTime"))
    return PatientRecord(
        fhir_id=fhir_id,
        mrn=mrn,
        family_name=str(name.get("family") or ""),
        given_name=" ".join(str(g) for g in given),
        birth_date=_birth_date(resource.get("birthDate")),
        sex=str(resource.get("gender") or ""),
        address_line=", ".join(str(line) for line in lines),
        city=str(address.get("city") or ""),
        state=str(address.get("state") or ""),
        postal_code=str(address.get("postalCode") or ""),
        phone=str(phone),
        deceased=deceased,
        security_labels=labels,
    )


def read(path: Path) -> Iterator[Parsed[PatientRecord] | Rejected]:
    """Every line of a Patient NDJSON file as a record or a rejection."""
    return read_records(path, parse)
