"""FHIR AuditEvent (R4, R5 names, IHE BALP) to canonical access events."""

from __future__ import annotations

import copy
import gzip
import json
import random
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from hygeia.lake.records import RecordError, Rejected, Unread
from hygeia.privacy.sources import fhir_auditevent
from hygeia.privacy.sources.fhir_auditevent import parse

DCM = "http://dicom.nema.org/resources/ontology/DCM"
BALP_READ = {
    "resourceType": "AuditEvent",
    "id": "ae-1",
    "meta": {
        "profile": [
            "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead"
        ]
    },
    "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest"},
    "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}],
    "action": "R",
    "recorded": "2026-03-08T01:30:00-05:00",
    "outcome": "0",
    "agent": [
        {
            "type": {"coding": [{"system": DCM, "code": "110153"}]},
            "who": {"display": "EHR client"},
            "requestor": False,
            "network": {"address": "10.9.9.9", "type": "2"},
        },
        {
            "type": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "code": "IRCP",
                    }
                ]
            },
            "who": {"reference": "Practitioner/prac-17", "identifier": {"value": "jdoe"}},
            "requestor": True,
            "network": {"address": "10.1.2.3", "type": "2"},
        },
    ],
    "source": {"observer": {"display": "Synthetic EHR"}},
    "entity": [
        {"what": {"reference": "Observation/obs-5"}, "type": {"code": "2"}, "role": {"code": "4"}},
        {
            "what": {"reference": "Patient/pat-42"},
            "type": {
                "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                "code": "1",
            },
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1"},
        },
    ],
}


def balp(**changes):
    resource = copy.deepcopy(BALP_READ)
    resource.update(changes)
    return resource


def test_balp_patient_read():
    event = parse(BALP_READ)
    assert event.occurred_utc == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert event.utc_offset_minutes == -300
    assert event.user_practitioner == "Practitioner/prac-17" and event.user_login == "jdoe"
    assert event.network_address == "10.1.2.3"  # the person's, not the client device's
    assert event.patient_ref == "Patient/pat-42"
    assert (event.action, event.subtype, event.resource_type) == ("read", "read", "Observation")
    assert event.outcome == "success" and event.source_system == "Synthetic EHR"
    assert not event.break_glass


def test_break_glass_from_agent_purpose_of_use():
    resource = balp()
    resource["agent"][1]["purposeOfUse"] = [
        {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "ETREAT"}
            ]
        }
    ]
    event = parse(resource)
    assert event.break_glass and event.purpose_of_use == ("ETREAT",)


def test_purpose_of_event_is_merged():
    event = parse(balp(purposeOfEvent=[{"coding": [{"code": "TREAT"}]}]))
    assert event.purpose_of_use == ("TREAT",) and not event.break_glass


def test_dicom_export_is_an_export():
    event = parse(
        balp(type={"system": DCM, "code": "110106", "display": "Export"}, subtype=[], action="R")
    )
    assert event.action == "export"


@pytest.mark.parametrize(
    "code, action",
    [("search-type", "search"), ("update", "update"), ("create", "create"), ("vread", "read")],
)
def test_restful_subtypes(code, action):
    assert parse(balp(subtype=[{"code": code}])).action == action


def test_action_code_when_there_is_no_subtype():
    assert parse(balp(subtype=[], action="U")).action == "update"


def test_r5_element_names():
    resource = balp()
    for key in ("recorded", "type", "subtype"):
        del resource[key]
    resource.update(
        {
            "occurredDateTime": "2026-11-01T08:00:00+01:00",
            "category": [{"coding": [{"code": "rest"}]}],
            "code": {
                "coding": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}]
            },
            "patient": {"reference": "Patient/pat-99"},
            "authorization": [{"coding": [{"code": "ETREAT"}]}],
            "outcome": {"code": {"code": "0"}},
        }
    )
    resource["entity"] = [{"what": {"reference": "Observation/obs-1"}}]
    event = parse(resource)
    assert event.occurred_utc == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert event.patient_ref == "Patient/pat-99" and event.break_glass
    assert event.action == "read" and event.outcome == "success"


def test_practitioner_role_and_full_url_references():
    resource = balp()
    resource["agent"][1]["who"] = {"reference": "https://ehr.example.org/fhir/PractitionerRole/r-3"}
    resource["entity"][1]["what"] = {"reference": "https://ehr.example.org/fhir/Patient/p-8"}
    event = parse(resource)
    assert event.user_practitioner.endswith("PractitionerRole/r-3")
    assert event.patient_ref.endswith("Patient/p-8")


def test_patient_named_by_identifier_only():
    resource = balp()
    resource["entity"][1]["what"] = {"identifier": {"system": "urn:mrn", "value": "MRN-77"}}
    event = parse(resource)
    assert event.patient_ref == "" and event.patient_identifier == "MRN-77"


def test_login_event_has_no_patient():
    resource = balp(
        type={"system": DCM, "code": "110114"},
        subtype=[{"system": DCM, "code": "110122"}],
        action="E",
        entity=[],
    )
    event = parse(resource)
    assert event.patient_ref == "" and event.action == "execute"


