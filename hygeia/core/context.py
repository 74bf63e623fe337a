"""Template context for the shell: organization name, navigation, SSO button."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from hygeia import __version__
from hygeia.core import sso
from hygeia.core.middleware import MFA_OK_KEY
from hygeia.core.models import Organization
from hygeia.core.permissions import has
from hygeia.core.roles import mfa_required

# (label, url name, permission or None for every signed-in user)
NAVIGATION: list[tuple[str, str, str | None]] = [
    ("Dashboard", "core:dashboard", None),
    ("Patients", "privacy:patients", "view_patients"),
    ("Alerts", "alerts:list", "view_alerts"),
    ("Cases", "cases:list", "view_cases"),
    ("Privacy reports", "reports:dashboard", "view_privacy_reports"),
    ("AI inventory", "ai:tools", "view_ai_inventory"),
    ("AI requests", "ai:my_requests", "submit_requests"),
    ("Vendors", "vendors:list", "view_vendors"),
    ("Program", "program:home", "view_program"),
    ("Survey", "survey:home", "view_survey"),
    ("Sources", "ingest:sources", "view_sources"),
    ("Audit trail", "core:audit_list", "view_audit_trail"),
    ("Users", "core:users", "view_users"),
    ("Roles", "core:roles", "view_users"),
    ("Account", "core:account", None),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav = []
    enrolment_pending = bool(
        user is not None
        and user.is_authenticated
        and not request.session.get(MFA_OK_KEY)
        and mfa_required(user)
    )
    if user is not None and user.is_authenticated and not enrolment_pending:
        nav = [
            {"label": label, "url_name": name}
            for label, name, perm in NAVIGATION
            if perm is None or has(user, perm)
        ]
    org = Organization.objects.first()
    return {
        "hygeia_version": __version__,
        "organization": org.name if org else "",
        "nav_items": nav,
        "sso_enabled": sso.enabled(),
        "sso_label": settings.OIDC["label"],
    }
