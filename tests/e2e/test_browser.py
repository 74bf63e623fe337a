"""End to end in a real browser: sign in with TOTP, enrol MFA, read the audit trail, SSO."""

from __future__ import annotations

from urllib.parse import quote

import oidc_provider_mock
import pyotp
import pytest
import requests
from playwright.sync_api import expect

from hygeia.core import sso
from hygeia.core.models import AuditEntry, User
from tests.conftest import PASSWORD
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in_with_password(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in_with_totp(page, base: str, user) -> None:
    """Password, then the code from the user's enrolled authenticator; ends on the dashboard."""
    sign_in_with_password(page, base, user.username)
    page.wait_for_url("**/login/mfa/")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(user.totp.key).now()
    )
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/")


def test_administrator_signs_in_with_totp_and_opens_the_audit_trail(live_server, page, make_user):
    sign_in_with_totp(page, live_server.url, make_user("ada", "Administrator", totp=True))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    page.wait_for_url("**/audit/")
    table = page.get_by_role("table")
    assert "Sign-in" in table.inner_text() and "ada" in table.inner_text()
    # Filtering through htmx replaces the table in place.
    page.get_by_label("What").select_option("login")
    expect(page.locator("#audit-table caption")).to_contain_text("1 entry")
    screenshot(page, "audit-trail")
    login = AuditEntry.objects.filter(action="login", actor="ada").get()
    assert login.details["method"] == "password+totp"


def test_new_user_enrols_mfa_in_the_browser(live_server, page, make_user):
    make_user("newbie", "Administrator")
    sign_in_with_password(page, live_server.url, "newbie")
    page.wait_for_url("**/account/mfa/enrol/")
    assert page.get_by_role("img", name="QR code for your authenticator app").is_visible()
    screenshot(page, "mfa-enrolment")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved them — continue").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/account/")
    assert "On" in page.get_by_role("region", name="Multi-factor authentication").inner_text()
    assert User.objects.get(username="newbie").totp.confirmed_at is not None


def test_keyboard_only_sign_in(live_server, page, make_user):
    make_user("kim", "Staff")
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_label("Username")).to_be_focused()  # autofocus: type straight away
    page.keyboard.type("kim")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".who").inner_text() == "kim"
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_pages_work_without_javascript(live_server, browser, make_user):
    make_user("aud", "Auditor")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in_with_password(page, live_server.url, "aud")
    page.goto(f"{live_server.url}/audit/?action=login")
    assert "1 entry" in page.locator("caption").inner_text()
    context.close()


def test_sso_in_the_browser(live_server, page, settings):
    with oidc_provider_mock.run_server_in_thread() as server:
        provider = f"http://localhost:{server.server_port}"
        settings.OIDC = {
            "issuer": provider,
            "client_id": "hygeia-e2e",
            "client_secret": "e2e",
            "scopes": "openid email profile",
            "role_claim": "groups",
            "role_map": {"auditors": "Auditor"},
            "default_role": "",
            "label": "Sign in with SSO",
        }
        sso._clients.clear()
        requests.put(
            f"{provider}/users/{quote('sub-olga')}",
            timeout=10,
            json={
                "preferred_username": "olga",
                "email": "olga@example.org",
                "groups": ["auditors"],
            },
        )
        page.goto(f"{live_server.url}/login/")
        page.get_by_role("link", name="Sign in with SSO").click()
        page.wait_for_url(f"{provider}/**")
        page.get_by_placeholder("sub").fill("sub-olga")
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(f"{live_server.url}/")
        assert page.locator(".who").inner_text() == "olga"
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
        assert "signed in (sso)" in page.get_by_role("table").inner_text()
        sso._clients.clear()


def test_analyst_opens_sources_and_sees_the_quarantine_masked(
    live_server, page, make_user, tmp_path
):
    from hygeia.privacy.ingest import ingest
    from tests.privacy.helpers import audit_event, write_ndjson

    secret = "Quillfeather"
    path = write_ndjson(
        tmp_path / "AuditEvent.ndjson",
        [audit_event("a1"), {"resourceType": "AuditEvent", "note": secret}],
    )
    ingest([path])
    make_user("sam", "Security Analyst")
    sign_in_with_password(page, live_server.url, "sam")
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sources").click()
    page.wait_for_url("**/sources/")
    assert "FHIR AuditEvent" in page.get_by_role("table").first.inner_text()
    page.get_by_role("link", name="1", exact=True).click()
    page.wait_for_url("**/quarantine/")
    body = page.locator("main").inner_text()
    assert "no agent" in body or "missing" in body
    assert secret not in body and "masked for your role" in body
    screenshot(page, "quarantine-masked")


def test_privacy_officer_reviews_alerts_from_a_detection_run(
    live_server, page, make_user, tmp_path
):
    from hygeia.privacy.detection.run import detect
    from hygeia.privacy.hospital import simulate
    from hygeia.privacy.ingest import ingest, lake

    out = tmp_path / "hospital"
    simulate(out, staff=40, days=20, seed=4)
    ingest([out / "fhir", out / "staff.csv"])
    outcome = detect(lake())
    assert outcome.alerts
    sign_in_with_totp(page, live_server.url, make_user("pat", "Privacy Officer", totp=True))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    page.wait_for_url("**/alerts/")
    body = page.locator("main").inner_text()
    assert "explained automatically" in body
    top = outcome.alerts[0]
    assert top.user_id in page.get_by_role("table").inner_text()
    page.get_by_label("Severity").select_option("critical")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/alerts/?*severity=critical*")
    rows = page.get_by_role("table").inner_text()
    assert "critical" in rows and " medium" not in rows
    screenshot(page, "alerts")
