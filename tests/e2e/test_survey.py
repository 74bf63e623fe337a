"""The survey in Debian's Chromium: the hospital answers with Hygeia's proposals and sees its
benchmark; an organizer runs an edition across organizations and publishes a report in
which a region of four organizations shows no figures."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from hygeia.ai.models import AIReview, AITool
from hygeia.survey import editions
from hygeia.survey.models import Invitation
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import sign_in_with_totp
from tests.survey.conftest import answers

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pdf_text(download, tmp_path, name: str) -> str:
    path = tmp_path / name
    download.save_as(path)
    pages = PdfReader(io.BytesIO(path.read_bytes())).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())  # justified lines


def test_hospital_accepts_proposed_answers_and_sees_its_benchmark(
    live_server, page, make_user, tmp_path
):
    tool = AITool.objects.create(reference="AI-0001", name="Ambient scribe", state="approved")
    AIReview.objects.create(
        tool=tool, position=1, stage="privacy", title="Privacy", status="approved",
        decided_at=timezone.now(),
    )  # fmt: skip
    base = live_server.url
    sign_in_with_totp(page, base, make_user("ciso", "Security Officer", totp=True))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Survey").click()
    page.get_by_role("link", name="Answer and benchmark").click()
    proposal = page.get_by_test_id("proposal-ai_approval_process")
    assert "1 AI request(s) reviewed in the last 12 months" in proposal.inner_text()
    page.get_by_role("button", name="Accept all proposed answers").click()
    answer = page.get_by_test_id("answer-ai_approval_process").inner_text()
    assert "Our answer: Yes" in answer and "47% of peers (2024) gave the same answer" in answer
    page.locator("#q-role").get_by_label("Executive (C-level)").check()
    page.locator("#q-it_budget_change").get_by_label("Decrease").check()
    page.get_by_role("button", name="Save answers").click()
    assert "50% of peers (2024)" in page.get_by_test_id("answer-role").inner_text()
    assert "10% of peers (2024)" in page.get_by_test_id("answer-it_budget_change").inner_text()
    item = page.locator("[data-question=it_budget_change]")
    assert item.locator("svg").count() == 1  # the published distribution as a chart
    screenshot(page, "survey-benchmark")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download as PDF").click()
    text = _pdf_text(info.value, tmp_path, "benchmark.pdf")
    assert "Cybersecurity survey benchmark" in text and "reviewed in the last 12 months" in text
    assert "Source: HIMSS, 2024 HIMSS Healthcare Cybersecurity Survey" in text


def test_organizer_runs_an_edition_and_a_segment_of_four_is_suppressed(
    live_server, browser, page, make_user, smtp, tmp_path
):
    base = live_server.url
    sign_in_with_totp(page, base, make_user("sol", "Survey Organizer", totp=True))
    page.goto(f"{base}/survey/editions/")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Key (in links and file names)").fill("e2e")
    page.get_by_label("Closes on").fill("2099-12-31")
    page.get_by_role("button", name="Open edition").click()
    page.wait_for_url("**/survey/editions/e2e/")
    regions = ["west"] * 4 + ["south"] * 5 + ["northeast"] * 5
    names = [f"Synthetic Hospital {chr(65 + n)}{n}" for n in range(len(regions))]
    for number, name in enumerate(names[:6]):  # six invited through the page
        page.get_by_label("Organization").fill(name)
        page.get_by_label("Contact e-mail").fill(f"ciso@h{number}.example.org")
        page.get_by_role("button", name="Invite").click()
        assert f"{name} invited" in page.locator("main").inner_text()
    page.get_by_label("Organization").fill("Synthetic Hospital A0, Inc.")
    page.get_by_label("Contact e-mail").fill("security@elsewhere.example.org")
    page.get_by_role("button", name="Invite").click()
    assert "possible duplicate of Synthetic Hospital A0" in page.locator("main").inner_text()
    edition = editions.Edition.objects.get(key="e2e")
    for number, name in enumerate(names[6:], 6):  # the rest as a script would
        editions.invite(edition, editions.register(name, f"ciso@h{number}.example.org"))

    # the first organization answers in its own browser, through the link only
    body = next(b for to, b in smtp.messages if to == ["ciso@h0.example.org"])
    path = body[body.index("/respond/") :].split()[0]
    respondent = browser.new_context().new_page()
    respondent.goto(f"{base}{path}")
    for question, label in (
        ("role", "Executive (C-level)"), ("org_type", "Hospital (single site)"),
        ("org_size", "500 to 4,999"), ("region", "US West"), ("it_budget_change", "Increase"),
        ("security_share", "3% to 6%"), ("significant_incident", "No"), ("ransomware", "No"),
        ("ir_plan_tested", "Yes"), ("ai_permitted", "Permitted"),
        ("ai_approval_process", "Yes"), ("ai_monitoring", "No"),
        ("third_party_program", "Yes"), ("insider_program", "No"),
    ):  # fmt: skip
        respondent.locator(f"#q-{question}").get_by_label(label, exact=True).check()
    respondent.get_by_role("button", name="Submit", exact=True).click()
    assert "Submitted (version 1" in respondent.get_by_test_id("response-state").inner_text()
    for number, region in enumerate(regions[1:], 1):
        token = next(b for to, b in smtp.messages if to == [f"ciso@h{number}.example.org"])
        token = token[token.index("/respond/") :].split()[0].split("/")[2]
        editions.save(Invitation.find(token), answers(region=region), submit=True)

    page.reload()
    assert page.get_by_test_id("submitted").inner_text() == "14"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the edition").click()
    assert "Closed" in page.get_by_test_id("edition-status").inner_text()
    page.get_by_role("link", name="Results and report").click()
    article = page.locator("article[data-question=ai_approval_process]")
    west = article.locator("tr[data-suppressed='Region: US West']")
    assert west.count() == 1 and west.inner_text().count("—") == 4  # n and three shares
    assert "Region: US South" in article.inner_text()
    south = article.get_by_role("row", name="Region: US South")
    assert "5\t100%" in south.inner_text() and "—" not in south.inner_text()
    screenshot(page, "survey-report")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    text = _pdf_text(info.value, tmp_path, "report.pdf")
    assert "Survey report · 14 respondents" in text and "Key findings" in text
    assert "Region: US West — — — —" in text
    assert "Artificial intelligence governance" in text and "Third-party risk" in text
