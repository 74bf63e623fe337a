"""Audit entries as FHIR R4 AuditEvent following IHE BALP."""

from __future__ import annotations

import pytest

from hygeia.core import audit
from hygeia.core.audit_export import iter_csv
from hygeia.core.audit_fhir import BALP, to_audit_event
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _coding_codes(event, key):
    value = event[key]
    return [value["code"]] if isinstance(value, dict) else [c["code"] for c in value]


def test_login_is_a_balp_login_event(make_user):
    make_user("sam", "Staff")
    from django.test import Client

    from tests.conftest import PASSWORD

    Client().post("/login/", {"username": "sam", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    entry = audit.AuditEntry.objects.get(action="login")
    event = to_audit_event(entry)
    assert event["meta"]["profile"] == [f"{BALP}Login"]
    assert event["type"]["code"] == "110114"
    assert event["subtype"][0]["code"] == "110122"
    assert event["action"] == "E" and event["outcome"] == "0"
    user_agent = next(a for a in event["agent"] if a["requestor"])
    assert user_agent["who"]["identifier"]["value"] == "sam"
    assert user_agent["network"] == {"address": "10.1.2.3", "type": "2"}
    assert {a["type"]["coding"][0]["code"] for a in event["agent"]} >= {"110153", "110152"}


def test_failed_login_has_a_failure_outcome():
    entry = audit.record(audit.Action.LOGIN_FAILED, outcome="failure", summary="wrong password")
    event = to_audit_event(entry)
    assert event["outcome"] == "4" and "meta" not in event


def test_patient_read_names_the_patient_by_opaque_id(make_user, patients):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    client.get(f"/patients/{patients[0].id}/")
    entry = audit.AuditEntry.objects.filter(action="view_phi").latest("seq")
    event = to_audit_event(entry)
    assert event["meta"]["profile"] == [f"{BALP}PatientRead"]
    assert event["action"] == "R" and event["subtype"][0]["code"] == "read"
    patient = next(e for e in event["entity"] if e.get("role", {}).get("code") == "1")
    assert patient["what"]["reference"] == f"Patient/{patients[0].id}"
    assert patient["type"]["code"] == "1"


def test_patient_list_is_a_patient_query(make_user, patients):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    client.get("/patients/")
    event = to_audit_event(audit.AuditEntry.objects.filter(action="view_phi").latest("seq"))
    assert event["meta"]["profile"] == [f"{BALP}PatientQuery"]
    refs = [
        e["what"]["reference"] for e in event["entity"] if "what" in e and "reference" in e["what"]
    ]
    assert len(refs) == 25


@pytest.mark.parametrize(
    "action, profile, code",
    [
        (audit.Action.CREATE, "Create", "C"),
        (audit.Action.UPDATE, "Update", "U"),
        (audit.Action.DELETE, "Delete", "D"),
        (audit.Action.EXPORT, "Query", "R"),
    ],
)
def test_record_changes_map_to_balp_rest_profiles(action, profile, code):
    event = to_audit_event(audit.record(action, object_type="core.user", object_id=3))
    assert event["meta"]["profile"] == [f"{BALP}{profile}"] and event["action"] == code


def test_permission_change_uses_the_dicom_security_codes(make_user):
    user = make_user("sam")
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name="Auditor"))
    entry = audit.AuditEntry.objects.filter(action="permission_change").latest("seq")
    event = to_audit_event(entry)
    assert event["type"]["code"] == "110113" and event["subtype"][0]["code"] == "110136"
    assert entry.details == {"user": "sam", "roles": ["Auditor"], "change": "granted"}


def test_event_carries_the_chain_hash():
    entry = audit.record(audit.Action.SYSTEM)
    extensions = {x["url"]: x for x in to_audit_event(entry)["extension"]}
    assert extensions["urn:hygeia:audit-chain"]["valueString"] == entry.entry_hash
    assert extensions["urn:hygeia:audit-seq"]["valueInteger"] == entry.seq


def test_csv_export_defuses_spreadsheet_formulas():
    audit.record(audit.Action.SYSTEM, summary='=HYPERLINK("http://x")')
    text = "".join(iter_csv(audit.AuditEntry.objects.order_by("seq")))
    assert "'=HYPERLINK" in text


def test_ui_export_is_audited_and_streams(make_user):
    client = signed_in_client(make_user("aud", "Auditor"))
    response = client.get("/audit/export/ndjson/?action=login")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    b"".join(response.streaming_content)
    assert audit.AuditEntry.objects.filter(action="export", actor="aud").exists()
    assert client.get("/audit/export/xml/").status_code == 404
