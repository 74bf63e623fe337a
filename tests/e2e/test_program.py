"""The security program in Debian's Chromium: the security officer quantifies a risk, plans a
treatment and sees the loss-exceedance curve move."""

from __future__ import annotations

import pyotp
import pytest

from hygeia.program.models import Risk
from tests.e2e.conftest import screenshot
from tests.e2e.test_browser import sign_in_with_password

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_quantify_a_risk_and_see_its_loss_exceedance_curve(live_server, page, make_user):
    base = live_server.url
    officer = make_user("ciso", "Security Officer", totp=True)
    sign_in_with_password(page, base, "ciso")
    page.wait_for_url("**/login/mfa/")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(officer.totp.key).now()
    )
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/")
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
