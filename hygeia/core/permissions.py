"""View guards: anonymous users go to sign-in; signed-in users without the permission get 403.

Every denial is logged as one WARNING line on `hygeia.access` (user, path, missing permission)
so that a SIEM can count them; Django's own log line for the 403 is then dropped
(`logsafe.RequestLogFilter`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = Callable[..., HttpResponseBase]
access_log = logging.getLogger("hygeia.access")
DENIAL_LOGGED = "_hygeia_denial_logged"


class MissingPermission(PermissionDenied):
    """A signed-in user's role lacks `permission`: answered with the 403 page."""

    def __init__(self, permission: str) -> None:
        super().__init__(permission)
        self.permission = permission


def log_denial(request: HttpRequest, permission: str | None) -> None:
    """One line per denied request, whichever path denied it."""
    from hygeia.core.logsafe import redact_path

    if getattr(request, DENIAL_LOGGED, False):
        return
    setattr(request, DENIAL_LOGGED, True)
    user = getattr(request, "user", None)
    name = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    access_log.warning(
        "access denied: user=%s method=%s path=%s permission=%s",
        name.replace(" ", "_") or "-",
        request.method,
        redact_path(request.path),
        permission or "-",
    )


def require(permission: str | None = None) -> Callable[[View], View]:
    """Require a signed-in user and, when given, one Hygeia permission (codename)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if permission and not request.user.has_perm(f"core.{permission}"):
                raise MissingPermission(permission)
            return view(request, *args, **kwargs)

        wrapper.hygeia_permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def has(user: Any, permission: str) -> bool:
    return bool(user.is_authenticated and user.has_perm(f"core.{permission}"))


def insist(user: Any, permission: str) -> None:
    """Inside a view that some roles may read: a write that needs `permission` more."""
    if not has(user, permission):
        raise MissingPermission(permission)


def users_with(permission: str, with_email: bool = False) -> list[Any]:
    """Active users whose roles grant `permission` (those with an e-mail address only, when
    asked), by username: who to notify or offer as an assignee."""
    from hygeia.core.models import User

    found = User.objects.filter(is_active=True).order_by("username")
    if with_email:
        found = found.exclude(email="")
    return [user for user in found if has(user, permission)]


def need(request: HttpRequest, permission: str) -> None:
    """The JSON API's guard: 403 with a plain reason when the role lacks the permission."""
    from ninja.errors import HttpError

    if not has(request.user, permission):
        log_denial(request, permission)
        raise HttpError(403, "Your role does not allow this.")
