"""FHIR AuditEvent (R4, with R5 element names, and the IHE BALP profiles) -> AccessEvent.

What is read, and from where:
- when: `recorded` (R4/R5), else `period.start` (R4) or `occurredDateTime`/`occurredPeriod` (R5);
- who: the requestor agent (else the first agent that is not a device): its `who` reference to
  a Practitioner or PractitionerRole, its `who.identifier` or `altId` as the login, its
  `network.address`; `purposeOfUse` of that agent is merged with `purposeOfEvent` (R4) /
  `authorization` (R5);
- the patient: an entity whose `what` references a Patient, or whose role/type code says
  patient (BALP: type 1 "Person", role 1 "Patient"); R5 also has `patient`;
- what: `action` (C/R/U/D/E), `subtype` (RESTful interaction, e.g. read, search-type; R5 `code`),
  `type` (R5 `category`); DICOM 110106 Export is reported as the action `export`;
- the resource touched: the first `entity.what` reference that is not the Patient.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from hygeia.lake.ndjson import read_records
from hygeia.lake.records import Parsed, RecordError, Rejected
from hygeia.privacy.events import AccessEvent, parse_instant, stable_id
from hygeia.privacy.sources.fhir_common import codes as _codes
from hygeia.privacy.sources.fhir_common import identifier_value as _identifier
from hygeia.privacy.sources.fhir_common import reference as _reference
from hygeia.privacy.sources.fhir_common import resource_type_of as _resource_type

ACTION_CODES = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}
RESTFUL_TO_ACTION = {
    "read": "read",
    "vread": "read",
    "history-instance": "read",
    "history-type": "read",
    "search": "search",
    "search-type": "search",
    "search-system": "search",
    "create": "create",
    "update": "update",
    "patch": "update",
    "delete": "delete",
}
EXPORT_CODES = {"110106"}  # DICOM "Export"
BREAK_GLASS_CODES = {"ETREAT", "BTG"}  # v3 ActReason emergency treatment; common local code
OUTCOMES = {"0": "success", "4": "minor failure", "8": "serious failure", "12": "major failure"}
DEVICE_TYPES = {"110150", "110151", "110152", "110153", "DEV"}  # application, source, dest.


def _pick_user(agents: Iterable[Any]) -> dict[str, Any]:
    people = [
        a
        for a in agents
        if isinstance(a, dict) and not DEVICE_TYPES.intersection(_codes(a.get("type")))
    ]
    for agent in people:
        if agent.get("requestor") is True:
            return agent
    if people:
        return people[0]
    raise RecordError("no agent that is a person")


def _is_patient_entity(entity: dict[str, Any]) -> bool:
    if _resource_type(_reference(entity.get("what"))) == "Patient":
        return True
    role_codes = _codes(entity.get("role"))
    type_codes = _codes(entity.get("type"))
    return "1" in role_codes and ("1" in type_codes or not type_codes)


def _when(resource: dict[str, Any]) -> tuple[Any, str]:
    for key in ("recorded", "occurredDateTime"):
        if resource.get(key):
            return resource[key], key
    for key in ("period", "occurredPeriod"):
        period = resource.get(key)
        if isinstance(period, dict) and period.get("start"):
            return period["start"], f"{key}.start"
    return None, "recorded"


def parse(resource: dict[str, Any], source: str = "") -> AccessEvent:
    """One AuditEvent resource as an access event, or RecordError saying why not."""
    if resource.get("resourceType") != "AuditEvent":
        raise RecordError(
            f"resourceType is {str(resource.get('resourceType'))[:40]!r}, not 'AuditEvent'"
        )
    raw_when, when_field = _when(resource)
    occurred, offset = parse_instant(raw_when, when_field)

    agents = resource.get("agent")
    if not isinstance(agents, list) or not agents:
        raise RecordError("no agent")
    user = _pick_user(agents)
    who = user.get("who")
    practitioner = _reference(who)
    if _resource_type(practitioner) not in {"Practitioner", "PractitionerRole"}:
        practitioner = ""  # a Device, Organization or Patient is not a workforce member
    login = str(user.get("altId") or _identifier(who) or "")
    if not login and not practitioner:
        raise RecordError("the user is not identified (no who reference, identifier or altId)")
    network = user.get("network")
    address = str(network.get("address", "")) if isinstance(network, dict) else ""

    raw_entities = resource.get("entity")
    entities: list[Any] = raw_entities if isinstance(raw_entities, list) else []
    patient_ref = _reference(resource.get("patient"))  # R5
    patient_identifier = ""
    resource_type = ""
    for entity in entities:
        if not isinstance(entity, dict):
            continue
        if _is_patient_entity(entity):
            patient_ref = patient_ref or _reference(entity.get("what"))
            patient_identifier = patient_identifier or _identifier(entity.get("what"))
        elif not resource_type:
            resource_type = _resource_type(_reference(entity.get("what")))

    type_codes = _codes(resource.get("type")) + _codes(resource.get("category"))
    subtype_codes = _codes(resource.get("subtype")) + _codes(resource.get("code"))
    action_code = str(resource.get("action") or "")
    if EXPORT_CODES.intersection(type_codes + subtype_codes):
        action = "export"
    else:
        restful = next((RESTFUL_TO_ACTION[c] for c in subtype_codes if c in RESTFUL_TO_ACTION), "")
        action = restful or ACTION_CODES.get(action_code, "")
    if not action:
        raise RecordError("no recognisable action (action code or subtype)")

    purposes = _codes(resource.get("purposeOfEvent")) + _codes(user.get("purposeOfUse"))
    purposes += _codes(resource.get("authorization"))  # R5
    purposes = list(dict.fromkeys(purposes))

    outcome_value = resource.get("outcome")
    if isinstance(outcome_value, dict):  # R5: outcome.code
        outcome_codes = _codes(outcome_value.get("code"))
        outcome = OUTCOMES.get(outcome_codes[0], outcome_codes[0]) if outcome_codes else ""
    else:
        outcome = OUTCOMES.get(str(outcome_value or "0"), str(outcome_value))

    raw_source = resource.get("source")
    source_info: dict[str, Any] = raw_source if isinstance(raw_source, dict) else {}
    observer = source_info.get("observer")
    system = (
        (observer.get("display") if isinstance(observer, dict) else "")
        or _reference(observer)
        or _identifier(observer)
        or str(source_info.get("site", ""))
        or source
    )

    resource_id = str(resource.get("id") or "")
    if resource_id:
        event_id = stable_id("fhir-auditevent", system, resource_id)
    else:
        event_id = stable_id(
            "fhir-auditevent",
            system,
            occurred.isoformat(),
            login,
            practitioner,
            patient_ref,
            patient_identifier,
            action,
            resource_type,
        )
    return AccessEvent(
        event_id=event_id,
        occurred_utc=occurred,
        utc_offset_minutes=offset,
        user_login=login,
        user_practitioner=practitioner,
        patient_ref=patient_ref,
        patient_identifier=patient_identifier,
        action=action,
        subtype=subtype_codes[0] if subtype_codes else "",
        purpose_of_use=tuple(purposes),
        break_glass=bool(BREAK_GLASS_CODES.intersection(purposes)),
        resource_type=resource_type,
        outcome=outcome,
        source_system=system,
        network_address=address,
    )


def read(path: Path) -> Iterator[Parsed[AccessEvent] | Rejected]:
    """Every line of an AuditEvent NDJSON file (plain or gzip) as an event or a rejection."""
    for item in read_records(path, parse):
        if isinstance(item, Parsed):
            where = item.location
            item = Parsed(
                where, replace(item.value, source_file=where.file, source_line=where.line)
            )
        yield item
