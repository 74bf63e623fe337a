"""Intake and approval: duplicates shown first, stages from content by risk tier, decisions in
order with checklists, changes requested and resubmitted, approval with conditions and the
re-review date, rejection, reminders over real SMTP, and who may do what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hygeia.ai import content, intake, inventory
from hygeia.ai.models import AIReview, AITool
from hygeia.cli import main
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Ambient scribe",
    "vendor": "Acme Health",
    "kind": "product",
    "department": "Primary Care",
    "intended_use": "Draft visit notes from the conversation",
    "phi_use": "phi",
    "decision_role": "informs",
    "clinical_risk_level": "low",
    "generative": "on",
}


def request_as(client, **changes):
    return client.post("/ai/request/", {**FORM, **changes})


def approve_all(tool, user, conditions_at: str = "") -> None:
    while (stage := intake.current(tool)) is not None:
        decision = "approved_with_conditions" if stage.stage == conditions_at else "approved"
        intake.decide(
            stage,
            user,
            decision,
            conditions="Human sign-off on every note" if decision != "approved" else "",
            ticked=list(stage.checklist),
        )
        tool.refresh_from_db()


def test_staff_request_opens_the_stages_for_its_tier(make_user, smtp):
    make_user("rev", "AI Governance Reviewer")
    staff = make_user("nurse", "Staff")
    client = signed_in_client(staff)
    response = request_as(client)
    assert response.status_code == 302 and response["Location"] == "/ai/requests/"
    tool = AITool.objects.get()
    assert (tool.state, tool.requester, tool.owner) == ("in_review", staff, staff)
    assert tool.risk_tier == "moderate"  # low 1 + PHI 2 + generative 1 = 4
    assert [r.stage for r in intake.reviews(tool)] == [
        "privacy",
        "security",
        "clinical",
        "committee",
    ]  # no legal below high
    assert "waits for privacy review" in smtp.messages[0][1]
    page = client.get("/ai/requests/").content.decode()
    assert "Ambient scribe" in page and "Privacy review: pending" in page
    assert client.get(f"/ai/{tool.reference}/").status_code == 200  # the requester follows it
    other = signed_in_client(make_user("clerk", "Staff"))
    assert other.get(f"/ai/{tool.reference}/").status_code == 403


def test_high_tier_requests_go_through_legal():
    tool = AITool(
        name="Sepsis predictor",
        intended_use="Early warning",
        clinical_risk_level="high",
        decision_role="augments",
        phi_use="phi",
    )
    intake.submit(tool, None)
    assert tool.risk_tier == "high"
    assert "legal" in [r.stage for r in intake.reviews(tool)]


def test_likely_duplicates_are_shown_before_submitting(make_user):
    existing = AITool(
        name="Acme Ambient Scribe", vendor="Acme Health", domains=["scribe.acme.example"]
    )
    inventory.save(existing, "t")
    client = signed_in_client(make_user("nurse", "Staff"))
    page = request_as(client).content.decode()
    assert "may already be in the inventory" in page and existing.reference in page
    assert AITool.objects.count() == 1
    page = request_as(
        client, name="Dictation helper", vendor="Other", domains_text="scribe.acme.example"
    ).content.decode()
    assert "same web domain" in page
    response = request_as(client, confirm_new="1")
    assert response.status_code == 302 and AITool.objects.count() == 2
    assert intake.similar("Totally unrelated radiology triage") == []


def test_stages_are_decided_in_order_and_approval_collects_conditions(make_user, smtp):
    requester = make_user("nurse", "Staff")
    reviewer = make_user("rev", "AI Governance Reviewer")
    tool = AITool(name="Scribe", intended_use="Notes", phi_use="phi", generative=True)
    intake.submit(tool, requester)
    stages = intake.reviews(tool)
    with pytest.raises(intake.IntakeError, match="only the current stage"):
        intake.decide(stages[1], reviewer, "approved", ticked=list(stages[1].checklist))
    with pytest.raises(intake.IntakeError, match="tick every checklist item"):
        intake.decide(stages[0], reviewer, "approved", ticked=[])
    with pytest.raises(intake.IntakeError, match="state the conditions"):
        intake.decide(
            stages[0], reviewer, "approved_with_conditions", ticked=list(stages[0].checklist)
        )
    approve_all(tool, reviewer, conditions_at="security")
    tool.refresh_from_db()
    assert tool.state == "approved_with_conditions"
    assert tool.conditions == "Security review: Human sign-off on every note"
    months = content.risk().review_months(tool.effective_tier)
    assert tool.next_review_on == timezone.localdate() + timedelta(days=30 * months)
    assert any("was approved with conditions" in body for _, body in smtp.messages)
    assert tool.changes.filter(summary="approved with conditions").exists()


def test_changes_requested_then_resubmitted_starts_a_new_round(make_user):
    requester = make_user("nurse", "Staff")
    reviewer = make_user("rev", "AI Governance Reviewer")
    tool = AITool(name="Scribe", intended_use="Notes")
    intake.submit(tool, requester)
    with pytest.raises(intake.IntakeError, match="say why"):
        intake.decide(intake.current(tool), reviewer, "changes_requested")
    intake.decide(
        intake.current(tool), reviewer, "changes_requested", rationale="Describe the data retention"
    )
    tool.refresh_from_db()
    assert tool.state == "proposed" and intake.current(tool) is None
    client = signed_in_client(requester)
    client.post(f"/ai/{tool.reference}/comment/", {"text": "Retention is 30 days."})
    client.post(f"/ai/{tool.reference}/resubmit/")
    tool.refresh_from_db()
    assert tool.state == "in_review"
    assert {r.round for r in intake.reviews(tool)} == {2}
    assert intake.current(tool).stage == "privacy"
    assert tool.comments.filter(author="nurse", text="Retention is 30 days.").exists()


def test_rejection_at_any_stage_ends_the_request(make_user):
    reviewer = make_user("rev", "AI Governance Reviewer")
    tool = AITool(name="Chatbot", intended_use="Answer patient questions")
    intake.submit(tool, None)
    stage = intake.current(tool)
    intake.decide(stage, reviewer, "approved", ticked=list(stage.checklist))
    intake.decide(intake.current(tool), reviewer, "rejected", rationale="No BAA offered")
    tool.refresh_from_db()
    assert tool.state == "rejected" and "No BAA offered" in tool.decision_rationale
    assert intake.current(tool) is None


def test_review_page_decides_the_current_stage(make_user):
    tool = AITool(name="Scribe", intended_use="Notes")
    intake.submit(tool, None)
    stage = intake.current(tool)
    client = signed_in_client(make_user("rev", "AI Governance Reviewer"))
    page = client.get(f"/ai/{tool.reference}/").content.decode()
    assert "Record decision" in page and next(iter(stage.checklist)) in page
    client.post(
        f"/ai/{tool.reference}/review/", {"decision": "approved", "ticked": list(stage.checklist)}
    )
    assert AIReview.objects.get(pk=stage.pk).status == "approved"
    staff = signed_in_client(make_user("nurse", "Staff"))
    assert staff.post(f"/ai/{tool.reference}/review/", {"decision": "approved"}).status_code == 403
    assert staff.post(f"/ai/{tool.reference}/comment/", {"text": "hi"}).status_code == 403


def test_re_review_and_reminders(make_user, smtp, capsys):
    owner = make_user("owner", "Staff")
    make_user("rev", "AI Governance Reviewer")
    waiting = AITool(name="Waiting tool", intended_use="x")
    intake.submit(waiting, None)
    AIReview.objects.filter(tool=waiting).update(opened_at=timezone.now() - timedelta(days=9))
    due = AITool(
        name="Due tool",
        owner=owner,
        state="approved",
        next_review_on=date.today() + timedelta(days=10),
    )
    inventory.save(due, "t")
    smtp.messages.clear()
    assert main(["ai", "remind", "--json"]) == 0
    assert '"waiting": 1' in capsys.readouterr().out
    bodies = [body for _, body in smtp.messages]
    assert any("has waited 9 days" in b for b in bodies)
    assert any("Re-review of" in b and "Due tool" in b for b in bodies)
    intake.start_re_review(due, owner)
    due.refresh_from_db()
    assert due.state == "in_review" and due.next_review_on is None
    with pytest.raises(intake.IntakeError):
        intake.start_re_review(waiting, owner)


def test_a_stage_is_assigned_to_one_reviewer_who_is_told(make_user, smtp):
    first = make_user("rev", "AI Governance Reviewer")
    second = make_user("po", "Privacy Officer")
    staff = make_user("nurse", "Staff")
    tool = AITool(name="Scribe", intended_use="Notes")
    intake.submit(tool, None)
    smtp.messages.clear()
    client = signed_in_client(first)
    client.post(f"/ai/{tool.reference}/assign/", {"assignee": second.pk})
    assert intake.current(tool).assignee == second
    assert [to for to, _ in smtp.messages] == [[second.email]]
    with pytest.raises(intake.IntakeError, match="does not review"):
        intake.assign(intake.current(tool), staff, first)
