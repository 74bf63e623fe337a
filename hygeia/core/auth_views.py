"""Sign-in (password, then TOTP or a recovery code), single sign-on, sign-out."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from hygeia.core import accounts, audit, mfa, sso
from hygeia.core.forms import CodeForm, LoginForm

log = logging.getLogger(__name__)
NEXT_KEY = "hygeia_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:dashboard")


def _continue(request: HttpRequest, step: str) -> HttpResponse:
    if step == "mfa":
        return redirect("core:login_mfa")
    return HttpResponseRedirect(_safe_next(request, request.session.pop(NEXT_KEY, None)))


@never_cache
@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:dashboard")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = accounts.check_password(
            request, form.cleaned_data["username"], form.cleaned_data["password"]
        )
        if user is None:
            error = accounts.GENERIC_FAILURE
        else:
            next_url = request.POST.get("next") or request.GET.get("next")
            step = accounts.after_first_factor(request, user, "password", mfa_done=False)
            request.session[NEXT_KEY] = _safe_next(request, next_url)
            return _continue(request, step)
    status = 401 if error else 200
    return render(
        request,
        "core/login.html",
        {
            "form": form,
            "error": error,
            "next": request.GET.get("next", ""),
            "expired": "expired" in request.GET,
        },
        status=status,
    )


@never_cache
@csrf_protect
def login_mfa_view(request: HttpRequest) -> HttpResponse:
    user = accounts.pending_user(request)
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("core:login")
    device = mfa.confirmed_device(user)
    if device is None:  # removed meanwhile
        return redirect("core:login")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        method = request.session.get(accounts.PENDING_METHOD_KEY, "password")
        if user.is_locked():
            error = accounts.GENERIC_FAILURE
        elif mfa.verify_code(device, code):
            accounts.complete_login(request, user, f"{method}+totp", mfa_ok=True)
            return _continue(request, "done")
        elif mfa.use_recovery_code(user, code):
            accounts.complete_login(request, user, f"{method}+recovery-code", mfa_ok=True)
            audit.record(
                audit.Action.MFA_CHANGE,
                object_type="core.user",
                object_id=user.pk,
                summary="recovery code used",
                details={"remaining": mfa.remaining_recovery_codes(user)},
            )
            messages.warning(
                request,
                f"You signed in with a recovery code; {mfa.remaining_recovery_codes(user)} remain. "
                "Generate new ones if you lost your authenticator.",
            )
            return _continue(request, "done")
        else:
            accounts.record_failure(request, user, "wrong or reused MFA code")
            accounts.register_failure(user, request, "mfa")
            error = "That code is not valid. Codes change every 30 seconds and work once."
    return render(
        request, "core/login_mfa.html", {"form": form, "error": error}, status=401 if error else 200
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("core:login")


@never_cache
def sso_start(request: HttpRequest) -> HttpResponse:
    if not sso.enabled():
        return redirect("core:login")
    next_url = request.GET.get("next")
    request.session[NEXT_KEY] = _safe_next(request, next_url)
    callback = request.build_absolute_uri(reverse("core:sso_callback"))
    try:
        response: HttpResponse = sso.client().authorize_redirect(request, callback)
    except Exception:
        log.exception("single sign-on: the identity provider could not be reached")
        messages.error(request, "The identity provider could not be reached. Try again later.")
        return redirect("core:login")
    return response


@never_cache
def sso_callback(request: HttpRequest) -> HttpResponse:
    if not sso.enabled():
        return redirect("core:login")
    if "error" in request.GET:
        sso.refuse(request, f"the identity provider answered {request.GET['error'][:60]}")
        messages.error(request, "Single sign-on was cancelled or refused.")
        return redirect("core:login")
    next_url = request.session.get(NEXT_KEY)
    try:
        token = sso.client().authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if settings_role_claim_missing(claims):
            claims.update(sso.client().userinfo(token=token))
        user = sso.user_for_claims(claims)
    except sso.SsoError as refused:
        sso.refuse(request, str(refused))
        messages.error(request, str(refused))
        return redirect("core:login")
    except Exception:
        log.exception("single sign-on: the response could not be validated")
        sso.refuse(request, "invalid response from the identity provider")
        messages.error(
            request, "Single sign-on failed: the identity provider's answer was invalid."
        )
        return redirect("core:login")
    step = accounts.after_first_factor(request, user, "sso", mfa_done=sso.idp_did_mfa(claims))
    if next_url:
        request.session[NEXT_KEY] = next_url
    return _continue(request, step)


def settings_role_claim_missing(claims: dict[str, object]) -> bool:
    from django.conf import settings

    first = settings.OIDC["role_claim"].split(".")[0]
    return first not in claims
