"""The JSON API (OpenAPI document at /api/openapi.json, browsable at /api/docs).

Authenticates with the browser session (CSRF-checked) or a bearer token created on the
account page. Permissions are the same as the UI's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Query, Schema
from ninja.security import HttpBearer, SessionAuth

from hygeia import __version__
from hygeia.core import audit
from hygeia.core.audit_export import filter_entries
from hygeia.core.clientip import client_ip
from hygeia.core.models import ApiToken, User
from hygeia.core.permissions import need
from hygeia.privacy.models import Patient
from hygeia.privacy.phi import find_patients, present, record_view


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hyg_…` — a token from the account page."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        digest = ApiToken.digest(token)
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if found is None or (found.expires_at and found.expires_at < timezone.now()):
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        audit._current_actor.set(audit.actor_for_user(found.user, client_ip(request)))
        return found.user


api = NinjaAPI(
    title="Hygeia API",
    version=__version__,
    description="Security governance for hospitals. Authenticate with your browser session "
    "or with `Authorization: Bearer <token>` (create tokens on your account page).",
    auth=[TokenAuth(), SessionAuth()],
    docs_decorator=login_required,
    urls_namespace="api",
)


class MeOut(Schema):
    username: str
    roles: list[str]
    permissions: list[str]


@api.get("/me", response=MeOut, tags=["accounts"], summary="Who am I, and what may I do")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    assert isinstance(user, User)
    perms = sorted(p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith("core."))
    return {"username": user.username, "roles": user.role_names(), "permissions": perms}


class UserOut(Schema):
    id: int
    username: str
    email: str
    is_active: bool
    roles: list[str]
    locked: bool
    last_login: datetime | None


@api.get("/users", response=list[UserOut], tags=["accounts"], summary="List user accounts")
def list_users(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    need(request, "view_users")
    people = User.objects.prefetch_related("groups").order_by("username")[
        offset : offset + min(limit, 500)
    ]
    return [
        {
            "id": u.pk,
            "username": u.username,
            "email": u.email,
            "is_active": u.is_active,
            "roles": u.role_names(),
            "locked": u.is_locked(),
            "last_login": u.last_login,
        }
        for u in people
    ]


class AuditOut(Schema):
    seq: int
    at: datetime
    actor: str
    source_ip: str
    action: str
    outcome: str
    object_type: str
    object_id: str
    patient_ref: str
    summary: str
    entry_hash: str


class AuditFilter(Schema):
    who: str = ""
    action: str = ""
    outcome: str = ""
    object_type: str = ""
    since: date | None = None
    until: date | None = None
    limit: int = 100
    offset: int = 0


@api.get(
    "/audit/entries",
    response=list[AuditOut],
    tags=["audit"],
    summary="Audit-trail entries, newest first",
)
def audit_entries(request: HttpRequest, filters: Query[AuditFilter]) -> Any:
    need(request, "view_audit_trail")
    params = filters.dict()
    limit, offset = min(params.pop("limit"), 1000), max(params.pop("offset"), 0)
    return list(filter_entries(**params)[offset : offset + limit])


class VerifyOut(Schema):
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    first_bad_entry: str | None
    problems: list[str]


@api.get(
    "/audit/verify",
    response=VerifyOut,
    tags=["audit"],
    summary="Check the audit trail's hash chain",
)
def audit_verify(request: HttpRequest) -> dict[str, Any]:
    need(request, "view_audit_trail")
    return audit.verify().as_dict()


class PatientOut(Schema):
    id: str
    mrn: str
    name: str
    birth: str
    address: str
    labels: list[str]
    masked: bool


class PatientSearch(Schema):
    q: str


@api.get(
    "/patients",
    response=list[PatientOut],
    tags=["privacy"],
    summary="Patient directory (identifiers masked unless your role sees them)",
)
def list_patients(request: HttpRequest, limit: int = 50, offset: int = 0) -> list[Any]:
    need(request, "view_patients")
    shown = list(Patient.objects.all()[offset : offset + min(limit, 200)])
    record_view(request.user, shown, "patient list (API)")
    return [present(p, request.user) for p in shown]


@api.post(
    "/patients/search",
    response=list[PatientOut],
    tags=["privacy"],
    summary="Find patients by MRN or name (POSTed: identifiers stay out of URLs)",
)
def search_patients(request: HttpRequest, body: PatientSearch) -> list[Any]:
    need(request, "view_patients")
    shown = list(find_patients(body.q)[:50])
    record_view(request.user, shown, "patient search (API)")
    return [present(p, request.user) for p in shown]


@api.get("/patients/{patient_id}", response=PatientOut, tags=["privacy"], summary="One patient")
def get_patient(request: HttpRequest, patient_id: uuid.UUID) -> Any:
    need(request, "view_patients")
    patient = get_object_or_404(Patient, pk=patient_id)
    record_view(request.user, [patient], "patient record (API)")
    return present(patient, request.user)


from hygeia.privacy.api import router as privacy_router  # noqa: E402  (needs `api` defined)

api.add_router("/", privacy_router)

from hygeia.ai.api import router as ai_router  # noqa: E402

api.add_router("/", ai_router)

from hygeia.vendors.api import router as vendors_router  # noqa: E402

api.add_router("/", vendors_router)

from hygeia.program.api import router as program_router  # noqa: E402

api.add_router("/", program_router)

from hygeia.survey.api import router as survey_router  # noqa: E402

api.add_router("/", survey_router)
