"""FHIR context resources: Practitioner, PractitionerRole, Organization, Encounter,
Appointment, CareTeam."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hygeia.lake.records import RecordError
from hygeia.privacy.sources import fhir_clinical as fc


def test_practitioner_login_and_npi():
    record = fc.parse_practitioner(
        {
            "resourceType": "Practitioner",
            "id": "pr1",
            "identifier": [
                {"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"},
                {"system": "urn:example:login", "value": "jdoe"},
            ],
            "name": [{"family": "Doe", "given": ["Jan", "K"]}],
            "active": False,
        }
    )
    assert (record.login, record.npi, record.given_name, record.active) == (
        "jdoe",
        "1234567893",
        "Jan K",
        False,
    )


def test_role_and_department_hierarchy():
    role = fc.parse_practitioner_role(
        {
            "resourceType": "PractitionerRole",
            "id": "r1",
            "practitioner": {"reference": "Practitioner/pr1"},
            "organization": {"reference": "Organization/dept-ed"},
            "code": [{"coding": [{"code": "nurse"}]}],
            "period": {"start": "2020-01-01"},
        }
    )
    assert (role.practitioner_id, role.organization_id, role.role_codes) == (
        "pr1",
        "dept-ed",
        ("nurse",),
    )
    assert role.start == datetime(2020, 1, 1, tzinfo=UTC)
    org = fc.parse_organization(
        {
            "resourceType": "Organization",
            "id": "dept-ed",
            "name": "ED",
            "partOf": {"reference": "Organization/h"},
        }
    )
    assert org.part_of == "h"


def test_encounter_r4_and_r5_shapes():
    r4 = fc.parse_encounter(
        {
            "resourceType": "Encounter",
            "id": "e1",
            "class": {"code": "IMP"},
            "subject": {"reference": "Patient/p1"},
            "participant": [
                {"individual": {"reference": "Practitioner/pr1"}},
                {"individual": {"reference": "PractitionerRole/r2"}},
            ],
            "period": {"start": "2026-03-08T01:00:00-06:00", "end": "2026-03-10T12:00:00-05:00"},
            "serviceProvider": {"reference": "Organization/dept-im"},
        }
    )
    assert (r4.patient_id, r4.encounter_class, r4.practitioner_ids, r4.practitioner_role_ids) == (
        "p1",
        "IMP",
        ("pr1",),
        ("r2",),
    )
    assert r4.start == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    r5 = fc.parse_encounter(
        {
            "resourceType": "Encounter",
            "id": "e2",
            "class": [{"coding": [{"code": "AMB"}]}],
            "subject": {"reference": "Patient/p1"},
            "participant": [{"actor": {"reference": "Practitioner/pr9"}}],
            "actualPeriod": {"start": "2026-03-08"},
        }
    )
    assert (r5.encounter_class, r5.practitioner_ids) == ("AMB", ("pr9",))


def test_appointment_and_care_team():
    appointment = fc.parse_appointment(
        {
            "resourceType": "Appointment",
            "id": "a1",
            "start": "2026-03-08T09:00:00Z",
            "participant": [
                {"actor": {"reference": "Patient/p1"}},
                {"actor": {"reference": "Practitioner/pr1"}},
            ],
        }
    )
    assert (appointment.patient_id, appointment.practitioner_ids) == ("p1", ("pr1",))
    assert appointment.created is None
    booked = fc.parse_appointment(
        {
            "resourceType": "Appointment",
            "id": "a2",
            "created": "2026-03-01T10:15:00-05:00",
            "start": "2026-03-08T09:00:00Z",
            "participant": [{"actor": {"reference": "Patient/p1"}}],
        }
    )
    assert booked.created == datetime(2026, 3, 1, 15, 15, tzinfo=UTC)
    with pytest.raises(RecordError, match="created"):
        fc.parse_appointment(
            {
                "resourceType": "Appointment",
                "id": "a3",
                "created": "the first of March",
                "participant": [{"actor": {"reference": "Patient/p1"}}],
            }
        )
    team = fc.parse_care_team(
        {
            "resourceType": "CareTeam",
            "id": "c1",
            "subject": {"reference": "Patient/p1"},
            "participant": [
                {"member": {"reference": "Practitioner/pr1"}},
                {"member": {"reference": "Organization/dept-ed"}},
            ],
        }
    )
    assert (team.practitioner_ids, team.organization_ids) == (("pr1",), ("dept-ed",))


@pytest.mark.parametrize(
    ("parse", "resource", "reason"),
    [
        (fc.parse_encounter, {"resourceType": "Encounter", "id": "e"}, "no Patient subject"),
        (
            fc.parse_appointment,
            {"resourceType": "Appointment", "id": "a", "participant": 3},
            "no Patient",
        ),
        (fc.parse_care_team, {"resourceType": "CareTeam", "id": "c"}, "no Patient subject"),
        (fc.parse_practitioner, {"resourceType": "Practitioner"}, "has no id"),
        (fc.parse_organization, {"resourceType": "Patient", "id": "x"}, "not 'Organization'"),
        (
            fc.parse_encounter,
            {
                "resourceType": "Encounter",
                "id": "e",
                "subject": {"reference": "Patient/p"},
                "period": {"start": "2026-03-08T10:00:00"},
            },
            "period.start has no time-zone offset",
        ),
    ],
)
def test_unusable_resources_say_why(parse, resource, reason):
    with pytest.raises(RecordError, match=reason):
        parse(resource)


def test_context_dates_keep_any_year_an_event_could_not_have():
    """A physician on staff since 1988 and a role that ends on 9999-12-31 are real context;
    only events are held to 1990 to next year."""
    role = fc.parse_practitioner_role(
        {
            "resourceType": "PractitionerRole",
            "id": "r1",
            "practitioner": {"reference": "Practitioner/pr1"},
            "period": {"start": "1988-07-01", "end": "9999-12-31"},
        }
    )
    assert (role.start.year, role.end.year) == (1988, 9999)
    encounter = fc.parse_encounter(
        {
            "resourceType": "Encounter",
            "id": "e",
            "subject": {"reference": "Patient/p"},
            "period": {"start": "1975-03-08T10:00:00+01:00"},
        }
    )
    assert encounter.start.year == 1975


def test_a_context_date_past_the_last_instant_is_refused_with_its_field():
    with pytest.raises(RecordError, match=r"period\.end is beyond the last representable"):
        fc.parse_encounter(
            {
                "resourceType": "Encounter",
                "id": "e",
                "subject": {"reference": "Patient/p"},
                "period": {"end": "9999-12-31T23:00:00-05:00"},
            }
        )


def test_an_access_event_keeps_the_window():
    from hygeia.privacy.events import parse_instant

    with pytest.raises(RecordError, match="recorded 1988 is outside 1990"):
        parse_instant("1988-07-01T00:00:00Z", "recorded")
