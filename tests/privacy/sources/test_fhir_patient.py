"""FHIR Patient resources to patient-directory records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from hygeia.lake.records import Parsed, RecordError, Rejected
from hygeia.privacy.sources import fhir_patient
from hygeia.privacy.sources.fhir_patient import parse

PATIENT = {
    "resourceType": "Patient",
    "id": "pat-42",
    "meta": {
        "security": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "CEL"}]
    },
    "identifier": [
        {"system": "urn:ssn-like", "value": "000-00-0000"},
        {
            "type": {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}
                ]
            },
            "system": "urn:mrn",
            "value": "SYN123",
        },
    ],
    "name": [
        {"use": "nickname", "given": ["Ave"]},
        {"use": "official", "family": "Okafor", "given": ["Avery", "Jo"]},
    ],
    "gender": "female",
    "birthDate": "1980-02-29",
    "address": [
        {"use": "work", "city": "Elsewhere"},
        {
            "use": "home",
            "line": ["12 Juniper Way", "Apt 3"],
            "city": "Fairhaven",
            "state": "MA",
            "postalCode": "02719",
        },
    ],
    "telecom": [
        {"system": "email", "value": "a@example.org"},
        {"system": "phone", "use": "home", "value": "555-0101"},
    ],
    "deceasedBoolean": False,
}


def test_full_patient():
    record = parse(PATIENT)
    assert record.fhir_id == "pat-42" and record.mrn == "SYN123"
    assert (record.family_name, record.given_name) == ("Okafor", "Avery Jo")
    assert record.birth_date == date(1980, 2, 29)
    assert record.address_line == "12 Juniper Way, Apt 3" and record.city == "Fairhaven"
    assert record.phone == "555-0101" and record.security_labels == ("CEL",)
    assert not record.deceased


def test_general_practitioner_people_are_kept_and_an_organisation_is_not():
    record = parse(
        {
            **PATIENT,
            "generalPractitioner": [
                {"reference": "Practitioner/pr-7"},
                {"reference": "PractitionerRole/role-3"},
                {"reference": "Organization/clinic-north"},
            ],
        }
    )
    assert record.general_practitioner_ids == ("pr-7",)
    assert record.general_practitioner_role_ids == ("role-3",)
    assert parse(PATIENT).general_practitioner_ids == ()


def test_partial_dates_and_deceased_time():
    record = parse(
        {**PATIENT, "birthDate": "1975", "deceasedDateTime": "2026-01-01T03:00:00-05:00"}
    )
    assert record.birth_date == date(1975, 1, 1) and record.deceased
    assert record.deceased_at == datetime(2026, 1, 1, 8, tzinfo=UTC)
    assert parse({**PATIENT, "birthDate": "1975-06"}).birth_date == date(1975, 6, 1)
    assert parse({**PATIENT, "deceasedDateTime": "1987"}).deceased_at == datetime(
        1987, 1, 1, tzinfo=UTC
    )


def test_a_death_without_a_time_is_kept_as_a_death():
    record = parse({**PATIENT, "deceasedBoolean": True})
    assert record.deceased and record.deceased_at is None


def test_an_unreadable_death_time_says_which_field():
    with pytest.raises(RecordError, match="deceasedDateTime is not an ISO 8601 instant"):
        parse({**PATIENT, "deceasedDateTime": "last spring"})


def test_minimal_patient():
    record = parse({"resourceType": "Patient", "id": "p1"})
    assert record.mrn == "" and record.family_name == "" and record.birth_date is None


@pytest.mark.parametrize(
    "resource, reason",
    [
        ({"resourceType": "Practitioner", "id": "x"}, "not 'Patient'"),
        ({"resourceType": "Patient"}, "neither an id nor an identifier"),
        ({**PATIENT, "birthDate": "1980-02-30"}, "not a FHIR date"),
    ],
)
def test_unusable_patients_say_why(resource, reason):
    with pytest.raises(RecordError, match=reason):
        parse(resource)


def test_wrong_types_do_not_crash():
    record = parse(
        {
            **PATIENT,
            "name": "Okafor",
            "address": {"city": "x"},
            "telecom": 5,
            "meta": [],
            "identifier": "SYN",
        }
    )
    assert record.family_name == "" and record.mrn == ""
    assert record.city == "x"  # an address object that is not wrapped in a list is still read


def test_reader(tmp_path):
    path = tmp_path / "Patient.ndjson"
    path.write_text(json.dumps(PATIENT) + "\n" + json.dumps({"resourceType": "Patient"}) + "\n")
    items = list(fhir_patient.read(path))
    assert isinstance(items[0], Parsed) and items[0].value.mrn == "SYN123"
    assert isinstance(items[1], Rejected) and items[1].location.line == 2
    assert "SYN123" not in items[1].reason
