"""The `hygeia` command line, run as a real process where it matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hygeia.cli import build_parser, main
from hygeia.core.models import AuditEntry, User
from tests.conftest import ROLES

STRONG = "Correct-Horse-Battery-9"


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'hygeia.sqlite3'}",
        **env,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "hygeia.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_init_is_non_interactive_idempotent_and_secures_the_data_dir(tmp_path):
    data = tmp_path / "var"
    password_file = tmp_path / "pw"
    password_file.write_text(STRONG + "\n")
    first = run(
        ["init", "--admin", "alice", "--password-file", str(password_file), "--no-input", "--json"],
        data,
    )
    assert first.returncode == 0, first.stderr
    payload = json.loads(first.stdout)
    assert payload["administrator"] == {"username": "alice", "state": "created"}
    assert payload["migrations_applied"] > 0
    assert oct((data / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert oct(data.stat().st_mode & 0o777) == "0o700"

    again = run(
        ["init", "--admin", "alice", "--password-file", str(password_file), "--no-input", "--json"],
        data,
    )
    assert json.loads(again.stdout)["administrator"]["state"] == "exists (password unchanged)"
    assert json.loads(again.stdout)["migrations_applied"] == 0

    verify = run(["audit", "verify", "--json"], data)
    assert verify.returncode == 0 and json.loads(verify.stdout)["ok"] is True


def test_init_takes_the_administrator_from_the_environment(tmp_path):
    result = run(
        ["init", "--no-input"],
        tmp_path / "var",
        HYGEIA_ADMIN_USERNAME="bob",
        HYGEIA_ADMIN_PASSWORD=STRONG,
        HYGEIA_ORGANIZATION="Synthetic General",
    )
    assert result.returncode == 0, result.stderr
    assert "Administrator bob: created" in result.stdout


def test_init_refuses_a_weak_password_and_a_missing_one(tmp_path):
    weak = tmp_path / "weak"
    weak.write_text("password")
    refused = run(
        ["init", "--admin", "alice", "--password-file", str(weak), "--no-input"], tmp_path / "var"
    )
    assert refused.returncode == 2 and "refused" in refused.stderr
    missing = run(["init", "--admin", "alice", "--no-input"], tmp_path / "var2")
    assert missing.returncode == 2 and "--password-file" in missing.stderr


def test_check_reports_and_exits_by_severity(tmp_path):
    data = tmp_path / "var"
    before_init = run(["check", "--json"], data)
    assert before_init.returncode == 1
    findings = json.loads(before_init.stdout)["findings"]
    assert any(f["level"] == "fail" and "hygeia init" in f["message"] for f in findings)
    run(["init", "--no-input"], data)
    after = run(["check", "--json"], data)
    assert after.returncode == 0, after.stdout
    debug = run(["check"], data, HYGEIA_DEBUG="true")
    assert debug.returncode == 1 and "HYGEIA_DEBUG is on" in debug.stdout


def test_secure_settings_follow_tls(tmp_path):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_SSL_REDIRECT, s.DEBUG, s.SESSION_COOKIE_HTTPONLY]))"
    )
    env = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "hygeia.settings",
    }
    plain = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(plain.stdout) == [False, False, 0, False, False, True]
    tls = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**env, "HYGEIA_TLS": "true"},
        check=True,
    )
    assert json.loads(tls.stdout) == [True, True, 31536000, True, False, True]


def _commands_and_groups() -> list[list[str]]:
    from tests.core.test_cli_failures import command_paths

    leaves = command_paths(build_parser())
    groups = {" ".join(p.split()[:n]) for p in leaves for n in range(1, len(p.split()))}
    return [[], *(path.split() for path in sorted(leaves | groups))]


@pytest.mark.parametrize("command", _commands_and_groups(), ids=" ".join)
def test_every_command_has_teaching_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "usage: hygeia" in text
    description = text.split("\n\n")[1]  # what the command is for, after the usage line
    assert not description.startswith(("positional arguments", "options")), text
    assert len(text.splitlines()) >= 5


def test_commands_with_figures_print_one_json_object(tmp_path):
    data = tmp_path / "var"
    for args in (
        ["init", "--no-input", "--json"],
        ["check", "--json"],
        ["audit", "verify", "--json"],
        ["backup", "--json"],
        ["demo", "--no-serve", "--json", "--hospital-staff", "20"],
    ):
        result = run(args, data)
        assert result.returncode in (0, 1), result.stderr
        json.loads(result.stdout)  # exactly one object, nothing else on stdout


def test_demo_creates_one_account_per_role_and_prints_passwords_once(tmp_path):
    data = tmp_path / "var"
    first = run(["demo", "--no-serve", "--json", "--hospital-staff", "20"], data)
    accounts = json.loads(first.stdout)["accounts"]
    assert {a["role"] for a in accounts} == set(ROLES)
    hospital = json.loads(first.stdout)["hospital"]  # ingested, explained, alerts raised
    assert hospital["alerts"] > 0 and hospital["explained_share"] > 0.9
    assert all(len(a["password"]) >= 12 for a in accounts)
    second = run(["demo", "--no-serve", "--json", "--hospital-staff", "20"], data)
    assert json.loads(second.stdout)["accounts"] == []
    reset = run(["demo", "--no-serve", "--reset", "--json", "--hospital-staff", "20"], data)
    new = {a["username"]: a["password"] for a in json.loads(reset.stdout)["accounts"]}
    assert new.keys() == {a["username"] for a in accounts}
    assert new != {a["username"]: a["password"] for a in accounts}


@pytest.mark.django_db
def test_audit_export_writes_balp_ndjson_and_records_itself(tmp_path, make_user):
    make_user("sam", "Staff")
    output = tmp_path / "audit.ndjson"
    assert main(["audit", "export", "--output", str(output)]) == 0
    lines = output.read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert events and all(e["resourceType"] == "AuditEvent" for e in events)
    seqs = [
        next(x["valueInteger"] for x in e["extension"] if x["url"] == "urn:hygeia:audit-seq")
        for e in events
    ]
    assert seqs == sorted(seqs)
    last = AuditEntry.objects.latest("seq")
    assert last.action == "export" and last.details["count"] == len(events)
    csv_out = tmp_path / "audit.csv"
    assert (
        main(["audit", "export", "--format", "csv", "--action", "export", "--output", str(csv_out)])
        == 0
    )
    rows = csv_out.read_text().splitlines()
    assert rows[0].startswith("seq,at,actor") and len(rows) == 2
    assert User.objects.filter(username="sam").exists()


@pytest.mark.django_db
def test_init_prompts_for_the_password_on_a_terminal(monkeypatch, capsys):
    answers = iter([STRONG, STRONG])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.delenv("HYGEIA_ADMIN_PASSWORD", raising=False)
    assert main(["init", "--admin", "carol"]) == 0
    assert User.objects.get(username="carol").check_password(STRONG)
    assert "Administrator carol: created" in capsys.readouterr().out


@pytest.mark.django_db
def test_init_prompt_refuses_two_different_passwords(monkeypatch, capsys):
    answers = iter([STRONG, STRONG + "x"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.delenv("HYGEIA_ADMIN_PASSWORD", raising=False)
    assert main(["init", "--admin", "carol"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    assert not User.objects.filter(username="carol").exists()
