"""An assessment from sending to conclusion, through the vendor portal: the link's scope and
expiry, drafts, evidence, submission, review, findings, corrective actions, risk acceptance,
reminders."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hygeia.core.models import AuditEntry
from hygeia.vendors import assessments, monitor, questionnaire
from hygeia.vendors.models import Answer, Assessment, CorrectiveAction, PortalLink, Vendor
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(db):
    return next(q for q in questionnaire.install_bundled() if q.key != "mds2")


@pytest.fixture
def sent(product, form):
    item = assessments.create(product.vendor, form, timezone.localdate() + timedelta(days=10))
    token = assessments.send(item, "security@meridian.example")
    return item, token


def test_the_link_is_a_256_bit_token_kept_only_as_a_hash(sent, smtp):
    item, token = sent
    link = PortalLink.objects.get(assessment=item)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert link.token_hash == PortalLink.digest(token) and token not in link.token_hash
    assert not AuditEntry.objects.filter(summary__contains=token).exists()
    assert item.state == "sent" and link.expires_at > timezone.now() + timedelta(days=20)


def test_the_link_opens_its_assessment_only(sent, form, product):
    item, token = sent
    other_vendor = Vendor.objects.create(legal_name="Other Vendor")
    other = assessments.create(other_vendor, form, timezone.localdate() + timedelta(days=5))
    other_token = assessments.send(other, "x@other.example")
    client = Client()
    page = client.get(f"/portal/{token}/")
    assert page.status_code == 200 and item.vendor.legal_name in page.content.decode()
    assert "Other Vendor" not in page.content.decode()
    # A corrective action of another vendor cannot be touched with this link.
    finding = assessments.raise_finding(other, other_vendor, "x", "low")
    foreign = assessments.plan_action(finding, "fix", "them", timezone.localdate())
    response = client.post(f"/portal/{token}/actions/{foreign.pk}/", {"status": "done"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "planned"
    assert client.get(f"/portal/{other_token}/").status_code == 200
    assert client.get(f"/portal/{token[:-1]}x/").status_code == 404
    assert client.get("/portal/guess/").status_code == 404


def test_expired_revoked_and_closed_links_are_refused(sent):
    item, token = sent
    client = Client()
    link = PortalLink.objects.get(assessment=item)
    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()
    assert client.get(f"/portal/{token}/").status_code == 404
    link.expires_at = timezone.now() + timedelta(days=1)
    link.save()
    assert client.get(f"/portal/{token}/").status_code == 200
    assessments.revoke(link)
    assert client.get(f"/portal/{token}/").status_code == 404
    assert "not valid" in client.get(f"/portal/{token}/").content.decode()


def _post(client, token, answers, submit=False):
    data = {f"q-{k}": v for k, v in answers.items()}
    for key, value in answers.items():
        if isinstance(value, list):
            data[f"q-{key}-present"] = "1"
    data["submit"] = "1" if submit else "0"
    return client.post(f"/portal/{token}/", data)


def test_draft_evidence_submit_then_frozen(sent, smtp, make_user):
    item, token = sent
    make_user("vera", "Vendor Risk Manager")
    client = Client()
    _post(client, token, {"profile.1": "Pump gateway", "profile.2": ["phi"], "gov.3": ["soc2"]})
    item.refresh_from_db()
    assert item.state == "in_progress" and item.answers.count() == 3
    # Submitting too early names what is missing and keeps the draft.
    _post(client, token, {"profile.5": "yes"}, submit=True)
    item.refresh_from_db()
    assert item.state == "in_progress"
    assert "profile.6" in client.get(f"/portal/{token}/").content.decode()
    # Evidence: checked by content; a renamed executable is refused.
    bad = io.BytesIO(b"MZ\x90\x00 not a pdf")
    bad.name = "report.pdf"
    client.post(f"/portal/{token}/upload/", {"question_id": "gov.4", "file": bad})
    good = io.BytesIO(b"%PDF-1.7 SOC 2 report")
    good.name = "soc2.pdf"
    client.post(f"/portal/{token}/upload/", {"question_id": "gov.4", "file": good})
    [evidence] = item.files.all()
    assert evidence.name == "soc2.pdf" and evidence.kind == "pdf"
    stored = assessments.file_path(evidence)
    assert stored.name != "soc2.pdf" and oct(stored.stat().st_mode)[-3:] == "600"
    _post(client, token, {"profile.6": "Relay Cloud runs the servers."}, submit=True)
    item.refresh_from_db()
    assert item.state == "submitted" and item.score is not None
    assert any("submitted" in body for _, body in smtp.messages)
    # Frozen: no more changes through the link.
    _post(client, token, {"profile.1": "changed"})
    assert Answer.objects.get(assessment=item, question_id="profile.1").value == "Pump gateway"
    assert AuditEntry.objects.filter(actor__startswith="vendor:", object_id=item.number).exists()


def test_bad_answers_are_reported_and_the_rest_saved(sent):
    item, token = sent
    client = Client()
    response = _post(client, token, {"inc.3": "soon", "gov.1": "yes"})
    assert response.status_code == 302
    assert Answer.objects.filter(assessment=item, question_id="gov.1").exists()
    assert not Answer.objects.filter(assessment=item, question_id="inc.3").exists()


def test_review_findings_actions_acceptance_and_conclusion(sent, make_user, smtp):
    item, token = sent
    manager = make_user("vera", "Vendor Risk Manager")
    ciso = make_user("ciso", "Security Officer")
    assessments.save_answers(
        item,
        {
            "profile.1": "x",
            "profile.2": ["none"],
            "profile.5": "no",
            "access.5": "no",
            "inc.4": "no",
        },
        {},
        submit=True,
    )
    item.refresh_from_db()
    staff = signed_in_client(manager)
    url = f"/vendors/assessments/{item.number}/act/"
    staff.post(
        url,
        {
            "action": "review_answer",
            "question_id": "access.2",
            "verdict": "unsatisfactory",
            "comment": "No MFA",
        },
    )
    item.refresh_from_db()
    assert item.state == "in_review"
    assert Answer.objects.get(assessment=item, question_id="access.2").review == "unsatisfactory"
    staff.post(url, {"action": "finding", "title": "No MFA on support", "severity": "high"})
    finding = item.findings.get()
    staff.post(
        url,
        {
            "action": "plan",
            "finding": finding.pk,
            "description": "Enable MFA",
            "owner": "Vendor CISO",
            "due_on": "2030-01-01",
        },
    )
    step = CorrectiveAction.objects.get()
    # The vendor sees the action in the portal and reports progress.
    vendor_page = Client().get(f"/portal/{token}/").content.decode()
    assert "Enable MFA" in vendor_page
    Client().post(f"/portal/{token}/actions/{step.pk}/", {"status": "done", "update": "Rolled out"})
    step.refresh_from_db()
    assert (step.status, step.vendor_update) == ("done", "Rolled out")
    # Only an approver may accept the risk, and only until a date.
    accept = f"/vendors/{item.vendor_id}/accept/"
    assert staff.post(accept, {"reason": "x", "expires_on": "2030-01-01"}).status_code == 403
    approver = signed_in_client(ciso)
    approver.post(
        accept,
        {
            "finding": finding.pk,
            "reason": "IP allow-list meanwhile",
            "expires_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert not finding.acceptances.exists()
    approver.post(
        accept,
        {
            "finding": finding.pk,
            "reason": "IP allow-list meanwhile",
            "expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
        },
    )
    finding.refresh_from_db()
    assert finding.status == "accepted" and finding.acceptances.get().approver == ciso
    staff.post(
        url,
        {"action": "conclude", "conclusion": "conditions", "residual_risk": "medium", "note": ""},
    )
    item.refresh_from_db()
    assert item.state == "in_review"  # a conclusion needs its rationale
    staff.post(
        url,
        {
            "action": "conclude",
            "conclusion": "conditions",
            "residual_risk": "medium",
            "note": "Acceptable with MFA by January.",
        },
    )
    item.refresh_from_db()
    vendor = item.vendor
    vendor.refresh_from_db()
    assert item.state == "concluded" and vendor.residual_risk == "medium"
    assert vendor.last_assessed_on == timezone.localdate() and vendor.next_assessment_due
    assert Client().get(f"/portal/{token}/").status_code == 404  # the link closes with it


def test_a_new_assessment_is_prefilled_from_the_previous_one(sent, form):
    item, _ = sent
    assessments.save_answers(
        item,
        {
            "profile.1": "Gateway",
            "gov.1": "yes",
            "profile.2": ["none"],
            "profile.5": "no",
            "access.5": "no",
            "inc.4": "no",
        },
        {},
        submit=True,
    )
    following = assessments.create(item.vendor, form, timezone.localdate() + timedelta(days=30))
    prefilled = {a.question_id: a for a in following.answers.all()}
    assert prefilled["gov.1"].value == "yes" and prefilled["gov.1"].prefilled
    token = assessments.send(following, "security@meridian.example")
    assert "pre-filled" in Client().get(f"/portal/{token}/").content.decode()


def test_reminders_go_7_3_and_1_days_before_once_each(sent, smtp):
    item, _ = sent
    due = item.due_on
    for days_before in (8, 7, 7, 5, 3, 1, 1, 0):
        monitor.remind(due - timedelta(days=days_before))
    reminders = [body for to, body in smtp.messages if "Reminder" in body]
    assert len(reminders) == 3
    item.refresh_from_db()
    assert sorted(item.reminders_sent) == [1, 3, 7]
    assert all(
        to == ["security@meridian.example"] for to, body in smtp.messages if "Reminder" in body
    )


def test_a_submitted_assessment_gets_no_reminder(sent, smtp):
    item, _ = sent
    item.state = Assessment.State.SUBMITTED
    item.save()
    monitor.remind(item.due_on - timedelta(days=7))
    assert not [b for _, b in smtp.messages if "Reminder" in b]
