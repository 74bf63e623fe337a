"""How `hygeia` fails: one sentence and exit status 2 for what the user can fix, a reference
and nothing else for a fault of Hygeia's."""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest

from hygeia.cli import main
from hygeia.core import cli_errors
from tests.core.test_cli import STRONG, run

OUTPUTS = {"output", "csv", "pdf"}  # files a command writes
PG_SERVER = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/hygeia").rsplit("/", 1)[0]


def one_sentence(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hygeia"), result.stderr
    return lines[0]


@pytest.mark.django_db
def test_an_unexpected_error_shows_a_reference_and_logs_no_data(monkeypatch, capsys, caplog):
    from hygeia.vendors import records

    def broken():
        raise KeyError("SYN-MRN-0042 Carter")

    monkeypatch.setattr(records, "product_rows", broken)
    assert main(["vendors", "products"]) == cli_errors.INTERNAL_ERROR
    said = capsys.readouterr().err
    reference = re.search(r"reference ([0-9A-F]{8})", said).group(1)  # type: ignore[union-attr]
    [logged] = [r for r in caplog.records if r.name == "hygeia.errors"]
    text = logged.getMessage()
    assert reference in text and "KeyError" in text and "hygeia/vendors/cli.py" in text
    assert logged.exc_info is None and "\n" not in text
    for output in (said, caplog.text):
        assert "SYN-MRN-0042" not in output and "Carter" not in output
        assert "Traceback" not in output


@pytest.mark.django_db
def test_an_interrupted_command_says_so(monkeypatch, capsys):
    from hygeia.vendors import records

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(records, "product_rows", interrupted)
    assert main(["vendors", "products"]) == cli_errors.INTERRUPTED
    assert capsys.readouterr().err == "hygeia: interrupted.\n"


def test_user_errors_are_explained_in_one_sentence():
    from hygeia.vendors.models import Product

    assert cli_errors.explain(Product.DoesNotExist()) == (
        "no such product: check the id or name you gave."
    )
    denied = cli_errors.explain(PermissionError(13, "Permission denied", "/srv/x.csv"))
    assert denied is not None and denied.startswith("/srv/x.csv: permission denied")
    assert cli_errors.explain(IsADirectoryError(21, "Is a directory", "/srv")) == (
        "/srv is a folder; name a file."
    )
    missing = cli_errors.explain(ModuleNotFoundError("No module", name="packaging"))
    assert missing is not None and "'packaging' is missing" in missing
    assert cli_errors.explain(ModuleNotFoundError("x", name="hygeia.nothing")) is None
    assert cli_errors.explain(ValueError("a bug")) is None


def test_a_missing_or_unreachable_database_is_one_sentence(tmp_path):
    empty = one_sentence(run(["vendors", "exposure"], tmp_path / "empty"))
    assert "there is no database at" in empty and "run `hygeia init`" in empty
    unreachable = one_sentence(
        run(["audit", "verify"], tmp_path, DATABASE_URL="postgres://hygeia:s3cret@127.0.0.1:1/x")
    )
    assert "cannot connect to the PostgreSQL database x at 127.0.0.1:1" in unreachable
    assert "Start the database server" in unreachable and "s3cret" not in unreachable


def test_an_out_of_date_or_newer_database_says_what_to_do(tmp_path):
    data = tmp_path / "var"
    assert run(["init", "--no-input"], data).returncode == 0
    assert run(["manage", "migrate", "survey", "zero"], data).returncode == 0  # as before
    older = one_sentence(run(["survey", "editions"], data))
    assert re.search(
        r"is older than this version of Hygeia \(\d+ migrations to apply\): run", older
    )
    assert run(["init", "--no-input"], data).returncode == 0
    database = sqlite3.connect(data / "hygeia.sqlite3")
    with database:
        database.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES "
            "('core', '9999_from_the_future', '2030-01-01')"
        )
    database.close()
    newer = one_sentence(run(["survey", "editions"], data))
    assert "was upgraded by a newer version of Hygeia" in newer


@pytest.fixture
def empty_postgres_database():
    try:
        server = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no PostgreSQL server reachable")
    name = f"hygeia_empty_{uuid.uuid4().hex[:8]}"
    server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.close()


