"""Every setting Hygeia reads from the environment, in one table.

Settings are declared here once, with their default and a sentence for the operator, so that
`settings.py`, `hygeia check` and the README's configuration table cannot drift apart
(a test compares the README against this list).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "HYGEIA_DATA_DIR",
        "./var",
        "Where Hygeia keeps its database (SQLite), secret key, uploads and event data.",
    ),
    Setting(
        "DATABASE_URL",
        "sqlite:///$HYGEIA_DATA_DIR/hygeia.sqlite3",
        "Database to use, e.g. `postgres://hygeia@db.example.org:5432/hygeia`.",
    ),
    Setting(
        "HYGEIA_SECRET_KEY",
        "(generated)",
        "Signing key. When unset, a random key is "
        "generated into `$HYGEIA_DATA_DIR/secret_key` (mode 0600) on first use.",
    ),
    Setting(
        "HYGEIA_DEBUG",
        "false",
        "Django debug pages. Never enable in production: they can display patient data.",
    ),
    Setting(
        "HYGEIA_ALLOWED_HOSTS",
        "localhost,127.0.0.1",
        "Comma-separated host names the server answers to.",
    ),
    Setting(
        "HYGEIA_TLS",
        "false",
        "Set to `true` when users reach Hygeia over HTTPS: secure "
        "cookies, HSTS, and redirection of plain HTTP.",
    ),
    Setting(
        "HYGEIA_TRUST_PROXY_TLS_HEADER",
        "false",
        "Trust `X-Forwarded-Proto: https` from the reverse proxy that terminates TLS.",
    ),
    Setting(
        "HYGEIA_TRUSTED_PROXIES",
        "127.0.0.1",
        "Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed (the client address in the audit trail).",
    ),
    Setting(
        "HYGEIA_CSRF_TRUSTED_ORIGINS",
        "",
        "Comma-separated origins (scheme://host) allowed to post forms when behind a proxy.",
    ),
    Setting("HYGEIA_TIME_ZONE", "UTC", "Time zone for displayed dates (storage is always UTC)."),
    Setting(
        "HYGEIA_SESSION_IDLE_MINUTES",
        "15",
        "Sign out after this much inactivity (HIPAA automatic logoff, 164.312(a)(2)(iii)).",
    ),
    Setting(
        "HYGEIA_SESSION_MAX_HOURS", "12", "Sign out this long after sign-in, whatever the activity."
    ),
    Setting(
        "HYGEIA_LOCKOUT_THRESHOLD", "5", "Failed sign-ins (password or MFA) that lock an account."
    ),
    Setting("HYGEIA_LOCKOUT_MINUTES", "15", "How long a locked account stays locked."),
    Setting("HYGEIA_PASSWORD_MIN_LENGTH", "12", "Minimum password length for local accounts."),
    Setting("HYGEIA_MAX_UPLOAD_MB", "25", "Largest upload accepted, in MiB."),
    Setting("HYGEIA_LOG_LEVEL", "INFO", "Application log level (DEBUG, INFO, WARNING, ERROR)."),
    Setting(
        "HYGEIA_ADMIN_USERNAME",
        "",
        "First administrator for `hygeia init` when `--admin` is not given.",
    ),
    Setting(
        "HYGEIA_ADMIN_PASSWORD",
        "",
        "That administrator's password, for unattended installs (prefer `--password-file`).",
    ),
    Setting("HYGEIA_ADMIN_EMAIL", "", "That administrator's e-mail address."),
    Setting(
        "HYGEIA_ORGANIZATION",
        "",
        "Name of the hospital or health system, shown in the header (set at `hygeia init`).",
    ),
    Setting(
        "HYGEIA_OIDC_ISSUER",
        "",
        "OpenID Connect issuer URL; enables single sign-on "
        "(its `/.well-known/openid-configuration` is read).",
    ),
    Setting("HYGEIA_OIDC_CLIENT_ID", "", "Client ID registered with the identity provider."),
    Setting(
        "HYGEIA_OIDC_CLIENT_SECRET", "", "Client secret registered with the identity provider."
    ),
    Setting("HYGEIA_OIDC_SCOPES", "openid email profile", "Scopes requested at sign-in."),
    Setting(
        "HYGEIA_OIDC_ROLE_CLAIM",
        "groups",
        "Claim (in the ID token or user info) that carries the user's groups or roles.",
    ),
    Setting(
        "HYGEIA_OIDC_ROLE_MAP",
        "",
        "Claim value to Hygeia role, e.g. "
        "`hyg-admins=Administrator;privacy=Privacy Officer`. Roles are re-synced at each "
        "sign-in.",
    ),
    Setting(
        "HYGEIA_OIDC_DEFAULT_ROLE",
        "Staff",
        "Role given when no claim value maps; empty to refuse such users.",
    ),
    Setting("HYGEIA_OIDC_LABEL", "Sign in with single sign-on", "Text of the SSO button."),
    Setting(
        "HYGEIA_BASE_URL",
        "http://localhost:8000",
        "Address users reach Hygeia at, for links in e-mails and outside reviewers' invitations.",
    ),
    Setting(
        "HYGEIA_SMTP_HOST",
        "",
        "SMTP server for e-mail notifications and reminders; empty disables e-mail.",
    ),
    Setting("HYGEIA_SMTP_PORT", "25", "Its port."),
    Setting(
        "HYGEIA_SMTP_SECURITY",
        "none",
        "`none`, `starttls` or `tls` (implicit TLS, usually port 465).",
    ),
    Setting("HYGEIA_SMTP_USER", "", "SMTP user name, if the server requires one."),
    Setting("HYGEIA_SMTP_PASSWORD", "", "Its password."),
    Setting("HYGEIA_EMAIL_FROM", "hygeia@localhost", "Sender address of Hygeia's e-mails."),
    Setting(
        "HYGEIA_PHI_GUARD_POLICY",
        "mask",
        "What the PHI guard does with a prompt that holds identifiers when the caller does not "
        "say: `mask` (return it with identifiers replaced) or `block` (refuse it).",
    ),
    Setting(
        "HYGEIA_VENDOR_TIER_RULES",
        "",
        "A YAML file of vendor tiering rules replacing the bundled "
        "`hygeia/content/vendors/tiering.yaml` (same layout); run `hygeia vendors retier` after "
        "changing it.",
    ),
    Setting(
        "HYGEIA_ORG_EMAIL_DOMAINS",
        "",
        "Comma-separated e-mail domains of the organization: a proxy-log user outside them "
        "(e.g. a gmail.com login) counts as a personal account in the shadow-AI report.",
    ),
    Setting(
        "HYGEIA_QUARANTINE_KEEP",
        "10000",
        "Quarantined records whose content is kept per ingested file; the rest are counted by "
        "reason only, so that a hostile or wrong file cannot fill the disk.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def raw(name: str) -> str:
    """The environment's value of a declared setting, or its default."""
    default = _BY_NAME[name].default
    return os.environ.get(name, "" if default.startswith("(") or "$" in default else default)


class ConfigError(SystemExit):
    """A configuration value that cannot be used. A SystemExit, so that the server stops with
    the message; `hygeia` prints it as a user error (exit status 2)."""


def as_bool(name: str) -> bool:
    return raw(name).strip().lower() in {"1", "true", "yes", "on"}


def as_int(name: str) -> int:
    value = raw(name).strip()
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def as_list(name: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in raw(name).split(sep) if part.strip()]


def data_dir() -> Path:
    return Path(os.environ.get("HYGEIA_DATA_DIR", "./var")).resolve()


def role_map() -> dict[str, str]:
    """`value=Role;value2=Role2` -> {value: Role}."""
    mapping: dict[str, str] = {}
    for pair in as_list("HYGEIA_OIDC_ROLE_MAP", sep=";"):
        value, _, role = pair.partition("=")
        if value.strip() and role.strip():
            mapping[value.strip()] = role.strip()
    return mapping
