"""Cases: opening, the status workflow, decisions feeding detector feedback, sanctions,
evidence files, and the outside reviewer's link."""

from __future__ import annotations

import io
import stat
from datetime import date, timedelta

import pytest
from django.utils import timezone

from hygeia.core.models import AuditEntry
from hygeia.privacy.cases import workflow
from hygeia.privacy.cases.models import Case, ReviewerInvite
from hygeia.privacy.models import Alert
from tests.conftest import signed_in_client
from tests.privacy.cases.conftest import make_alert, make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("po", "Privacy Officer")


def test_open_case_from_alerts_takes_their_incidents_and_numbers_per_year(officer):
    incident = make_incident("i1", "nurse1", ("k1", "pt-1"), ("k2", "pt-2"))
    loose = make_alert("k3", user="nurse2")
    case = workflow.open_case(officer, alerts=[Alert.objects.get(key="k1"), loose])
    assert case.number == f"C-{timezone.now().year}-0001"
    assert list(case.incidents.all()) == [incident]
    assert case.subjects == ["nurse1", "nurse2"] and case.assignee == officer
    assert set(Alert.objects.values_list("status", flat=True)) == {"in_case"}
    other = make_incident("i2", "nurse3", ("k4", "pt-4"))
    assert workflow.open_case(officer, incidents=[other]).number.endswith("-0002")
    with pytest.raises(workflow.WorkflowError, match="already in open case"):
        workflow.open_case(officer, incidents=[incident])
    with pytest.raises(workflow.WorkflowError, match="at least one"):
        workflow.open_case(officer)


def test_status_workflow_allows_only_its_transitions(officer):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    with pytest.raises(workflow.WorkflowError, match="can move to"):
        workflow.set_status(case, Case.Status.CLOSED, officer)
    workflow.set_status(case, Case.Status.INVESTIGATING, officer)
    workflow.set_status(case, Case.Status.AWAITING_INTERVIEW, officer)
    with pytest.raises(workflow.WorkflowError, match="disposition first"):
        workflow.set_status(case, Case.Status.DECIDED, officer)
    workflow.decide(case, officer, "violation", "looked up her cousin", "family")
    assert case.status == Case.Status.DECIDED
    workflow.set_status(case, Case.Status.CLOSED, officer)
    assert case.closed_at is not None
    assert Alert.objects.get(key="k1").status == "closed"
    history = [n.text for n in case.notes.filter(kind="status")]
    assert history == [
        "New → Investigating",
        "Investigating → Awaiting interview",
        "Awaiting interview → Decided",
        "Decided → Closed",
    ]


@pytest.mark.parametrize(
    ("disposition", "extra", "feeds"),
    [
        ("violation", {"violation_category": "coworker"}, "true_positive"),
        ("appropriate", {}, "false_positive"),
        ("false_positive", {"false_positive_reason": "covering"}, "false_positive"),
    ],
)
def test_decision_teaches_the_detectors(officer, disposition, extra, feeds):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    workflow.decide(case, officer, disposition, "interviewed; see notes", **extra)
    alert = Alert.objects.get(key="k1")
    assert alert.disposition == feeds and case.number in alert.disposition_note


def test_decision_needs_its_category_reason_and_rationale(officer):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    with pytest.raises(workflow.WorkflowError, match="category"):
        workflow.decide(case, officer, "violation", "why")
    with pytest.raises(workflow.WorkflowError, match="reason"):
        workflow.decide(case, officer, "false_positive", "why", false_positive_reason="made-up")
    with pytest.raises(workflow.WorkflowError, match="rationale"):
        workflow.decide(case, officer, "appropriate", "  ")
    with pytest.raises(workflow.WorkflowError, match="unknown disposition"):
        workflow.decide(case, officer, "shrug", "why")
    assert Alert.objects.get(key="k1").disposition == ""


def test_sanctions_follow_a_violation_for_an_investigated_employee(officer):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    with pytest.raises(workflow.WorkflowError, match="follow a decided"):
        workflow.add_sanction(case, officer, "n1", "warning", date.today())
    workflow.decide(case, officer, "violation", "confirmed", "curiosity")
    with pytest.raises(workflow.WorkflowError, match="not an employee"):
        workflow.add_sanction(case, officer, "someone-else", "warning", date.today())
    with pytest.raises(workflow.WorkflowError, match="unknown sanction"):
        workflow.add_sanction(case, officer, "n1", "flogging", date.today())
    workflow.add_sanction(case, officer, "n1", "education", date.today())
    later = workflow.open_case(officer, incidents=[make_incident("i2", "n1", ("k2", "pt-2"))])
    workflow.decide(later, officer, "violation", "again", "curiosity")
    workflow.add_sanction(later, officer, "n1", "warning", date.today() + timedelta(days=1))
    client = signed_in_client(officer)
    page = client.get(f"/alerts/incidents/{later.incidents.get().pk}/").content.decode()
    assert "Written warning" in page and "Education / retraining" in page


