"""The investigation workspace end to end in Debian's Chromium: triage an alert from the
keyboard, open a case, invite an outside reviewer who uses the link, complete a breach
assessment, and download a patient access report whose PDF text is checked."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from hygeia.privacy.models import Alert, Case, Patient
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import sign_in_with_totp

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def detected(tmp_path):
    from hygeia.privacy.detection.run import detect
    from hygeia.privacy.hospital import simulate
    from hygeia.privacy.ingest import ingest, lake

    out = tmp_path / "hospital"
    simulate(out, staff=40, days=20, seed=4)
    ingest([out / "fhir", out / "staff.csv"])
    outcome = detect(lake())
    assert outcome.alerts
    return outcome


def sign_in_officer(page, base: str, make_user):
    officer = make_user("pat", "Privacy Officer", totp=True)
    sign_in_with_totp(page, base, officer)
    return officer


def test_from_alert_to_breach_decision_and_patient_report(
    live_server, page, browser, make_user, detected
):
    base = live_server.url
    sign_in_officer(page, base, make_user)
    target = (
        Alert.objects.exclude(patient_id="")
        .filter(patient_id__in=Patient.objects.values("fhir_id"))
        .order_by("-score", "key")
        .first()
    )
    assert target is not None
    page.goto(f"{base}/alerts/?user={target.user_id}")

    # triage from the keyboard: j moves to the first row, x selects it
    page.locator("main h1").click()
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("tbody input[type=checkbox]").first.is_checked()
    page.get_by_role("button", name="Mark in review").click()
    page.wait_for_url(f"**/alerts/?user={target.user_id}")
    assert "alert: mark in review" in page.locator(".messages").inner_text()
    target.refresh_from_db()
    assert target.status == "in_review"

    # open a case from the same selection
    page.locator("tbody input[type=checkbox]").first.check()
    page.get_by_role("button", name="Open a case").click()
    page.wait_for_url("**/cases/C-*/")
    case = Case.objects.get()
    assert case.number in page.locator("h1").inner_text()
    target.refresh_from_db()
    assert target.status == "in_case"

    # invite an outside reviewer; the link is shown once (no SMTP here) and works alone
    page.get_by_label("Name").fill("Morgan Manager")
    page.get_by_label("E-mail").fill("morgan@example.org")
    page.get_by_role("button", name="Invite").click()
    link = page.locator("#reviewer-link").inner_text()
    assert "/review/" in link
    outsider = browser.new_context()
    reviewer = outsider.new_page()
    reviewer.goto(link.replace("http://localhost:8000", base))
    assert case.number in reviewer.locator("h1").inner_text()
    assert target.patient_id not in reviewer.content()
    reviewer.get_by_label("Was there a work reason").fill("No assignment on that unit that week.")
    reviewer.get_by_role("button", name="Send statement").click()
    assert "your statement was added" in reviewer.locator(".messages").inner_text()
    reviewer.goto(f"{base}/cases/{case.number}/")
    assert "/login/" in reviewer.url  # the link opens the case, not the application
    outsider.close()
    page.reload()
    assert "No assignment on that unit that week." in page.locator("main").inner_text()

    # decide, then complete the breach assessment
    page.get_by_label("Disposition").select_option("violation")
    page.get_by_label("Violation category (for a policy violation)").select_option("curiosity")
    page.get_by_label("Rationale").fill("No care relationship; the employee confirmed.")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_role("link", name="Breach assessment").click()
    page.get_by_label("1. Nature and extent of the PHI involved").fill("Demographics and notes")
    page.get_by_label("2. The unauthorized person").fill("A workforce member")
    page.get_by_label("3. Whether the PHI was actually acquired or viewed").fill("Viewed")
    page.get_by_label("4. The extent to which the risk has been mitigated").fill("Attestation")
    for select in page.get_by_label("Risk", exact=True).all():
        select.select_option("medium")
    page.get_by_label("Conclusion", exact=True).select_option("breach")
    page.get_by_label("Rationale").fill("Viewed without a purpose; not rebutted.")
    page.get_by_label("Individuals affected").fill("1")
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_url(f"**/cases/{case.number}/breach/")
    due = page.locator("main").inner_text()
    assert "Notify the individuals affected" in due and "annual log" in due
    screenshot(page, "breach-assessment")

    # the patient's access report, downloaded as PDF and read back
    patient = Patient.objects.get(fhir_id=target.patient_id)
    page.goto(f"{base}/patients/{patient.pk}/")
    page.get_by_role("link", name="Access report").click()
    page.get_by_label("From").fill((target.first_event - timedelta(days=2)).date().isoformat())
    page.get_by_label("To").fill((target.first_event + timedelta(days=2)).date().isoformat())
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF for the patient").click()
    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(download.value.path().read_bytes())).pages
    )
    assert "Who looked at your health record" in text
    assert patient.family_name in text and patient.mrn in text
