"""Pages of the shell: dashboard, account (MFA, password, API tokens), users, roles, audit trail."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from hygeia.core import audit, mfa, notify
from hygeia.core.audit_export import describe_filter, filter_entries, iter_csv, iter_ndjson
from hygeia.core.forms import (
    AuditFilterForm,
    CodeForm,
    NewUserForm,
    PasswordChangeForm,
    TokenForm,
    UserForm,
)
from hygeia.core.middleware import MFA_OK_KEY
from hygeia.core.models import ApiToken, AuditEntry, RolePolicy, User
from hygeia.core.passwords import generate_password
from hygeia.core.permissions import require
from hygeia.core.roles import catalog, mfa_required
from hygeia.core.search import search_text

PAGE_SIZE = 50


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and monitoring (no auth)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@require()
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    context: dict[str, Any] = {
        "roles": user.role_names(),
        "mfa_enrolled": mfa.confirmed_device(user) is not None,
        "mfa_required": mfa_required(user),
    }
    if user.has_perm("core.view_audit_trail"):
        since = timezone.now() - timedelta(days=1)
        recent = AuditEntry.objects.filter(at__gte=since)
        context["audit_stats"] = {
            "entries_24h": recent.count(),
            "failed_logins_24h": recent.filter(action=audit.Action.LOGIN_FAILED).count(),
            "phi_views_24h": recent.filter(action=audit.Action.VIEW_PHI).count(),
        }
    return render(request, "core/dashboard.html", context)


# --- account ----------------------------------------------------------------------------


def _account_page(
    request: HttpRequest, password_form: PasswordChangeForm, status: int = 200
) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "core/account.html",
        {
            "device": mfa.confirmed_device(user),
            "mfa_required": mfa_required(user),
            "recovery_remaining": mfa.remaining_recovery_codes(user),
            "password_form": password_form,
            "token_form": TokenForm(),
            "tokens": user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at"),
            "notifications": notify.preferences(user),
            "severities": SEVERITY_CHOICES,
            "email_enabled": notify.email_enabled(),
        },
        status=status,
    )


SEVERITY_CHOICES = ("low", "medium", "high", "critical")


@require()
@require_POST
def account_notifications(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    chosen = notify.preferences(user)
    chosen.new_incidents = bool(request.POST.get("new_incidents"))
    chosen.deadlines = bool(request.POST.get("deadlines"))
    severity = request.POST.get("minimum_severity", "high")
    chosen.minimum_severity = severity if severity in SEVERITY_CHOICES else "high"
    chosen.save()
    messages.success(request, "Notification preferences saved.")
    return redirect("core:account")


@require()
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    return _account_page(request, PasswordChangeForm(request.user))


@require()
@require_POST
def account_password(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if user.sso_only:
        messages.error(request, "Your password is managed by your organization's sign-on.")
        return redirect("core:account")
    form = PasswordChangeForm(user, request.POST)
    if not form.is_valid():
        return _account_page(request, form, status=400)
    user.set_password(form.cleaned_data["new_password"])
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save()
    update_session_auth_hash(request, user)
    messages.success(request, "Your password was changed.")
    return redirect("core:account")


@require()
@never_cache
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """Show a QR code for a new secret; a correct first code confirms it."""
    user = request.user
    assert isinstance(user, User)
    if mfa.confirmed_device(user) is not None:
        if not request.session.get(MFA_OK_KEY):
            # Enrolled but this session never passed the second factor: sign in properly.
            return redirect("core:logout_required")
        messages.info(request, "Your authenticator is already set up.")
        return redirect("core:account")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = user.totp
        if mfa.confirm_enrolment(device, form.cleaned_data["code"]):
            codes = mfa.new_recovery_codes(user)
            audit.record(
                audit.Action.MFA_CHANGE,
                object_type="core.user",
                object_id=user.pk,
                summary="authenticator app enrolled; recovery codes issued",
            )
            request.session.cycle_key()
            request.session[MFA_OK_KEY] = True
            return render(request, "core/recovery_codes.html", {"codes": codes})
        form.add_error("code", "That code does not match. Check the time on your phone and retry.")
        return _enrol_page(request, device, form, status=400)
    device = mfa.start_enrolment(user)
    return _enrol_page(request, device, form)


def _enrol_page(
    request: HttpRequest, device: Any, form: CodeForm, status: int = 200
) -> HttpResponse:
    uri = mfa.provisioning_uri(device)
    return render(
        request,
        "core/mfa_enrol.html",
        {
            "qr_svg": mfa.qr_svg(uri),
            "secret": device.key,
            "form": form,
            "forced": mfa_required(request.user) and not request.session.get(MFA_OK_KEY),
        },
        status=status,
    )


@require()
def logout_required(request: HttpRequest) -> HttpResponse:
    return render(request, "core/logout_required.html")


@require()
@require_POST
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if mfa.confirmed_device(user) is None:
        raise Http404
    codes = mfa.new_recovery_codes(user)
    audit.record(
        audit.Action.MFA_CHANGE,
        object_type="core.user",
        object_id=user.pk,
        summary="recovery codes regenerated",
    )
    return render(request, "core/recovery_codes.html", {"codes": codes})


@require()
@require_POST
def mfa_remove(request: HttpRequest) -> HttpResponse:
    """Remove the authenticator. Where a role requires MFA, the user must enrol a new one."""
    user = request.user
    assert isinstance(user, User)
    mfa.remove(user)
    audit.record(
        audit.Action.MFA_CHANGE,
        object_type="core.user",
        object_id=user.pk,
        summary="authenticator removed by the user",
    )
    if mfa_required(user):
        request.session[MFA_OK_KEY] = False
        messages.warning(request, "Your role requires MFA: set up your new authenticator now.")
        return redirect("core:mfa_enrol")
    messages.info(request, "Your authenticator was removed.")
    return redirect("core:account")


@require()
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the token a name and a validity of 1 to 366 days.")
        return redirect("core:account")
    secret = "hyg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=form.cleaned_data["name"],
        prefix=secret[:12],
        token_hash=ApiToken.digest(secret),
        expires_at=timezone.now() + timedelta(days=form.cleaned_data["days"]),
    )
    return render(request, "core/token_created.html", {"token": secret})


@require()
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user, revoked_at__isnull=True)
    token.revoked_at = timezone.now()
    token.save()
    messages.info(request, f"Token {token.name} revoked.")
    return redirect("core:account")


# --- users and roles --------------------------------------------------------------------


@require("view_users")
def users(request: HttpRequest) -> HttpResponse:
    query = search_text(request.GET)
    people = User.objects.prefetch_related("groups").order_by("username")
    if query:
        people = people.filter(username__icontains=query) | people.filter(email__icontains=query)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "core/_users_table.html" if request.headers.get("HX-Request") else "core/users.html"
    return render(request, template, {"page": page, "q": query})


@require("manage_users")
def user_create(request: HttpRequest) -> HttpResponse:
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save(commit=False)
            user.set_password(form.cleaned_data["password"])
            user.password_changed_at = timezone.now()
            user.save()
            user.groups.set(form.cleaned_data["roles"])
        messages.success(request, f"Account {user.username} created.")
        return redirect("core:user_detail", user_id=user.pk)
    return render(
        request,
        "core/user_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


@require("view_users")
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    return render(
        request,
        "core/user_detail.html",
        {
            "person": person,
            "device": mfa.confirmed_device(person),
            "mfa_required": mfa_required(person),
            "identities": person.external_identities.all(),
            "recent": AuditEntry.objects.filter(actor_id=person.pk).order_by("-seq")[:20]
            if request.user.has_perm("core.view_audit_trail")
            else None,
        },
    )


@require("manage_users")
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    form = UserForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            person.groups.set(form.cleaned_data["roles"])
        messages.success(request, f"Account {person.username} saved.")
        return redirect("core:user_detail", user_id=person.pk)
    return render(
        request,
        "core/user_form.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


USER_ACTIONS = {"unlock", "reset-mfa", "reset-password", "deactivate", "activate"}


@require("manage_users")
@require_POST
def user_action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    if action not in USER_ACTIONS:
        raise Http404
    if action == "unlock":
        person.locked_until = None
        person.failed_logins = 0
        person.save()
        messages.success(request, f"{person.username} unlocked.")
    elif action == "reset-mfa":
        mfa.remove(person)
        audit.record(
            audit.Action.MFA_CHANGE,
            object_type="core.user",
            object_id=person.pk,
            summary=f"authenticator of {person.username} reset by an administrator",
        )
        messages.success(request, f"{person.username} must enrol an authenticator again.")
    elif action == "reset-password":
        if person.sso_only:
            messages.error(request, f"{person.username} signs in through single sign-on.")
            return redirect("core:user_detail", user_id=person.pk)
        temporary = generate_password()
        person.set_password(temporary)
        person.must_change_password = True
        person.locked_until = None
        person.password_changed_at = timezone.now()
        person.save()
        return render(
            request, "core/password_reset.html", {"person": person, "password": temporary}
        )
    elif action in {"deactivate", "activate"}:
        if person.pk == request.user.pk:
            messages.error(request, "You cannot deactivate your own account.")
            return redirect("core:user_detail", user_id=person.pk)
        person.is_active = action == "activate"
        person.save()
        messages.success(request, f"{person.username} {action}d.")
    return redirect("core:user_detail", user_id=person.pk)


@require("view_users")
def roles(request: HttpRequest) -> HttpResponse:
    permissions, definitions = catalog()
    policies = {p.group.name: p for p in RolePolicy.objects.select_related("group")}
    counts = {g.name: g.user_set.filter(is_active=True).count() for g in Group.objects.all()}
    rows = [
        {
            "definition": d,
            "policy": policies.get(d.name),
            "members": counts.get(d.name, 0),
        }
        for d in definitions
    ]
    return render(request, "core/roles.html", {"rows": rows, "permissions": permissions})


@require("manage_roles")
@require_POST
def role_policy(request: HttpRequest, policy_id: int) -> HttpResponse:
    policy = get_object_or_404(RolePolicy, pk=policy_id)
    wanted = request.POST.get("mfa_required") == "on"
    if wanted != policy.mfa_required:
        policy.mfa_required = wanted
        policy.save()
        audit.record(
            audit.Action.PERMISSION_CHANGE,
            object_type="core.rolepolicy",
            object_id=policy.pk,
            summary=f"role {policy.group.name}: MFA {'required' if wanted else 'optional'}",
        )
    messages.success(request, f"Policy of {policy.group.name} saved.")
    return redirect("core:roles")


# --- audit trail --------------------------------------------------------------------------


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    return form, filters


@require("view_audit_trail")
def audit_list(request: HttpRequest) -> HttpResponse:
    form, filters = _audit_filters(request)
    page = Paginator(filter_entries(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "filtered": bool(filters)}
    template = "core/_audit_table.html" if request.headers.get("HX-Request") else "core/audit.html"
    return render(request, template, context)


@require("view_audit_trail")
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    entry = get_object_or_404(AuditEntry, seq=seq)
    return render(
        request,
        "core/audit_detail.html",
        {"entry": entry, "hash_ok": audit.compute_hash(entry) == entry.entry_hash},
    )


@require("view_audit_trail")
def audit_verify(request: HttpRequest) -> HttpResponse:
    result = audit.verify()
    return render(
        request, "core/audit_verify.html", {"result": result}, status=200 if result.ok else 409
    )


EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv", iter_csv),
    "ndjson": ("application/fhir+ndjson", "ndjson", iter_ndjson),
}


@require("export_audit_trail")
def audit_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _, filters = _audit_filters(request)
    entries = filter_entries(**filters)
    content_type, extension, render_rows = EXPORT_FORMATS[fmt]
    audit.record(
        audit.Action.EXPORT,
        object_type="core.auditentry",
        summary=f"audit trail exported as {fmt}",
        details={"format": fmt, "filter": describe_filter(filters), "count": entries.count()},
    )
    response = StreamingHttpResponse(
        render_rows(entries.iterator(chunk_size=2000)), content_type=content_type
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="hygeia-audit-{stamp}.{extension}"'
    return response