def test_the_case_page_works_the_case_through_forms(officer):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    client = signed_in_client(officer)
    url = f"/cases/{case.number}/update/"
    client.post(url, {"action": "note", "text": "Called the manager."})
    client.post(url, {"action": "status", "status": "investigating"})
    client.post(
        url,
        {
            "action": "decide",
            "disposition": "violation",
            "violation_category": "vip",
            "rationale": "No care relationship.",
        },
    )
    client.post(
        url,
        {"action": "sanction", "subject": "n1", "kind": "suspension", "effective_on": "2026-01-05"},
    )
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "Called the manager." in page and "Policy violation" in page
    assert "Suspension" in page and "2026-01-05" in page
    case.refresh_from_db()
    assert case.status == "decided" and case.violation_category == "vip"
    assert AuditEntry.objects.filter(object_type="privacy.case", object_id=case.number).exists()
    analyst = signed_in_client(officer.__class__.objects.create_user("an"))
    assert analyst.post(url, {"action": "note", "text": "x"}).status_code == 403


def test_evidence_is_checked_stored_outside_the_web_root_and_downloaded(officer, settings):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    client = signed_in_client(officer)
    pdf = io.BytesIO(b"%PDF-1.4\n% statement\n")
    pdf.name = "statement.pdf"
    client.post(f"/cases/{case.number}/attachments/", {"file": pdf})
    attachment = case.attachments.get()
    stored = workflow.attachment_path(attachment)
    assert settings.DATA_DIR in stored.parents and "static" not in str(stored)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    response = client.get(f"/cases/{case.number}/attachments/{attachment.pk}/")
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
    assert 'filename="statement.pdf"' in response["Content-Disposition"]
    fake = io.BytesIO(b"MZ\x90\x00 this is a program")
    fake.name = "invoice.pdf"
    response = client.post(f"/cases/{case.number}/attachments/", {"file": fake}, follow=True)
    assert "not a PDF" in response.content.decode()
    script = io.BytesIO(b"<script>alert(1)</script>")
    script.name = "page.html"
    response = client.post(f"/cases/{case.number}/attachments/", {"file": script}, follow=True)
    assert "not accepted" in response.content.decode()
    settings.MAX_UPLOAD_BYTES = 10
    big = io.BytesIO(b"%PDF-1.4" + b"x" * 100)
    big.name = "big.pdf"
    response = client.post(f"/cases/{case.number}/attachments/", {"file": big}, follow=True)
    assert response.status_code == 413
    assert "big.pdf is larger than the" in response.content.decode()
    assert case.attachments.count() == 1


def test_outside_reviewer_sees_that_case_only_masked_and_adds_a_statement(officer, smtp):
    case = workflow.open_case(
        officer, incidents=[make_incident("i1", "n1", ("k1", "pt-hidden-77"))]
    )
    other = workflow.open_case(officer, incidents=[make_incident("i2", "n9", ("k9", "pt-9"))])
    invite, token = workflow.invite_reviewer(case, officer, "Dana Manager", "dana@example.org")
    assert ReviewerInvite.objects.get().token_hash == ReviewerInvite.digest(token)
    assert token not in ReviewerInvite.objects.get().token_hash
    ((to, body),) = smtp.messages
    assert to == ["dana@example.org"] and f"/review/{token}/" in body and "pt-hidden" not in body
    from django.test import Client

    reviewer = Client()
    page = reviewer.get(f"/review/{token}/").content.decode()
    assert case.number in page and "reason for k1" in page
    assert "pt-hidden-77" not in page and other.number not in page
    reviewer.post(f"/review/{token}/", {"text": "She covered the ward that night."})
    statement = case.notes.get(kind="reviewer")
    assert statement.author_name == "Dana Manager (outside reviewer)"
    assert reviewer.get(f"/cases/{case.number}/").status_code == 302  # sign-in, not the case
    assert reviewer.get(f"/review/{token}x/").status_code == 404
    workflow.revoke_invite(invite, officer)
    assert reviewer.get(f"/review/{token}/").status_code == 404
    _, expired = workflow.invite_reviewer(case, officer, "Late", "late@example.org")
    ReviewerInvite.objects.filter(name="Late").update(expires_at=timezone.now())
    assert reviewer.get(f"/review/{expired}/").status_code == 404
    assert AuditEntry.objects.filter(actor="reviewer:dana@example.org").exists()


def test_reviewer_invitation_needs_a_name_and_an_address(officer):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    with pytest.raises(workflow.WorkflowError):
        workflow.invite_reviewer(case, officer, "", "x@example.org")
    with pytest.raises(workflow.WorkflowError):
        workflow.invite_reviewer(case, officer, "Name", "not-an-address")
