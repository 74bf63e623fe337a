"""Third-party risk end to end in Debian's Chromium: the vendor manager imports the vendor
spreadsheet and sends an assessment; the vendor answers through the portal link with an
evidence upload; the manager reviews and raises a finding; the security officer accepts the
risk until a date; the dashboard shows the change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hygeia.vendors.models import Assessment, EvidenceFile, RiskAcceptance
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import sign_in_with_password, sign_in_with_totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHEET = (
    "Vendor,Contact email,Product,Product type,PHI volume,Network access,EHR integration,"
    "Clinical criticality,Substitutability,BAA status,BAA signed,Receives PHI\n"
    "Meridian Infusion Technologies,security@meridian.example,Infusion pump gateway,device,"
    "high,integrated,yes,high,hard,signed,2024-06-20,yes\n"
    "Harbor Transcription Services,it@harbor.example,Dictation,service,medium,remote,no,"
    "medium,moderate,,,yes\n"
)


def test_import_assess_answer_review_accept_and_dashboard(
    live_server, browser, make_user, tmp_path, smtp
):
    base = live_server.url
    make_user("vera", "Vendor Risk Manager")
    officer = make_user("ciso", "Security Officer", totp=True)  # the role requires MFA
    sheet = tmp_path / "vendors.csv"
    sheet.write_text(SHEET)

    manager = browser.new_context().new_page()
    sign_in_with_password(manager, base, "vera")
    manager.wait_for_url(f"{base}/")
    manager.get_by_role("navigation", name="Main").get_by_role("link", name="Vendors").click()
    assert "No vendors yet" in manager.locator("main").inner_text()
    manager.get_by_label("Vendor spreadsheet (CSV or XLSX)").set_input_files(str(sheet))
    manager.get_by_role("button", name="Import spreadsheet").click()
    assert "2 rows read = 2 created" in manager.locator("main").inner_text()

    manager.goto(f"{base}/vendors/dashboard/")
    assert manager.get_by_test_id("baa-coverage").inner_text() == "50%"
    assert manager.get_by_test_id("open-findings").inner_text() == "0"

    manager.goto(f"{base}/vendors/")
    manager.get_by_role("link", name="Meridian Infusion Technologies").click()
    manager.get_by_label("Due on").fill((timezone.localdate() + timedelta(days=21)).isoformat())
    manager.get_by_role("button", name="Create and send the link").click()
    link = manager.get_by_test_id("portal-link").inner_text()
    token_path = link[link.index("/portal/") :]
    assert any(token_path in body for _, body in smtp.messages)  # the vendor got it by e-mail

    # The vendor, with no account: a fresh browser context and the link only.
    vendor = browser.new_context().new_page()
    vendor.goto(link)
    assert (
        "Security assessment for Meridian Infusion Technologies"
        in vendor.locator("h1").inner_text()
    )
    answers = vendor.locator("#answers")
    answers.locator("textarea[name='q-profile.1']").fill("Gateway between pumps and the EHR")
    answers.locator("input[name='q-profile.2'][value='phi']").check()
    answers.locator("input[name='q-profile.5'][value='no']").check()
    answers.locator("input[name='q-gov.3'][value='soc2']").check()
    answers.locator("input[name='q-access.2'][value='no']").check()
    answers.locator("input[name='q-access.5'][value='no']").check()
    answers.locator("input[name='q-inc.4'][value='no']").check()
    vendor.get_by_role("button", name="Save draft").click()
    assert "Draft saved" in vendor.locator("main").inner_text()
    report = tmp_path / "soc2-type2.pdf"
    report.write_bytes(b"%PDF-1.7\n% SOC 2 Type II report (synthetic)\n")
    vendor.get_by_label("Evidence for gov.4").set_input_files(str(report))
    vendor.locator("form", has=vendor.get_by_label("Evidence for gov.4")).get_by_role(
        "button", name="Upload"
    ).click()
    assert "soc2-type2.pdf uploaded" in vendor.locator("main").inner_text()
    vendor.get_by_role("button", name="Submit").click()
    assert vendor.get_by_test_id("portal-state").inner_text() == "Status: Submitted"
    screenshot(vendor, "vendor-portal-submitted")
    assert EvidenceFile.objects.get().name == "soc2-type2.pdf"

    # Review: question by question, then a finding.
    assessment = Assessment.objects.get()
    manager.goto(f"{base}/vendors/assessments/{assessment.number}/")
    row = manager.locator("tr", has_text="multifactor authentication required")
    row.get_by_label("Verdict").select_option("unsatisfactory")
    row.get_by_label("Comment").fill("Remote support uses passwords only")
    row.get_by_role("button", name="Record").click()
    assert manager.get_by_test_id("state").inner_text() == "In review"
    assert "soc2-type2.pdf" in manager.locator("main").inner_text()
    panel = manager.locator("details", has_text="Raise a finding")
    panel.get_by_label("Title").fill("No MFA for remote support")
    panel.get_by_label("Severity").select_option("high")
    panel.get_by_role("button", name="Raise").click()
    manager.goto(f"{base}/vendors/dashboard/")
    assert manager.get_by_test_id("open-findings").inner_text() == "1"

    # The security officer accepts the risk until a date.
    ciso = browser.new_context().new_page()
    sign_in_with_totp(ciso, base, officer)
    ciso.goto(f"{base}/vendors/assessments/{assessment.number}/")
    ciso.locator("summary", has_text="Accept this risk").click()
    accept = ciso.locator("details", has_text="Accept this risk")
    accept.get_by_label("Why").fill("Support sessions are IP-restricted and recorded until MFA")
    until = timezone.localdate() + timedelta(days=90)
    accept.get_by_label("Expires on").fill(until.isoformat())
    accept.get_by_role("button", name="Accept the risk").click()
    assert f"Risk accepted until {until.isoformat()}" in ciso.locator("main").inner_text()
    assert RiskAcceptance.objects.get().expires_on == until

    manager.goto(f"{base}/vendors/dashboard/")
    assert manager.get_by_test_id("open-findings").inner_text() == "0"
    assert manager.get_by_test_id("accepted-risks").inner_text() == "1"
    assert "Support sessions are IP-restricted" in manager.locator("main").inner_text()
    screenshot(manager, "vendor-dashboard")
