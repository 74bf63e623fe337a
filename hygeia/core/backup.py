"""Consistent backups of the database and the data directory, and their restoration.

The database is written as Django JSON Lines from one read transaction (REPEATABLE READ on
PostgreSQL, a WAL snapshot on SQLite), so a backup taken while Hygeia runs is consistent and
can be restored on either database. Every member of the archive is checksummed in
`manifest.json`; restore refuses an archive whose checksums do not match, and loads the
database in one transaction so a failure leaves the previous state.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model

from hygeia import __version__
from hygeia.core import audit

FORMAT_VERSION = 1
DB_MEMBER = "database.jsonl"
# Recreated by migrations (content types, permissions) or not worth keeping (sessions).
# The alert tally is kept by database triggers from the alerts themselves.
EXCLUDED_MODELS = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "privacy.alerttally",
}
# Never copied from the data directory: the live database, earlier backups, collected static.
EXCLUDED_DATA = {"backups", "static"}
DB_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")

Progress = Callable[[int], None]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def _models() -> list[type[Model]]:
    """Every stored model, ordered so that what is referenced comes first."""
    app_list = {config: None for config in apps.get_app_configs()}
    ordered = serializers.sort_dependencies(app_list.items(), allow_cycles=True)
    return [
        m
        for m in ordered
        if m._meta.label_lower not in EXCLUDED_MODELS and not m._meta.proxy and m._meta.managed
    ]


def _migration_state() -> dict[str, list[str]]:
    applied = MigrationRecorder(connection).applied_migrations()
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(applied):
        state.setdefault(app_label, []).append(name)
    return state


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for the whole dump."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _data_files(data_dir: Path) -> list[Path]:
    files = []
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if rel.parts[0] in EXCLUDED_DATA or path.name.endswith(DB_SUFFIXES) or not path.is_file():
            continue
        files.append(path)
    return files


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class BackupResult:
    path: Path
    objects: int
    files: int
    bytes: int
    audit_head: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.path),
            "objects": self.objects,
            "files": self.files,
            "bytes": self.bytes,
            "audit_head": self.audit_head,
        }


def count_objects() -> int:
    return sum(model._base_manager.count() for model in _models())


def create(output: Path | None = None, progress: Progress | None = None) -> BackupResult:
    data_dir = Path(settings.DATA_DIR)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if output is None:
        output = data_dir / "backups" / f"hygeia-{stamp}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    serializer = serializers.get_serializer("jsonl")()
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="hygeia-backup-") as tmp:
        dump = Path(tmp) / DB_MEMBER
        with _snapshot(), dump.open("w", encoding="utf-8") as handle:
            for model in _models():
                queryset = model._base_manager.order_by("pk")
                counts[model._meta.label_lower] = 0
                for obj in queryset.iterator(chunk_size=2000):
                    serializer.serialize([obj], stream=handle, use_natural_foreign_keys=True)
                    counts[model._meta.label_lower] += 1
                    if progress:
                        progress(1)
            head = audit.verify(max_problems=1).head_hash
            migrations = _migration_state()
        members: dict[str, Path] = {DB_MEMBER: dump}
        for path in _data_files(data_dir):
            members[f"data/{path.relative_to(data_dir).as_posix()}"] = path
        manifest = {
            "format": FORMAT_VERSION,
            "hygeia_version": __version__,
            "created": stamp,
            "database_vendor": connection.vendor,
            "migrations": migrations,
            "objects": counts,
            "audit_head": head,
            "sha256": {name: _sha256_file(path) for name, path in members.items()},
        }
        partial = output.with_name(output.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            payload = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(payload)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(payload))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        partial.replace(output)  # only a complete archive ever carries the final name
    return BackupResult(output, sum(counts.values()), len(members) - 1, output.stat().st_size, head)


@dataclass
class RestoreResult:
    objects: int
    files: int
    audit_ok: bool
    audit_problem: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "objects": self.objects,
            "files": self.files,
            "audit_chain_ok": self.audit_ok,
            "audit_first_problem": self.audit_problem or None,
        }


def _read_archive(archive: Path, into: Path) -> dict[str, Any]:
    """Extract safely (no links, no paths outside `into`) and check every checksum."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive}: not a readable Hygeia backup ({exc})") from exc
    manifest_path = into / "manifest.json"
    if not manifest_path.exists():
        raise BackupError(f"{archive}: no manifest.json; not a Hygeia backup")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{archive}: backup format {manifest.get('format')} is not supported")
    for name, expected in manifest["sha256"].items():
        member = into / name
        if not member.is_file() or _sha256_file(member) != expected:
            raise BackupError(f"{archive}: {name} is missing or damaged (checksum mismatch)")
    return manifest


def database_is_empty() -> bool:
    from hygeia.core.models import AuditEntry, User

    try:
        return not (User.objects.exists() or AuditEntry.objects.exists())
    except Exception:  # tables not created yet
        return True


def _clear_tables(models: list[type[Model]]) -> None:
    """Delete every row of these models, children first, bypassing model logic."""
    with connection.cursor() as cursor:
        for model in reversed(models):
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                if through is not None and through._meta.auto_created:
                    table = connection.ops.quote_name(through._meta.db_table)
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a model's own table)
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a model's own table)


def restore(archive: Path, force: bool = False, progress: Progress | None = None) -> RestoreResult:
    with tempfile.TemporaryDirectory(prefix="hygeia-restore-") as tmp:
        root = Path(tmp)
        manifest = _read_archive(archive, root)
        with audit.suspended():
            call_command("migrate", interactive=False, verbosity=0)
        if manifest["migrations"] != _migration_state():
            raise BackupError(
                f"{archive} was made by a Hygeia with other database migrations "
                f"(version {manifest['hygeia_version']}); restore it with that version, "
                "then upgrade."
            )
        if not force and not database_is_empty():
            raise BackupError(
                "the database already holds data; pass --force to replace it with the backup"
            )
        models = _models()
        loaded = 0
        with audit.suspended(), transaction.atomic():
            _clear_tables(models)
            with (root / DB_MEMBER).open(encoding="utf-8") as handle:
                for line in handle:
                    if not line.strip():
                        continue
                    for obj in serializers.deserialize("jsonl", line):
                        obj.save()
                        loaded += 1
                        if progress:
                            progress(1)
            statements = connection.ops.sequence_reset_sql(no_style(), models)
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        files = _restore_data(root / "data", Path(settings.DATA_DIR))
    result = audit.verify()
    audit.record(
        audit.Action.SYSTEM,
        summary=f"database restored from backup {archive.name}",
        details={"objects": loaded, "files": files, "backup_head": manifest["audit_head"]},
    )
    return RestoreResult(loaded, files, result.ok, result.first_problem)


def _restore_data(source: Path, data_dir: Path) -> int:
    if not source.is_dir():
        return 0
    count = 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            target = data_dir / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".restoring")
            shutil.copy2(path, temporary)
            os.replace(temporary, target)
            count += 1
    return count


def wipe() -> None:
    """Empty every table (used by `hygeia demo --reset`), migrations kept."""
    with audit.suspended(), transaction.atomic():
        _clear_tables(_models())
