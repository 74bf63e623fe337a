"""Single sign-on against a real OpenID provider running on this machine (oidc-provider-mock,
served over HTTP in a thread): discovery, authorization code + PKCE, token exchange, ID-token
validation and role mapping all happen for real."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import oidc_provider_mock
import pytest
import requests
from django.test import Client

from hygeia.core import sso
from hygeia.core.models import AuditEntry, ExternalIdentity, User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider():
    with oidc_provider_mock.run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc(settings, provider):
    settings.OIDC = {
        "issuer": provider,
        "client_id": "hygeia-test",
        "client_secret": "s3cret",
        "scopes": "openid email profile",
        "role_claim": "groups",
        "role_map": {
            "hyg-admins": "Administrator",
            "privacy-team": "Privacy Officer",
            "auditors": "Auditor",
        },
        "default_role": "Staff",
        "label": "Sign in with Synthetic IdP",
    }
    sso._clients.clear()
    yield provider
    sso._clients.clear()


def sign_in(client: Client, provider: str, sub: str, claims: dict[str, object]):
    assert (
        requests.put(f"{provider}/users/{quote(sub)}", json=claims, timeout=10).status_code == 204
    )
    start = client.get("/login/sso/")
    assert start.status_code == 302 and start["Location"].startswith(provider)
    # The user authenticates at the provider, which sends the browser back with a code.
    answer = requests.post(start["Location"], data={"sub": sub}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/sso/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_login_page_offers_sso(oidc):
    assert b"Sign in with Synthetic IdP" in Client().get("/login/").content


def test_first_sign_in_creates_the_user_with_mapped_roles(oidc):
    client = Client()
    response = sign_in(
        client,
        oidc,
        "sub-priya",
        {
            "preferred_username": "priya",
            "email": "priya@example.org",
            "given_name": "Priya",
            "groups": ["privacy-team", "unrelated"],
            "amr": ["pwd", "mfa"],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="priya")
    assert user.role_names() == ["Privacy Officer"]
    assert user.sso_only and not user.has_usable_password()
    assert ExternalIdentity.objects.get(user=user).issuer == oidc
    assert client.get("/patients/").status_code == 200  # IdP did MFA: full access
    login = AuditEntry.objects.filter(action="login", actor="priya").get()
    assert login.details["method"] == "sso"


def test_roles_are_resynced_at_every_sign_in(oidc):
    sign_in(Client(), oidc, "sub-a", {"preferred_username": "alex", "groups": ["auditors"]})
    assert User.objects.get(username="alex").role_names() == ["Auditor"]
    sign_in(Client(), oidc, "sub-a", {"preferred_username": "alex", "groups": []})
    assert User.objects.get(username="alex").role_names() == ["Staff"]  # default role
    assert AuditEntry.objects.filter(
        action="permission_change", summary__contains="removed"
    ).exists()


def test_admin_without_idp_mfa_must_enrol_locally(oidc):
    client = Client()
    sign_in(client, oidc, "sub-root", {"preferred_username": "root", "groups": ["hyg-admins"]})
    assert client.get("/users/")["Location"] == "/account/mfa/enrol/"


def test_user_with_local_authenticator_gets_the_totp_step(oidc):
    client = Client()
    sign_in(client, oidc, "sub-root", {"preferred_username": "root", "groups": ["hyg-admins"]})
    from hygeia.core import mfa

    user = User.objects.get(username="root")
    device = mfa.start_enrolment(user)
    device.confirmed_at = device.created_at
    device.save()
    again = Client()
    response = sign_in(
        again, oidc, "sub-root", {"preferred_username": "root", "groups": ["hyg-admins"]}
    )
    assert response["Location"] == "/login/mfa/"


def test_no_role_and_no_default_is_refused(oidc, settings):
    settings.OIDC = {**settings.OIDC, "default_role": ""}
    client = Client()
    response = sign_in(client, oidc, "sub-x", {"preferred_username": "x", "groups": ["nothing"]})
    assert response["Location"] == "/login/"
    assert not User.objects.filter(username="x").exists()
    assert AuditEntry.objects.filter(
        action="login_failed", summary__contains="no Hygeia role"
    ).exists()


def test_deactivated_user_is_refused(oidc):
    sign_in(Client(), oidc, "sub-d", {"preferred_username": "dee"})
    User.objects.filter(username="dee").update(is_active=False)
    client = Client()
    response = sign_in(client, oidc, "sub-d", {"preferred_username": "dee"})
    assert response["Location"] == "/login/" and client.get("/")["Location"].startswith("/login/")


def test_forged_callback_is_refused(oidc):
    client = Client()
    client.get("/login/sso/")
    response = client.get("/login/sso/callback/?code=forged&state=forged")
    assert response["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_cancelled_at_the_provider(oidc):
    response = Client().get("/login/sso/callback/?error=access_denied")
    assert response["Location"] == "/login/"


def test_unreachable_provider_is_a_clear_message(settings):
    settings.OIDC = {**settings.OIDC, "issuer": "http://127.0.0.1:9", "client_id": "x"}
    sso._clients.clear()
    client = Client()
    response = client.get("/login/sso/", follow=True)
    assert b"could not be reached" in response.content
    sso._clients.clear()


def test_username_collision_gets_a_suffix(oidc, make_user):
    make_user("sam", "Staff")
    sign_in(Client(), oidc, "sub-sam2", {"preferred_username": "sam"})
    assert ExternalIdentity.objects.get(subject="sub-sam2").user.username == "sam.2"


def test_nested_role_claim(oidc, settings):
    settings.OIDC = {**settings.OIDC, "role_claim": "realm_access.roles"}
    sign_in(
        Client(),
        oidc,
        "sub-k",
        {"preferred_username": "kc", "realm_access": {"roles": ["auditors"]}},
    )
    assert User.objects.get(username="kc").role_names() == ["Auditor"]


def test_check_reports_the_identity_provider(oidc, settings):
    from hygeia.core import checks

    assert [f.level for f in checks._sso()] == ["ok"]
    settings.OIDC = {**settings.OIDC, "issuer": oidc + "/wrong"}
    assert checks._sso()[0].level == "fail"
    settings.OIDC = {**settings.OIDC, "issuer": "http://127.0.0.1:9"}
    assert "cannot read" in checks._sso()[0].message
    settings.OIDC = {**settings.OIDC, "client_id": ""}
    assert "HYGEIA_OIDC_CLIENT_ID" in checks._sso()[0].message
