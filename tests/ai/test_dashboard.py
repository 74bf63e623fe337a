"""The shadow-AI page and its review, and the AI governance dashboard."""

from __future__ import annotations

import pytest

from hygeia.ai import demo, intake
from hygeia.ai.models import AITool, ShadowReview
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def test_shadow_page_lists_services_and_a_review_adds_to_the_inventory(make_user, tmp_path):
    demo.seed(tmp_path, None)
    reviewer = signed_in_client(make_user("rev", "AI Governance Reviewer"))
    page = reviewer.get("/ai/shadow/").content.decode()
    assert "Gemini" in page and "unapproved services waiting" in page and "<svg" in page
    users = reviewer.get("/ai/shadow/?service=Gemini").content.decode()
    assert "Who uses Gemini" in users and "user" in users
    reviewer.post("/ai/shadow/review/", {"service": "Gemini", "decision": "inventoried"})
    added = AITool.objects.get(name="Gemini")
    assert added.state == "proposed" and "gemini.google.com" in added.domains
    reviewer.post("/ai/shadow/review/", {"service": "Character.AI", "decision": "block"})
    assert ShadowReview.objects.get(service="Character.AI").decision == "block"
    reviewer.post("/ai/shadow/review/", {"service": "Not a service", "decision": "block"})
    assert ShadowReview.objects.count() == 2
    analyst = signed_in_client(make_user("an", "Security Analyst"))
    assert analyst.get("/ai/shadow/").status_code == 200
    assert (
        analyst.post("/ai/shadow/review/", {"service": "Gemini", "decision": "block"}).status_code
        == 403
    )


def test_dashboard_counts_and_cycle_time(make_user, tmp_path):
    reviewer_user = make_user("rev", "AI Governance Reviewer")
    demo.seed(tmp_path, None)
    request = AITool.objects.get(state="in_review")
    while (stage := intake.current(request)) is not None:
        intake.decide(stage, reviewer_user, "approved", ticked=list(stage.checklist))
        request.refresh_from_db()
    client = signed_in_client(reviewer_user)
    client.post("/api/ai/scan", {"text": "MRN: A1234567"}, content_type="application/json")
    page = client.get("/ai/dashboard/").content.decode()
    assert "median days from request to approval (1 approved)" in page
    assert "PHI guard findings in 1 scans" in page
    assert page.count("<svg") >= 4  # states, tiers, trend, detections
