"""Small builders for ingest tests: FHIR resources and files written on the fly."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any


def audit_event(
    ident: str, patient: str = "p1", when: str = "2026-03-08T09:30:00-05:00", login: str = "jdoe"
) -> dict[str, Any]:
    return {
        "resourceType": "AuditEvent",
        "id": ident,
        "action": "R",
        "recorded": when,
        "agent": [{"who": {"reference": "Practitioner/pr1"}, "altId": login, "requestor": True}],
        "entity": [{"what": {"reference": f"Patient/{patient}"}}],
        "source": {"observer": {"display": "EHR-TEST"}},
    }


def patient(ident: str, mrn: str, family: str = "Okafor") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": ident,
        "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": mrn}],
        "name": [{"family": family, "given": ["Ada"]}],
        "birthDate": "1980-01-02",
    }


def write_ndjson(path: Path, lines: list[Any], gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
