"""Request-wide security: headers, session lifetime, MFA enforcement, audit attribution."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from hygeia.core import audit
from hygeia.core.clientip import client_ip
from hygeia.core.permissions import log_denial
from hygeia.core.roles import mfa_required

Handler = Callable[[HttpRequest], HttpResponse]

# No inline script or style anywhere in Hygeia's pages, so the policy can stay this strict.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)

SESSION_STARTED_KEY = "hygeia_session_started"
MFA_OK_KEY = "hygeia_mfa_ok"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages of signed-in users may show patient data: keep them out of shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class NulCharactersMiddleware:
    """Refuses (400) a request whose path, query or form fields hold a NUL character.

    No one types one; a scanner does, and PostgreSQL refuses it in any text value, so a search
    box would turn it into a server error deep in a query. Files uploaded are not looked at,
    and a JSON body is checked for the escaped form too."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._holds_nul(request):
            from hygeia.core.errors import bad_request

            return bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _holds_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        fields = [request.GET]
        if request.method == "POST":
            if request.content_type == "application/json":
                return b"\x00" in request.body or b"\\u0000" in request.body
            fields.append(request.POST)
        return any(
            "\x00" in key or any("\x00" in value for value in data.getlist(key))
            for data in fields
            for key in data
        )


class SessionLifetimeMiddleware:
    """Ends a session a fixed time after sign-in, however active (idle expiry is the cookie's)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            now = time.time()
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - float(started) > settings.SESSION_MAX_AGE_SECONDS:
                logout(request)
                return redirect(f"{reverse('core:login')}?expired=1")
        return self.get_response(request)


class AuditContextMiddleware:
    """Attributes every audit entry recorded during the request to the signed-in user."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source_ip = client_ip(request)
        if request.user.is_authenticated:
            actor = audit.actor_for_user(request.user, source_ip)
        else:
            actor = audit.Actor(name="anonymous", source_ip=source_ip)
        with audit.acting_as(actor):
            return self.get_response(request)


class MfaEnforcementMiddleware:
    """A user whose role requires MFA and who has not passed it this session may only enrol;
    a user whose password an administrator reset may only change it."""

    ALLOWED_PREFIXES = ("/account/mfa/", "/logout/", "/static/", "/healthz")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.path.startswith(self.ALLOWED_PREFIXES):
            return self.get_response(request)
        if not request.session.get(MFA_OK_KEY) and mfa_required(user):
            return self._hold(request, "multi-factor authentication required", "core:mfa_enrol")
        if getattr(user, "must_change_password", False) and not request.path.startswith(
            "/account/"
        ):
            return self._hold(request, "password change required", "core:account")
        return self.get_response(request)

    @staticmethod
    def _hold(request: HttpRequest, reason: str, page: str) -> HttpResponse:
        """Send the user to the one page they may use now (the API answers 403)."""
        if request.path.startswith("/api/"):
            log_denial(request, reason.replace(" ", "_"))
            return JsonResponse({"detail": reason}, status=403)
        return redirect(page)
