"""Sign-in rules shared by the password and SSO paths: lockout, the MFA step, the session."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.http import HttpRequest
from django.utils import timezone

from hygeia.core import audit, mfa
from hygeia.core.clientip import client_ip
from hygeia.core.middleware import MFA_OK_KEY, SESSION_STARTED_KEY
from hygeia.core.models import User

PENDING_USER_KEY = "hygeia_pending_user"
PENDING_METHOD_KEY = "hygeia_pending_method"
PENDING_AT_KEY = "hygeia_pending_at"
PENDING_MAX_SECONDS = 300

GENERIC_FAILURE = "Sign-in failed: wrong username or password, or the account is locked."


def record_failure(
    request: HttpRequest,
    user: User,
    summary: str,
    action: str = audit.Action.LOGIN_FAILED,
    details: dict[str, str] | None = None,
) -> None:
    """One failed-sign-in (or lockout) entry, attributed to the account concerned."""
    audit.record(
        action,
        actor=audit.Actor(name=user.get_username(), user_id=user.pk, source_ip=client_ip(request)),
        outcome="failure",
        object_type="core.user",
        object_id=user.pk,
        summary=summary,
        details=details,
    )


def register_failure(user: User, request: HttpRequest, reason: str) -> None:
    """Count a failed attempt; lock the account when the threshold is reached."""
    user.failed_logins += 1
    fields = ["failed_logins"]
    if user.failed_logins >= settings.LOCKOUT_THRESHOLD:
        user.locked_until = timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES)
        user.failed_logins = 0
        fields.append("locked_until")
        record_failure(
            request,
            user,
            f"locked for {settings.LOCKOUT_MINUTES} minutes after repeated failures",
            action=audit.Action.ACCOUNT_LOCKED,
            details={"last_failure": reason},
        )
    User.objects.filter(pk=user.pk).update(**{f: getattr(user, f) for f in fields})


def check_password(request: HttpRequest, username: str, password: str) -> User | None:
    """The user if the password is right and the account usable; None otherwise (audited)."""
    user = User.objects.filter(username__iexact=username).first()
    if user is not None and (user.is_locked() or user.sso_only or not user.is_active):
        reason = "account locked" if user.is_locked() else "account not usable with a password"
        record_failure(request, user, reason)
        return None
    authenticated = authenticate(
        request, username=user.get_username() if user else username, password=password
    )
    if authenticated is None:
        if user is not None:
            register_failure(user, request, "password")
        return None
    assert isinstance(authenticated, User)
    return authenticated


def begin_second_factor(request: HttpRequest, user: User, method: str) -> None:
    """Remember who passed the first factor, for the MFA step (short-lived)."""
    request.session.cycle_key()
    request.session[PENDING_USER_KEY] = user.pk
    request.session[PENDING_METHOD_KEY] = method
    request.session[PENDING_AT_KEY] = timezone.now().timestamp()


def pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER_KEY)
    started = float(request.session.get(PENDING_AT_KEY, 0))
    if user_id is None or timezone.now().timestamp() - started > PENDING_MAX_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER_KEY, PENDING_METHOD_KEY, PENDING_AT_KEY):
        request.session.pop(key, None)


def complete_login(request: HttpRequest, user: User, method: str, mfa_ok: bool) -> None:
    """Start the session. Without a passed second factor, a role that requires MFA can only
    enrol (see MfaEnforcementMiddleware)."""
    clear_pending(request)
    user.hygeia_login_method = method  # type: ignore[attr-defined]  # read by the audit signal
    backend = "django.contrib.auth.backends.ModelBackend"
    login(request, user, backend=backend)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    request.session[MFA_OK_KEY] = mfa_ok
    request.session[SESSION_STARTED_KEY] = timezone.now().timestamp()


def after_first_factor(request: HttpRequest, user: User, method: str, mfa_done: bool) -> str:
    """Decide the next step after a password or SSO sign-in: 'mfa' or 'done'."""
    if not mfa_done and mfa.confirmed_device(user) is not None:
        begin_second_factor(request, user, method)
        return "mfa"
    complete_login(request, user, method, mfa_ok=mfa_done)
    return "done"
