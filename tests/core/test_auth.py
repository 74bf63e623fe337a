"""Sign-in: passwords, lockout, TOTP with replay protection, recovery codes, forced enrolment,
session lifetime."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from hygeia.core import mfa
from hygeia.core.middleware import SESSION_STARTED_KEY
from hygeia.core.models import AuditEntry, RecoveryCode, User
from tests.conftest import PASSWORD, signed_in_client, totp_now

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def _actions(actor: str) -> list[str]:
    return list(
        AuditEntry.objects.filter(actor=actor).order_by("seq").values_list("action", flat=True)
    )


def test_staff_signs_in_with_password_only(make_user):
    make_user("sam", "Staff")
    client = Client()
    response = _login(client, "sam")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "login" in _actions("sam")


def test_wrong_password_is_refused_without_saying_which_part(make_user):
    make_user("sam", "Staff")
    response = _login(Client(), "sam", "wrong")
    assert response.status_code == 401
    assert b"wrong username or password, or the account is locked" in response.content
    unknown = _login(Client(), "nobody", "wrong")
    assert unknown.status_code == 401
    assert "login_failed" in _actions("sam")
    assert "login_failed" in _actions("nobody")


def test_account_locks_after_threshold_and_right_password_no_longer_works(make_user, settings):
    settings.LOCKOUT_THRESHOLD = 3
    user = make_user("sam", "Staff")
    for _ in range(3):
        assert _login(Client(), "sam", "wrong").status_code == 401
    user.refresh_from_db()
    assert user.is_locked()
    assert _login(Client(), "sam").status_code == 401
    assert "account_locked" in _actions("sam")


def test_lock_expires(make_user):
    user = make_user("sam", "Staff")
    user.locked_until = timezone.now() - timezone.timedelta(seconds=1)
    user.save()
    assert _login(Client(), "sam").status_code == 302


def test_administrator_unlocks(make_user):
    admin = make_user("root", "Administrator")
    user = make_user("sam", "Staff")
    user.locked_until = timezone.now() + timezone.timedelta(hours=1)
    user.save()
    response = signed_in_client(admin).post(f"/users/{user.pk}/unlock/")
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_locked()


def test_enrolled_user_needs_a_valid_totp_code(make_user):
    user = make_user("pat", "Privacy Officer", totp=True)
    client = Client()
    response = _login(client, "pat")
    assert response["Location"] == "/login/mfa/"
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.post("/login/mfa/", {"code": "000000"}).status_code == 401
    response = client.post("/login/mfa/", {"code": totp_now(user)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    login = AuditEntry.objects.filter(actor="pat", action="login").get()
    assert login.details["method"] == "password+totp"


def test_totp_code_cannot_be_replayed(make_user):
    user = make_user("pat", "Privacy Officer", totp=True)
    code = totp_now(user)
    first = Client()
    _login(first, "pat")
    assert first.post("/login/mfa/", {"code": code}).status_code == 302
    second = Client()
    _login(second, "pat")
    assert second.post("/login/mfa/", {"code": code}).status_code == 401


def test_totp_accepts_one_step_of_clock_drift(make_user):
    user = make_user("pat", "Staff", totp=True)
    previous = pyotp.TOTP(user.totp.key).at(time.time() - 30)
    assert mfa.verify_code(user.totp, previous)
    too_old = pyotp.TOTP(user.totp.key).at(time.time() - 120)
    assert not mfa.verify_code(user.totp, too_old)


def test_recovery_code_works_once(make_user):
    user = make_user("pat", "Privacy Officer", totp=True)
    codes = mfa.new_recovery_codes(user)
    assert RecoveryCode.objects.filter(user=user).count() == 10
    assert not RecoveryCode.objects.filter(code_hash=codes[0]).exists()  # stored hashed
    client = Client()
    _login(client, "pat")
    assert client.post("/login/mfa/", {"code": codes[0]}).status_code == 302
    again = Client()
    _login(again, "pat")
    assert again.post("/login/mfa/", {"code": codes[0]}).status_code == 401


def test_mfa_failures_count_towards_lockout(make_user, settings):
    settings.LOCKOUT_THRESHOLD = 2
    user = make_user("pat", "Staff", totp=True)
    client = Client()
    _login(client, "pat")
    client.post("/login/mfa/", {"code": "111111"})
    client.post("/login/mfa/", {"code": "222222"})
    user.refresh_from_db()
    assert user.is_locked()
    assert client.post("/login/mfa/", {"code": totp_now(user)}).status_code == 401


def test_administrator_without_authenticator_must_enrol_first(make_user):
    admin = make_user("root", "Administrator")
    client = Client()
    assert _login(client, "root")["Location"] == "/"
    for path in ("/", "/users/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/account/mfa/enrol/"
    assert client.get("/api/me").status_code == 403
    page = client.get("/account/mfa/enrol/")
    assert page.status_code == 200 and b"<svg" in page.content
    admin.refresh_from_db()
    secret = admin.totp.key
    assert client.post("/account/mfa/enrol/", {"code": "123456"}).status_code == 400
    done = client.post("/account/mfa/enrol/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"recovery codes" in done.content
    assert client.get("/users/").status_code == 200
    assert "mfa_change" in _actions("root")


def test_mfa_policy_is_enforceable_per_role(make_user):
    admin = make_user("root", "Administrator", totp=True)
    make_user("sam", "Staff")
    staff = Group.objects.get(name="Staff")
    response = signed_in_client(admin).post(
        f"/roles/{staff.policy.pk}/policy/", {"mfa_required": "on"}
    )
    assert response.status_code == 302
    client = Client()
    _login(client, "sam")
    assert client.get("/")["Location"] == "/account/mfa/enrol/"
    assert AuditEntry.objects.filter(action="permission_change", summary__contains="Staff").exists()


def test_user_with_device_but_unverified_session_cannot_enrol_around_it(make_user):
    user = make_user("root", "Administrator", totp=True)
    client = Client()
    client.force_login(user)  # a session that skipped the MFA step
    assert client.get("/account/mfa/enrol/")["Location"] == "/logout/required/"


def test_absolute_session_lifetime(make_user, settings):
    settings.SESSION_MAX_AGE_SECONDS = 60
    client = signed_in_client(make_user("sam", "Staff"))
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 120
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get("/account/").status_code == 302


def test_idle_timeout_is_fifteen_minutes_and_sliding(settings):
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_logout_is_audited_and_needs_post(make_user):
    client = signed_in_client(make_user("sam", "Staff"))
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302
    assert "logout" in _actions("sam")


def test_open_redirect_after_login_is_refused(make_user):
    make_user("sam", "Staff")
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example/",
        {"username": "sam", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"
    ok = Client().post("/login/", {"username": "sam", "password": PASSWORD, "next": "/account/"})
    assert ok["Location"] == "/account/"


@pytest.mark.parametrize(
    "password, ok",
    [
        ("short1A!", False),
        ("password1234", False),  # common
        ("alllowercaseletters", False),  # one class, under 20
        ("12345678901234", False),  # numeric
        ("Plenty-Strong-42", True),
        ("a long passphrase of lowercase words", True),
    ],
)
def test_password_policy(make_user, password, ok):
    user = make_user("sam", "Staff")
    client = signed_in_client(user)
    response = client.post(
        "/account/password/",
        {"current_password": PASSWORD, "new_password": password, "confirm_password": password},
    )
    assert (response.status_code == 302) is ok
    user.refresh_from_db()
    assert user.check_password(password) is ok


def test_passwords_are_hashed_with_argon2(make_user):
    assert make_user("sam", "Staff").password.startswith("argon2")


def test_user_removes_and_replaces_authenticator(make_user):
    user = make_user("pat", "Privacy Officer", totp=True)
    client = signed_in_client(user)
    response = client.post("/account/mfa/remove/")
    assert response["Location"] == "/account/mfa/enrol/"  # the role requires MFA
    assert mfa.confirmed_device(User.objects.get(pk=user.pk)) is None
    assert client.get("/patients/")["Location"] == "/account/mfa/enrol/"


def test_administrator_resets_a_password_and_the_user_must_change_it(make_user):
    admin = make_user("root", "Administrator", totp=True)
    user = make_user("sam", "Staff")
    page = signed_in_client(admin).post(f"/users/{user.pk}/reset-password/")
    assert page.status_code == 200
    temporary = page.context["password"]
    client = Client()
    assert _login(client, "sam", PASSWORD).status_code == 401  # the old one is gone
    assert _login(client, "sam", temporary).status_code == 302
    assert client.get("/")["Location"] == "/account/"
    assert client.get("/api/me").status_code == 403
    changed = client.post(
        "/account/password/",
        {
            "current_password": temporary,
            "new_password": "Fresh-Passw0rd-2026",
            "confirm_password": "Fresh-Passw0rd-2026",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="update", summary__contains="password").exists()


def test_authenticator_seed_is_sealed_and_bound_to_the_secret_key(make_user, settings):
    user = make_user("pat", "Staff", totp=True)
    stored = User.objects.get(pk=user.pk).totp
    assert stored.secret.startswith("v1:") and stored.key not in stored.secret
    code = totp_now(user)
    settings.SECRET_KEY = "another-installation-key-" + "x" * 30
    assert not mfa.verify_code(stored, code)  # unreadable: refused, not a crash
