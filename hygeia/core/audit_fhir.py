"""Hygeia's audit trail as FHIR R4 AuditEvent resources following IHE BALP.

One AuditEvent per entry. Profiles: sign-in/out -> Login/Logout; a view of patient data ->
PatientRead (one patient) or PatientQuery (a list); create/update/delete -> Create/Update/
Delete; an export -> Query. Other entries (failed sign-in, lockout, MFA and permission changes)
use the base AuditEvent with DICOM security-alert codes. Each resource carries the entry's
sequence number and chain hash as identifiers, so a SIEM can re-verify the chain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from hygeia import __version__
from hygeia.core.models import AuditAction, AuditEntry

BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."
DCM = "http://dicom.nema.org/resources/ontology/DCM"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
CHAIN_SYSTEM = "urn:hygeia:audit-chain"
SEQ_SYSTEM = "urn:hygeia:audit-seq"


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


MAPPING_FILE = Path(__file__).resolve().parent.parent / "content" / "audit_balp.yaml"


@dataclass(frozen=True)
class EventShape:
    profile: str | None
    type: dict[str, str]
    subtype: dict[str, str] | None
    action: str
    participation: str


@cache
def _shapes() -> dict[str, EventShape]:
    """The action -> AuditEvent mapping, from content/audit_balp.yaml."""
    data: dict[str, Any] = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    systems: dict[str, str] = data["systems"]

    def coding(triple: list[str] | None) -> dict[str, str] | None:
        return None if triple is None else _coding(systems[triple[0]], triple[1], triple[2])

    shapes = {}
    for action, spec in data["actions"].items():
        shapes[action] = EventShape(
            profile=spec["profile"],
            type=coding(spec["type"]) or {},
            subtype=coding(spec["subtype"]),
            action=spec["action"],
            participation=spec["participation"],
        )
    missing = set(AuditAction.values) - set(shapes)
    if missing:
        raise ValueError(f"{MAPPING_FILE}: no mapping for {sorted(missing)}")
    return shapes


def _host() -> str:
    hosts = [h for h in settings.ALLOWED_HOSTS if h and h != "*"]
    return hosts[0] if hosts else "localhost"


def to_audit_event(entry: AuditEntry) -> dict[str, Any]:
    shape = _shapes().get(entry.action, _shapes()[AuditAction.SYSTEM])
    profile, type_, subtype = shape.profile, shape.type, shape.subtype
    action, participation = shape.action, shape.participation
    patient_refs: list[str] = []
    if entry.patient_ref:
        patient_refs = [entry.patient_ref]
    elif isinstance(entry.details.get("patients"), list):
        patient_refs = [str(p) for p in entry.details["patients"]]
        if entry.action == AuditAction.VIEW_PHI:
            profile = "PatientQuery"
            subtype = _coding(RESTFUL, "search-type", "search-type")
    if entry.action == AuditAction.EXPORT and patient_refs:
        profile = "PatientQuery"

    user_agent: dict[str, Any] = {
        "type": {
            "coding": [
                _coding(
                    PARTICIPATION,
                    participation,
                    "information recipient" if participation == "IRCP" else "author",
                )
            ]
        },
        "who": {"identifier": {"system": "urn:hygeia:user", "value": entry.actor}},
        "requestor": True,
    }
    if entry.source_ip:
        user_agent["network"] = {"address": entry.source_ip, "type": "2"}
    client = {
        "type": {"coding": [_coding(DCM, "110153", "Source Role ID")]},
        "who": {"display": "Hygeia user agent"},
        "requestor": False,
    }
    server = {
        "type": {"coding": [_coding(DCM, "110152", "Destination Role ID")]},
        "who": {"display": f"Hygeia {__version__}"},
        "requestor": False,
        "network": {"address": _host(), "type": "1"},
    }
    if entry.source_ip:
        client["network"] = {"address": entry.source_ip, "type": "2"}

    entities: list[dict[str, Any]] = [
        {
            "what": {"reference": f"Patient/{ref}"},
            "type": _coding(ENTITY_TYPE, "1", "Person"),
            "role": _coding(OBJECT_ROLE, "1", "Patient"),
        }
        for ref in patient_refs
    ]
    if entry.object_type:
        entities.append(
            {
                "what": {
                    "identifier": {
                        "system": f"urn:hygeia:{entry.object_type}",
                        "value": entry.object_id,
                    }
                },
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "4", "Domain Resource"),
                "description": entry.summary,
            }
        )
    if entry.action == AuditAction.EXPORT and entry.details.get("filter"):
        entities.append(
            {
                "type": _coding(ENTITY_TYPE, "2", "System Object"),
                "role": _coding(OBJECT_ROLE, "24", "Query"),
                "description": str(entry.details["filter"]),
            }
        )

    resource: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": str(entry.uuid),
        "meta": {"profile": [f"{BALP}{profile}"] if profile else []},
        "type": type_,
        "action": action,
        "recorded": entry.at.isoformat(),
        "outcome": "0" if entry.outcome == "success" else "4",
        "outcomeDesc": entry.summary,
        "agent": [user_agent, client, server],
        "source": {
            "site": _host(),
            "observer": {"display": f"Hygeia {__version__}"},
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": entities,
        "extension": [
            {"url": SEQ_SYSTEM, "valueInteger": entry.seq},
            {"url": CHAIN_SYSTEM, "valueString": entry.entry_hash},
        ],
    }
    if not resource["meta"]["profile"]:
        del resource["meta"]
    if subtype:
        resource["subtype"] = [subtype]
    if not entities:
        del resource["entity"]
    return resource
