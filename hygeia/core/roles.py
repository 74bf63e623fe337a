"""Roles and permissions, loaded from `content/roles.yaml`.

Roles are Django groups; Hygeia's permissions are Django permissions on the RolePolicy content
type, so `user.has_perm("core.<codename>")` works everywhere (templates, views, API).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

ROLES_FILE = Path(__file__).resolve().parent.parent / "content" / "roles.yaml"

ADMINISTRATOR = "Administrator"
PRIVACY_OFFICER = "Privacy Officer"
SECURITY_ANALYST = "Security Analyst"
VENDOR_RISK_MANAGER = "Vendor Risk Manager"
SECURITY_OFFICER = "Security Officer"
AI_GOVERNANCE_REVIEWER = "AI Governance Reviewer"
AUDITOR = "Auditor"
STAFF = "Staff"
SURVEY_ORGANIZER = "Survey Organizer"


@dataclass(frozen=True)
class RoleDefinition:
    name: str
    description: str
    mfa_required: bool
    permissions: tuple[str, ...]


@cache
def catalog() -> tuple[dict[str, str], tuple[RoleDefinition, ...]]:
    """(permission codename -> description, role definitions), validated."""
    data: dict[str, Any] = yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))
    permissions: dict[str, str] = dict(data["permissions"])
    roles = []
    for item in data["roles"]:
        unknown = set(item["permissions"]) - set(permissions)
        if unknown:
            raise ValueError(
                f"{ROLES_FILE}: role {item['name']!r} grants unknown {sorted(unknown)}"
            )
        roles.append(
            RoleDefinition(
                name=item["name"],
                description=item.get("description", ""),
                mfa_required=bool(item.get("mfa_required", False)),
                permissions=tuple(item["permissions"]),
            )
        )
    return permissions, tuple(roles)


def role_names() -> list[str]:
    return [role.name for role in catalog()[1]]


def sync_roles() -> None:
    """Make the database's groups, permissions and policies match the roles file.

    A role's MFA setting is only seeded: once an administrator changed it, it is kept.
    """
    from hygeia.core.models import RolePolicy

    permissions, roles = catalog()
    content_type = ContentType.objects.get_for_model(RolePolicy)
    by_code = {}
    for codename, description in permissions.items():
        perm, _ = Permission.objects.update_or_create(
            codename=codename, content_type=content_type, defaults={"name": description[:255]}
        )
        by_code[codename] = perm
    Permission.objects.filter(content_type=content_type).exclude(codename__in=permissions).delete()
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role.name)
        group.permissions.set([by_code[c] for c in role.permissions])
        policy, created = RolePolicy.objects.get_or_create(
            group=group,
            defaults={"description": role.description, "mfa_required": role.mfa_required},
        )
        if not created and policy.description != role.description:
            policy.description = role.description
            policy.save(update_fields=["description"])


def mfa_required(user: Any) -> bool:
    """Whether any of the user's roles requires a second factor."""
    from hygeia.core.models import RolePolicy

    if not getattr(user, "is_authenticated", False):
        return False
    return RolePolicy.objects.filter(group__user=user, mfa_required=True).exists()
