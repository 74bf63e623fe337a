"""The security program in Debian's Chromium: the security officer quantifies a risk, plans a
treatment and sees the loss-exceedance curve move."""

from __future__ import annotations

import pytest

from hygeia.program.models import Risk
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import sign_in_with_totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_quantify_a_risk_and_see_its_loss_exceedance_curve(live_server, page, make_user):
    base = live_server.url
    _sign_in_officer(page, base, make_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Program").click()
    assert "106 subcategories" in page.locator("main").inner_text()
    page.get_by_role("link", name="the risk register").click()
    assert "The register is empty" in page.locator("main").inner_text()
    page.get_by_role("link", name="Add a risk").click()
    page.get_by_label("Title").fill("Ransomware shuts down the EHR")
    page.get_by_label("Events a year, minimum").fill("0.05")
    page.get_by_label("Events a year, most likely").fill("0.15")
    page.get_by_label("Events a year, maximum").fill("0.5")
    page.get_by_label("Loss an event, minimum ($)").fill("2000000")
    page.get_by_label("Loss an event, most likely ($)").fill("9770000")
    page.get_by_label("Loss an event, maximum ($)").fill("40000000")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/program/risks/R-0001/")
    chart = page.get_by_test_id("lec")
    assert chart.locator("polyline").count() == 1
    before = page.get_by_test_id("ale-1").inner_text()
    page.locator("summary", has_text="Plan a treatment").click()
    page.get_by_label("Title").fill("Immutable offline backups")
    page.get_by_label("Share of each event's loss it avoids").fill("0.5")
    page.get_by_role("button", name="Add").click()
    assert chart.locator("polyline").count() == 2  # today, and with the planned treatment
    after = page.get_by_test_id("ale-2").inner_text()
    assert before.startswith("$") and after.startswith("$") and after != before
    screenshot(page, "program-risk")
    assert Risk.objects.get().treatments.count() == 1


def _sign_in_officer(page, base, make_user):
    sign_in_with_totp(page, base, make_user("ciso", "Security Officer", totp=True))


def test_run_a_cpg_assessment_with_evidence(live_server, page, make_user, tmp_path):
    base = live_server.url
    _sign_in_officer(page, base, make_user)
    page.goto(f"{base}/program/assessments/")
    panel = page.locator("details", has_text="Start an assessment")
    panel.get_by_label("Framework").select_option(
        label="HHS HPH Cybersecurity Performance Goals (2024-01)"
    )
    panel.get_by_label("Title").fill("CPG self-assessment 2026")
    panel.get_by_role("button", name="Start").click()
    page.wait_for_url("**/program/assessments/*/")
    assert page.get_by_test_id("assessed").inner_text() == "0 / 20"
    assert "From Hygeia:" in page.get_by_test_id("evidence-CPG-E10").inner_text()
    form = page.get_by_role("form", name="Assess CPG-E3")
    form.get_by_label("Status").select_option("implemented")
    form.get_by_label("Maturity").select_option("4")
    form.get_by_label("Owner").fill("Identity team")
    evidence = tmp_path / "mfa-rollout.pdf"
    evidence.write_bytes(b"%PDF-1.7\n% MFA rollout report (synthetic)\n")
    form.get_by_label("Evidence file").set_input_files(str(evidence))
    form.get_by_role("button", name="Save CPG-E3").click()
    assert page.get_by_test_id("assessed").inner_text() == "1 / 20"
    assert page.get_by_test_id("met").inner_text() == "100%"
    assert page.get_by_role("link", name="mfa-rollout.pdf").count() == 1
    page.get_by_role("link", name="NIST Cybersecurity Framework 2.0").click()
    assert "CPG-E3: implemented" in page.locator("main").inner_text()
    screenshot(page, "program-against-csf")


def test_import_gophish_results_and_see_department_click_rates(
    live_server, page, make_user, tmp_path
):
    base = live_server.url
    _sign_in_officer(page, base, make_user)
    export = tmp_path / "Q1 invoice lure.csv"
    export.write_text(
        "id,email,first_name,last_name,position,status,ip,latitude,longitude,send_date,reported,modified_date\n"
        "1,ann@fairhaven.example,Ann,A,Nursing,Clicked Link,,0,0,2026-02-03T09:00:00Z,false,\n"
        "2,bob@fairhaven.example,Bob,B,Nursing,Email Sent,,0,0,2026-02-03T09:00:00Z,true,\n"
        "3,cy@fairhaven.example,Cy,C,Billing,Submitted Data,,0,0,2026-02-03T09:00:00Z,false,\n"
        "4,di@fairhaven.example,Di,D,Billing,Clicked Link,,0,0,2026-02-03T09:00:00Z,false,\n"
    )
    page.goto(f"{base}/program/education/")
    page.get_by_label("File").set_input_files(str(export))
    page.get_by_role("button", name="Import").click()
    assert "Q1 invoice lure: 4 recipients" in page.locator("main").inner_text()
    table = page.get_by_test_id("departments").inner_text()
    assert "Billing\t2\t100%\t0%" in table and "Nursing\t2\t50%\t50%" in table
    assert page.get_by_test_id("department-chart").locator("rect").count() >= 2
    page.get_by_role("button", name="Assign phishing training to everyone who clicked").click()
    assert "assigned to 3 people" in page.locator("main").inner_text()


def test_launch_a_policy_acknowledgement_and_download_the_board_report(
    live_server, browser, page, make_user, smtp, tmp_path
):
    base = live_server.url
    _sign_in_officer(page, base, make_user)
    page.goto(f"{base}/program/policies/")
    page.locator("summary", has_text="Add a policy").click()
    page.get_by_label("Title").fill("Acceptable use of information systems")
    page.get_by_role("button", name="Add").click()
    page.locator("summary", has_text="Add a version").click()
    page.get_by_label("Version").fill("1.0")
    page.get_by_label("Text").fill("Use hospital systems for work. Report phishing at once.")
    page.get_by_role("button", name="Add the draft").click()
    page.get_by_role("button", name="Approve version 1.0").click()
    page.locator("summary", has_text="Launch an acknowledgement campaign").click()
    page.get_by_label("E-mail addresses (one a line)").fill(
        "nurse@fairhaven.example\nclerk@fairhaven.example"
    )
    page.get_by_label("Due on").fill("2099-01-31")
    page.get_by_role("button", name="Send the links").click()
    assert page.get_by_test_id("ack-progress").inner_text() == "0 of 2"
    link = next(body for to, body in smtp.messages if to == ["nurse@fairhaven.example"])
    path = link[link.index("/ack/") :].split()[0]

    staff = browser.new_context().new_page()  # the staff member: no account, the link only
    staff.goto(f"{base}{path}")
    assert "Report phishing at once." in staff.locator("main").inner_text()
    staff.get_by_role("button", name="I have read and understood this policy").click()
    assert "you acknowledged this policy" in staff.get_by_test_id("ack-state").inner_text()
    page.reload()
    assert page.get_by_test_id("ack-progress").inner_text() == "1 of 2"

    page.goto(f"{base}/program/board/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    report = tmp_path / "board.pdf"
    download_info.value.save_as(report)
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(str(report)).pages)
    assert "Cybersecurity report to the board" in text and "Workforce" in text
    assert "Vendor risk" in text and "AI governance" in text