@pytest.mark.database_independent
def test_an_empty_postgresql_database_asks_for_init(tmp_path, empty_postgres_database):
    said = one_sentence(
        run(["privacy", "ingest", str(tmp_path)], tmp_path, DATABASE_URL=empty_postgres_database)
    )
    assert said.endswith("is not initialised: run `hygeia init`.")
    missing = empty_postgres_database + "_gone"
    absent = one_sentence(run(["webhook", "list"], tmp_path, DATABASE_URL=missing))
    assert "does not exist. Create it (`createdb" in absent


def test_a_bad_configuration_value_is_a_user_error(tmp_path):
    said = one_sentence(run(["check"], tmp_path, HYGEIA_LOCKOUT_THRESHOLD="five"))
    assert said == "hygeia: HYGEIA_LOCKOUT_THRESHOLD must be a whole number, not 'five'"


def test_a_wrong_argument_is_one_sentence(tmp_path):
    said = one_sentence(run(["privacy", "remind", "--today", "yesterday"], tmp_path))
    assert "'yesterday' is not a date (YYYY-MM-DD)" in said
    assert "`hygeia privacy remind --help` explains the arguments" in said
    missing = one_sentence(run(["vendors", "import", str(tmp_path / "nope.csv")], tmp_path))
    assert f"{tmp_path / 'nope.csv'}: no such file or folder" in missing


def test_the_password_file_may_be_a_pipe(tmp_path):
    """`--password-file <(pass show hygeia/admin)` and secrets handed over a pipe."""
    read_end, write_end = os.pipe()
    os.write(write_end, f"{STRONG}\n".encode())
    os.close(write_end)
    environment = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'hygeia.sqlite3'}",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-m", "hygeia.cli", "init", "--admin", "alice", "--no-input",
         "--password-file", f"/dev/fd/{read_end}"],
        capture_output=True, text=True, env=environment, pass_fds=[read_end], check=False,
    )  # fmt: skip
    os.close(read_end)
    assert result.returncode == 0, result.stderr
    assert "Administrator alice: created" in result.stdout
    fifo = tmp_path / "secret.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"printf '%s\\n' '{STRONG}' > {fifo}"])
    from hygeia.core.cli_parsers import secret_file

    assert secret_file(str(fifo)) == STRONG
    writer.wait(timeout=10)


def test_a_closed_pipe_ends_quietly(tmp_path):
    environment = {**os.environ, "HYGEIA_DATA_DIR": str(tmp_path)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "hygeia.cli", "ai", "scan", "-", "--mask"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None
    process.stdout.close()  # like `| head` going away
    _, errors = process.communicate(b"Seen 03/04/2026 by the team.\n" * 20_000, timeout=60)
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors
    assert process.returncode == cli_errors.BROKEN_PIPE


def test_logged_request_errors_keep_one_line(client, caplog):
    """A wrong Host header is the client's doing: Django's line stays, its traceback goes."""
    caplog.set_level(logging.WARNING)
    response = client.get("/login/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    [record] = [r for r in caplog.records if r.name.startswith("django.security")]
    console = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    assert console.filter(record) and record.exc_info is None
    assert "\n" not in console.format(record)


def test_every_command_that_reads_a_file_checks_it_first():
    """Files named on the command line are checked by the parser (cli_parsers.input_file):
    the commands' own reading never meets a missing one halfway through."""
    import argparse

    from hygeia.cli import build_parser
    from hygeia.core import cli_parsers
    from tests.core.test_cli_failures import command_paths

    checked = {cli_parsers.input_file, cli_parsers.input_path, cli_parsers.input_file_or_stdin}
    unchecked = []
    parser = build_parser()
    for path in command_paths(parser):
        node = parser
        for word in path.split():
            group = next(a for a in node._actions if isinstance(a, argparse._SubParsersAction))
            node = group.choices[word]
        for action in node._actions:
            reads = action.metavar in ("FILE", "PATH", "FILE.csv") or action.dest == "archive"
            if reads and action.dest not in OUTPUTS and action.type not in checked:
                unchecked.append(f"{path} {action.dest}")
    assert unchecked == []


def test_serve_refuses_an_address_it_cannot_listen_on():
    import socket

    from hygeia.cli import _free_to_listen

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(cli_errors.UserError, match="already in use"):
            _free_to_listen(busy)
    for wrong in ("8000", "127.0.0.1:http", "127.0.0.1:70000"):
        with pytest.raises(cli_errors.UserError, match="give an address and a port"):
            _free_to_listen(wrong)
    _free_to_listen("unix:/run/hygeia.sock")  # gunicorn's socket file: not probed