def test_login_from_alt_id():
    resource = balp()
    resource["agent"][1] = {"altId": "nurse.kim", "requestor": True}
    event = parse(resource)
    assert event.user_login == "nurse.kim" and event.user_practitioner == ""


def test_identity_is_stable_and_distinguishes_records():
    assert parse(BALP_READ).event_id == parse(copy.deepcopy(BALP_READ)).event_id
    assert parse(balp(id="ae-2")).event_id != parse(BALP_READ).event_id
    anonymous = balp()
    del anonymous["id"]
    assert parse(anonymous).event_id == parse(copy.deepcopy(anonymous)).event_id
    later = copy.deepcopy(anonymous)
    later["recorded"] = "2026-03-08T01:31:00-05:00"
    assert parse(later).event_id != parse(anonymous).event_id


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"resourceType": "Patient"}, "not 'AuditEvent'"),
        ({"recorded": "yesterday"}, "not an ISO 8601 instant"),
        ({"recorded": "2026-03-08T01:30:00"}, "no time-zone offset"),
        ({"recorded": "1899-01-01T00:00:00Z"}, "outside"),
        ({"recorded": "9999-01-01T00:00:00Z"}, "outside"),
        ({"recorded": 20260308}, "missing or not a string"),
        ({"agent": []}, "no agent"),
        ({"agent": [{"type": {"coding": [{"code": "110153"}]}}]}, "no agent that is a person"),
        ({"agent": [{"requestor": True}]}, "user is not identified"),
        ({"subtype": [], "action": "Z"}, "no recognisable action"),
    ],
)
def test_unusable_records_say_why(change, reason):
    with pytest.raises(RecordError, match=reason):
        parse(balp(**change))


def test_wrong_types_inside_do_not_crash():
    resource = balp(entity="not a list", purposeOfEvent=42, source=None)
    resource["agent"][1]["purposeOfUse"] = "ETREAT"
    event = parse(resource)
    assert event.patient_ref == "" and event.purpose_of_use == ()


def test_reader_counts_every_line(tmp_path):
    good = json.dumps(BALP_READ)
    bad_time = json.dumps(balp(recorded="nope"))
    path = tmp_path / "AuditEvent.ndjson.gz"
    path.write_bytes(gzip.compress(f"{good}\n{bad_time}\n{{oops\n{good}\n".encode()))
    items = list(fhir_auditevent.read_blocks(path, "ingest-1"))
    rows = [row for i in items if not isinstance(i, Rejected) for row in i.to_pylist()]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert [r["source_line"] for r in rows] == [1, 4]
    assert {r["source_file"] for r in rows} == {str(path)}
    assert {r["ingest_id"] for r in rows} == {"ingest-1"}
    assert [(r.location.line, r.reason.split(" ")[0]) for r in rejected] == [
        (2, "recorded"),
        (3, "invalid"),
    ]
    assert all(r.location.file == str(path) for r in rejected)


def test_reader_survives_hostile_lines(tmp_path):
    path = tmp_path / "AuditEvent.ndjson"
    good = json.dumps(BALP_READ).encode()
    path.write_bytes(
        good
        + b"\n"
        + b"\xff\xfe\x00 binary\n"
        + b"[" * 200_000
        + b"\n"
        + b'{"resourceType": "AuditEvent", "id": "'
        + b"x" * (3 << 20)
        + b'"}\n'
        + b"\r\n\n"
        + b"42\n"
        + good.replace(b"ae-1", b"ae-2")  # last line without a newline
    )
    items = list(fhir_auditevent.read_blocks(path))
    rows = [row for i in items if not isinstance(i, Rejected) for row in i.to_pylist()]
    rejected = {i.location.line: i.reason for i in items if isinstance(i, Rejected)}
    assert [r["source_line"] for r in rows] == [1, 8]
    assert rejected[2].startswith("not UTF-8")
    assert "nested too deeply" in rejected[3] or "invalid JSON" in rejected[3]
    assert rejected[4].startswith("line longer than")
    assert rejected[7] == "a JSON number, not an object"


def test_a_corrupt_gzip_keeps_the_events_before_and_counts_what_is_left(tmp_path):
    good = "".join(json.dumps({**BALP_READ, "id": f"ae-{n}"}) + "\n" for n in range(300)).encode()
    garbage = random.Random(5).randbytes(1 << 20)  # not a gzip member
    path = tmp_path / "AuditEvent.ndjson.gz"
    path.write_bytes(gzip.compress(good) + garbage)
    items = list(fhir_auditevent.read_blocks(path))
    tables = [i for i in items if isinstance(i, pa.Table)]
    assert sum(t.num_rows for t in tables) == 300
    (rejected,) = [i for i in items if isinstance(i, Rejected)]
    (unread,) = [i for i in items if isinstance(i, Unread)]
    assert rejected.location.line == unread.location.line == 301
    assert 0 < unread.bytes <= len(garbage) and unread.records is None
