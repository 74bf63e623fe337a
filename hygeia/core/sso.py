"""OpenID Connect single sign-on (authorization code flow with PKCE and nonce).

Configured entirely by HYGEIA_OIDC_* variables; the provider's endpoints and keys come from
its discovery document. Users are matched by (issuer, subject); their roles are re-synced
from a claim at every sign-in, so removing someone from an IdP group takes effect at their next
sign-in.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from hygeia.core import audit
from hygeia.core.clientip import client_ip
from hygeia.core.models import ExternalIdentity, User

log = logging.getLogger(__name__)

# Authentication methods (RFC 8176) that mean the IdP already asked for a second factor.
MFA_AMR_VALUES = frozenset({"mfa", "otp", "hwk", "swk", "sms", "fido", "face", "fpt", "iris"})

_clients: dict[tuple[str, str, str], Any] = {}


class SsoError(Exception):
    """A sign-in that must be refused, with a message safe to show the user."""


def enabled() -> bool:
    cfg = settings.OIDC
    return bool(cfg["issuer"] and cfg["client_id"])


def client() -> Any:
    cfg = settings.OIDC
    key = (cfg["issuer"], cfg["client_id"], cfg["scopes"])
    if key not in _clients:
        registry = OAuth()
        registry.register(
            name="hygeia",
            server_metadata_url=f"{cfg['issuer']}/.well-known/openid-configuration",
            client_id=cfg["client_id"],
            client_secret=cfg["client_secret"],
            client_kwargs={"scope": cfg["scopes"], "code_challenge_method": "S256", "timeout": 10},
        )
        _clients[key] = registry.create_client("hygeia")
    return _clients[key]


def _claim_values(claims: dict[str, Any], name: str) -> list[str]:
    """A claim as a list of strings; dotted names reach into nested claims (Keycloak's
    `realm_access.roles`)."""
    value: Any = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def roles_from_claims(claims: dict[str, Any]) -> list[str]:
    cfg = settings.OIDC
    mapped = {
        cfg["role_map"][value]
        for value in _claim_values(claims, cfg["role_claim"])
        if value in cfg["role_map"]
    }
    if not mapped and cfg["default_role"]:
        mapped = {cfg["default_role"]}
    known = set(Group.objects.filter(name__in=mapped).values_list("name", flat=True))
    unknown = mapped - known
    if unknown:
        log.warning("HYGEIA_OIDC_ROLE_MAP names roles that do not exist: %s", sorted(unknown))
    return sorted(known)


def _username_for(claims: dict[str, Any]) -> str:
    for key in ("preferred_username", "email", "sub"):
        value = str(claims.get(key) or "").strip()
        if value:
            base = value[:140]
            candidate, n = base, 1
            while User.objects.filter(username__iexact=candidate).exists():
                n += 1
                candidate = f"{base}.{n}"
            return candidate
    raise SsoError("The identity provider sent no subject.")


@transaction.atomic
def user_for_claims(claims: dict[str, Any]) -> User:
    """Find or create the user for these verified claims and sync their roles."""
    issuer = str(claims.get("iss") or settings.OIDC["issuer"])
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SsoError("The identity provider sent no subject.")
    roles = roles_from_claims(claims)
    if not roles:
        raise SsoError("Your account has no Hygeia role. Ask an administrator for access.")
    link = (
        ExternalIdentity.objects.select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if link is None:
        user = User.objects.create(
            username=_username_for(claims),
            email=str(claims.get("email") or "")[:254],
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
            sso_only=True,
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        link = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    user = link.user
    if not user.is_active:
        raise SsoError("This account is deactivated in Hygeia.")
    wanted = set(Group.objects.filter(name__in=roles))
    current = set(user.groups.all())
    if wanted - current:
        user.groups.add(*(wanted - current))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    link.last_login = timezone.now()
    link.save(update_fields=["last_login"])
    return user


def idp_did_mfa(claims: dict[str, Any]) -> bool:
    return bool(MFA_AMR_VALUES.intersection(_claim_values(claims, "amr")))


def refuse(request: Any, reason: str) -> None:
    audit.record(
        audit.Action.LOGIN_FAILED,
        actor=audit.Actor(name="(sso)", source_ip=client_ip(request)),
        outcome="failure",
        summary=f"single sign-on refused: {reason}",
    )
