"""AI governance end to end in Debian's Chromium: a staff member requests an AI tool, a
reviewer takes it through every stage, approving one with conditions, and it shows in the
inventory as approved with conditions."""

from __future__ import annotations

import pytest

from hygeia.ai.models import AITool
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import sign_in_with_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_request_reviewed_and_approved_with_conditions(live_server, browser, make_user):
    base = live_server.url
    make_user("nurse", "Staff")
    make_user("rev", "AI Governance Reviewer")

    staff = browser.new_context().new_page()
    sign_in_with_password(staff, base, "nurse")
    staff.wait_for_url(f"{base}/")
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="AI requests").click()
    staff.get_by_role("link", name="Request an AI tool").click()
    staff.get_by_label("Name of the AI tool or use").fill("Discharge letter drafter")
    staff.get_by_label("Vendor").fill("Acme Health")
    staff.get_by_label("Intended use:", exact=True).fill("Drafts discharge letters for review")
    staff.get_by_label("Data it takes in").fill("The inpatient record (PHI)")
    staff.get_by_label("Phi use").select_option("phi")
    staff.get_by_label("Generative").check()
    staff.get_by_role("button", name="Submit request").click()
    staff.wait_for_url("**/ai/requests/")
    assert "Privacy review: pending" in staff.locator("main").inner_text()
    tool = AITool.objects.get()

    page = browser.new_context().new_page()
    sign_in_with_password(page, base, "rev")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/ai/{tool.reference}/")
    for stage in (
        "Privacy review",
        "Security review",
        "Clinical informatics review",
        "AI governance committee vote",
    ):
        form = page.locator("form.card", has_text=stage)
        for box in form.locator("input[name=ticked]").all():
            box.check()
        if stage == "Security review":
            form.get_by_label("Decision").select_option("approved_with_conditions")
            form.get_by_label("Conditions").fill("No patient identifiers in prompts")
        form.get_by_role("button", name="Record decision").click()
        page.wait_for_url(f"**/ai/{tool.reference}/")
    assert "Approved with conditions" in page.locator("dl.facts").inner_text()
    screenshot(page, "ai-approved")
    page.goto(f"{base}/ai/?state=approved_with_conditions")
    assert "Discharge letter drafter" in page.get_by_role("table").inner_text()
    staff.reload()
    assert "Approved with conditions" in staff.locator("main").inner_text()


def test_unapproved_service_from_a_proxy_log_reaches_dashboard_and_review(
    live_server, browser, make_user, tmp_path
):
    from hygeia.ai import web

    log = tmp_path / "access.log"
    log.write_text(
        "".join(
            f"{1735689600 + n}.000 5 10.0.0.{n % 5} TCP_TUNNEL/200 900 CONNECT "
            f"{'perplexity.ai' if n % 2 else 'www.example.org'}:443 user{n % 3} "
            "HIER_DIRECT/1.1.1.1 -\n"
            for n in range(30)
        )
    )
    (f,) = web.ingest([log]).files
    assert f.stored == 30
    make_user("rev", "AI Governance Reviewer")
    page = browser.new_context().new_page()
    sign_in_with_password(page, live_server.url, "rev")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/ai/dashboard/")
    assert "1" in page.locator(".card", has_text="unapproved AI services in use").inner_text()
    page.goto(f"{live_server.url}/ai/shadow/")
    row = page.get_by_role("row", name="Perplexity")
    assert "no" in row.inner_text()
    row.get_by_label("Decision for Perplexity").select_option("inventoried")
    row.get_by_role("button", name="Decide").click()
    page.wait_for_url("**/ai/shadow/")
    assert (
        "Added to the inventory for review"
        in page.get_by_role("row", name="Perplexity").inner_text()
    )
    assert AITool.objects.get(name="Perplexity").state == "proposed"
