"""`hygeia check`: is this installation configured safely and able to run?"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from django.core import checks as django_checks
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class Finding:
    level: str
    topic: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "topic": self.topic, "message": self.message}


def migration_state() -> tuple[int, int]:
    """(migrations this version would apply, applied migrations this version does not know)."""
    executor = MigrationExecutor(connection)
    loader = executor.loader
    pending = len(executor.migration_plan(loader.graph.leaf_nodes()))
    unknown = len(set(loader.applied_migrations) - set(loader.graph.nodes))
    return pending, unknown


def pending_migrations() -> int:
    return migration_state()[0]


def database_location() -> str:
    """Where the database is, for messages: the SQLite file, or host:port/name (never the
    password that DATABASE_URL may carry)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"the SQLite database {db['NAME']}"
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"the {connection.display_name} database {db['NAME']} at {host}{port}"


def _reason(exc: Exception) -> str:
    """The driver's own reason, on one line: 'Connection refused', 'database "x" does not
    exist', 'password authentication failed for user "y"'."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    text = text.rsplit(" failed: ", 1)[-1]
    return text.removeprefix("FATAL:").strip().rstrip(".")


def connection_problem() -> str | None:
    """One sentence saying why the database cannot be reached and what to do, or None."""
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        reason = _reason(exc)
        if "does not exist" in reason:
            advice = f"Create it (`createdb {connection.settings_dict['NAME']}`)"
        elif "authentication" in reason or "password" in reason:
            advice = "Correct the user or password"
        else:
            advice = "Start the database server"
        return (
            f"cannot connect to {database_location()}: {reason}. {advice}, or correct DATABASE_URL."
        )
    return None


def schema_problem() -> str | None:
    """One sentence saying why the schema does not fit this version of Hygeia, or None."""
    pending, unknown = migration_state()
    if unknown:
        return (
            f"{database_location()} was upgraded by a newer version of Hygeia ({unknown} "
            "migrations this version does not know): run that version, or restore a backup "
            "made with this one."
        )
    if not pending:
        return None
    state = (
        f"is older than this version of Hygeia ({pending} migrations to apply)"
        if MigrationRecorder(connection).has_table()
        else "is not initialised"
    )
    return f"{database_location()} {state}: run `hygeia init`."


def _database() -> list[Finding]:
    unreachable = connection_problem()
    if unreachable:
        return [Finding(FAIL, "database", unreachable)]
    found = [Finding(OK, "database", f"connected to {database_location()}")]
    outdated = schema_problem()
    found.append(
        Finding(FAIL, "database", outdated)
        if outdated
        else Finding(OK, "database", "schema up to date")
    )
    if connection.vendor == "sqlite":
        found.append(
            Finding(
                WARN,
                "database",
                "embedded SQLite: fine for a pilot; use PostgreSQL (DATABASE_URL) in production",
            )
        )
    return found


def _data_dir() -> list[Finding]:
    data_dir = Path(settings.DATA_DIR)
    if not data_dir.exists():
        return [
            Finding(FAIL, "data", f"data directory {data_dir} does not exist: run `hygeia init`")
        ]
    found = []
    if os.access(data_dir, os.W_OK):
        found.append(Finding(OK, "data", f"data directory {data_dir} is writable"))
    else:
        found.append(Finding(FAIL, "data", f"data directory {data_dir} is not writable"))
    key = data_dir / "secret_key"
    if os.environ.get("HYGEIA_SECRET_KEY"):
        found.append(Finding(OK, "secret", "secret key from HYGEIA_SECRET_KEY"))
    elif key.exists():
        mode = stat.S_IMODE(key.stat().st_mode)
        if mode & 0o077:
            found.append(
                Finding(
                    FAIL,
                    "secret",
                    f"{key} is readable by others (mode {mode:o}); run `chmod 600` on it",
                )
            )
        else:
            found.append(Finding(OK, "secret", f"secret key file has mode {mode:o}"))
    return found


def _security() -> list[Finding]:
    found = []
    if settings.DEBUG:
        found.append(
            Finding(
                FAIL, "debug", "HYGEIA_DEBUG is on: error pages can show patient data. Turn it off."
            )
        )
    else:
        found.append(Finding(OK, "debug", "debug pages off"))
    if not settings.TLS:
        found.append(
            Finding(
                WARN,
                "tls",
                "HYGEIA_TLS is off: serve Hygeia over HTTPS through a "
                "reverse proxy and set HYGEIA_TLS=true",
            )
        )
    return found + _sso()


def _sso() -> list[Finding]:
    """Single sign-on: complete configuration, and an identity provider that answers."""
    issuer = settings.OIDC["issuer"]
    if not issuer:
        return []
    if not settings.OIDC["client_id"]:
        return [Finding(FAIL, "sso", "HYGEIA_OIDC_ISSUER is set without HYGEIA_OIDC_CLIENT_ID")]
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=5)
        response.raise_for_status()
        advertised = str(response.json().get("issuer", "")).rstrip("/")
    except (requests.RequestException, ValueError) as exc:
        return [Finding(FAIL, "sso", f"cannot read {url}: {type(exc).__name__}")]
    if advertised != issuer:
        return [
            Finding(
                FAIL,
                "sso",
                f"the provider calls itself {advertised!r}, not {issuer!r}: fix HYGEIA_OIDC_ISSUER",
            )
        ]
    return [Finding(OK, "sso", f"identity provider {issuer} answers")]


def _django(include_deployment: bool) -> list[Finding]:
    found = []
    for message in django_checks.run_checks(include_deployment_checks=include_deployment):
        if message.is_silenced():
            continue
        level = FAIL if message.level >= django_checks.ERROR else WARN
        text = str(message.msg).split("\n")[0]
        if not settings.TLS and message.id in {
            "security.W004",
            "security.W008",
            "security.W012",
            "security.W016",
        }:
            text += " (expected while HYGEIA_TLS is off)"
        found.append(Finding(level, f"django {message.id}", text))
    if not found:
        found.append(Finding(OK, "django", "Django system and deployment checks pass"))
    return found


def run(include_deployment: bool = True) -> list[Finding]:
    return _data_dir() + _database() + _security() + _django(include_deployment)
