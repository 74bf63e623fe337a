"""The workspace through the JSON API: the queue, triage, cases, deadlines, a patient's
accesses; masking and the audited reveal; and `hygeia privacy remind`."""

from __future__ import annotations

import json
from datetime import date

import pytest

from hygeia.cli import main
from hygeia.core.models import AuditEntry
from hygeia.privacy.cases.models import BreachAssessment
from hygeia.privacy.models import Alert, Incident, Patient
from tests.conftest import signed_in_client
from tests.privacy.cases.conftest import make_alert, make_incident

pytestmark = pytest.mark.django_db


def test_queue_filters_masks_and_reveals(make_user):
    make_alert("k1", "vip", score=90, patient="pt-alpha-1")
    make_alert("k2", "surge", score=50)
    client = signed_in_client(make_user("po", "Privacy Officer"))
    body = client.get("/api/alerts?detector=vip").json()
    assert body["count"] == 1 and body["counts"]["open"] == 2
    assert body["alerts"][0]["patient"] == "Patient •••••••a-1"
    body = client.get("/api/alerts?detector=vip&reveal=true").json()
    assert body["alerts"][0]["patient"] == "pt-alpha-1"
    assert AuditEntry.objects.filter(object_type="privacy.reveal").count() == 1
    analyst = signed_in_client(make_user("an", "Security Analyst"))
    assert (
        analyst.get("/api/alerts?reveal=true").json()["alerts"][0]["patient"].startswith("Patient")
    )
    assert client.get("/api/alerts?since=yesterday").status_code == 422


def test_triage_and_a_case_through_the_api(make_user):
    incident = make_incident("i1", "nurse1", ("k1", "pt-1"))
    loose = make_alert("k9")
    officer = signed_in_client(make_user("po", "Privacy Officer"))
    response = officer.post(
        "/api/alerts/triage",
        {"alerts": [loose.pk], "action": "review"},
        content_type="application/json",
    )
    assert response.json() == {"changed": 1}
    assert (
        officer.post(
            "/api/alerts/triage", {"alerts": [1], "action": "nuke"}, content_type="application/json"
        ).status_code
        == 422
    )
    created = officer.post(
        "/api/cases",
        {"incidents": [incident.pk], "title": "Cousin"},
        content_type="application/json",
    )
    assert created.status_code == 201
    number = created.json()["number"]
    for change in (
        {"action": "note", "text": "Interview booked."},
        {"action": "status", "status": "investigating"},
        {
            "action": "decide",
            "disposition": "violation",
            "violation_category": "family",
            "rationale": "Admitted.",
        },
    ):
        response = officer.post(
            f"/api/cases/{number}/changes", change, content_type="application/json"
        )
        assert response.status_code == 200, response.content
    case = officer.get(f"/api/cases/{number}").json()
    assert case["status"] == "decided" and case["disposition"] == "violation"
    assert "Interview booked." in [n["text"] for n in case["notes"]]
    assert Alert.objects.get(key="k1").disposition == "true_positive"
    bad = officer.post(
        f"/api/cases/{number}/changes",
        {"action": "status", "status": "new"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "can move to" in bad.json()["detail"]
    assert [c["number"] for c in officer.get("/api/cases?status=decided").json()] == [number]
    assert officer.get(f"/api/incidents/{incident.pk}").json()["cases"] == [number]


def test_deadlines_and_remind_command(make_user, smtp, capsys):
    officer = make_user("po", "Privacy Officer")
    incident = make_incident("i1", "n1", ("k1", "pt-1"))
    from hygeia.privacy.cases import workflow

    case = workflow.open_case(officer, incidents=[incident])
    case.discovered_on = date(2026, 1, 1)
    case.save()
    BreachAssessment.objects.create(case=case, conclusion="breach", individuals_affected=2)
    client = signed_in_client(officer)
    due = client.get("/api/breach/deadlines").json()
    assert [(d["kind"], d["due"]) for d in due] == [
        ("individuals", "2026-03-02"),
        ("hhs_annual_log", "2027-03-01"),
    ]
    assert main(["privacy", "remind", "--today", "2026-03-01", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["sent"] == 1 and result["open_deadlines"] == 2 and result["overdue"] == 0
    assert len(smtp.messages) == 1


def test_patient_accesses_through_the_api(hospital, make_user):
    patient = Patient.objects.get(fhir_id="pt-report")
    client = signed_in_client(make_user("po", "Privacy Officer"))
    rows = client.get(
        f"/api/patients/{patient.pk}/accesses?since=2025-10-01&until=2025-11-10"
    ).json()
    assert [(r["user"], r["explained"]) for r in rows] == [("c1", "yes"), ("c2", "no")]
    assert (
        client.get(
            f"/api/patients/{patient.pk}/accesses?since=2025-11-10&until=2025-10-01"
        ).status_code
        == 422
    )
    assert Incident.objects.exists()
