"""`hygeia backup` and `hygeia restore` round-trip everything, and refuse bad archives."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.conf import settings

from hygeia.cli import main
from hygeia.core import audit, backup
from hygeia.core.models import AuditEntry, User
from hygeia.privacy.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)


def _state() -> dict[str, object]:
    return {
        "users": sorted(
            (u.username, u.password, tuple(u.role_names())) for u in User.objects.all()
        ),
        "patients": sorted(Patient.objects.values_list("mrn", "family_name", "birth_date")),
        "audit": list(AuditEntry.objects.order_by("seq").values_list("seq", "entry_hash")),
    }


@pytest.fixture
def populated(make_user, patients):
    make_user("pat", "Privacy Officer", totp=True)
    make_user("sam", "Staff", "Auditor")
    audit.record(audit.Action.SYSTEM, summary="before backup")
    uploads = Path(settings.DATA_DIR) / "uploads" / "case-1"
    uploads.mkdir(parents=True)
    (uploads / "evidence.pdf").write_bytes(b"%PDF-1.7 synthetic evidence")
    return uploads / "evidence.pdf"


def test_round_trip(populated, tmp_path, capsys):
    archive = tmp_path / "b.tar.gz"
    before = _state()  # the backup's own audit entry comes after the snapshot
    assert main(["backup", "--output", str(archive), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["objects"] > 30 and summary["files"] >= 1
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    User.objects.create_user("intruder", password="x")
    Patient.objects.all()[0].delete()
    populated.unlink()

    assert main(["restore", str(archive)]) == 1  # refuses to overwrite without --force
    assert "--force" in capsys.readouterr().err
    assert main(["restore", str(archive), "--force", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["audit_chain_ok"] is True

    after = _state()
    assert after["users"] == before["users"]
    assert after["patients"] == before["patients"]
    # The chain is the backup's, plus the restore's own entry.
    assert after["audit"][: len(before["audit"])] == before["audit"]
    assert AuditEntry.objects.latest("seq").summary.startswith("database restored from backup")
    assert populated.read_bytes() == b"%PDF-1.7 synthetic evidence"
    assert audit.verify().ok
    # Restored MFA secrets still work: the device came back with its user.
    assert User.objects.get(username="pat").totp.confirmed_at is not None


def test_damaged_archive_is_refused_and_nothing_changes(populated, tmp_path):
    archive = backup.create(tmp_path / "b.tar.gz").path
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == backup.DB_MEMBER:
                data = data.replace(b'"pat"', b'"eve"')
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    before = _state()
    with pytest.raises(backup.BackupError, match=r"database\.jsonl is missing or damaged"):
        backup.restore(damaged, force=True)
    assert _state() == before


def test_truncated_and_foreign_archives_are_refused(tmp_path, db):
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(backup.BackupError, match="not a readable Hygeia backup"):
        backup.restore(truncated)
    foreign = tmp_path / "f.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        info = tarfile.TarInfo("hello.txt")
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(backup.BackupError, match=r"no manifest\.json"):
        backup.restore(foreign)


def test_path_traversal_in_archive_is_refused(tmp_path, db):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../outside.txt")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"boom"))
    with pytest.raises(backup.BackupError):
        backup.restore(evil)
    assert not (tmp_path.parent / "outside.txt").exists()


def test_backup_excludes_sessions_and_earlier_backups(populated, tmp_path):
    first = backup.create()
    assert first.path.parent == Path(settings.DATA_DIR) / "backups"
    second = backup.create(tmp_path / "second.tar.gz")
    with tarfile.open(second.path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert not any("backups/" in n for n in names)
    assert "sessions.session" not in manifest["objects"]
    entries = list(AuditEntry.objects.order_by("seq").values_list("entry_hash", flat=True))
    assert manifest["audit_head"] == entries[-1]


def test_sqlite_installation_moves_to_postgresql(tmp_path):
    """The documented migration path: back up the embedded database, restore on PostgreSQL."""
    import os
    import subprocess
    import sys

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("restores into PostgreSQL; runs in the PostgreSQL half of the suite")
    data = tmp_path / "sqlite-install"
    env = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'hygeia.sqlite3'}",
    }
    for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(key, None)
    for args in (
        ["demo", "--no-serve", "--json", "--hospital-staff", "20"],
        ["backup", "--output", str(tmp_path / "b.tgz")],
    ):
        subprocess.run(
            [sys.executable, "-m", "hygeia.cli", *args],
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    result = backup.restore(tmp_path / "b.tgz", force=True)
    assert result.audit_ok
    assert Patient.objects.count() == 200  # the demo hospital: 10 patients per staff member
    assert User.objects.get(username="privacy").role_names() == ["Privacy Officer"]
