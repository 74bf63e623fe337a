"""Every `hygeia` subcommand, run as a real process against an empty data directory and
against a demo one: none prints a traceback, and what a user caused is one sentence with exit
status 2.

COMMANDS must name every subcommand the parser has (a new one fails the first test until it
is added). Arguments point at real sample files where the repository has them, and at a
missing file, an unknown id or a closed port where that is the condition worth trying.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hygeia.cli import build_parser

pytestmark = [pytest.mark.e2e, pytest.mark.database_independent]

TESTS = Path(__file__).resolve().parents[1]
CARD = TESTS / "ai" / "fixtures" / "chai-model-card" / "Aidoc_AD-01.xml"
SBOM = TESTS / "vendors" / "fixtures" / "cyclonedx" / "hbom-pcie-sata-adapter.json"
VEX = TESTS / "vendors" / "fixtures" / "cyclonedx" / "vex-cisa-case-2.json"
INTERNAL_ERROR = 70

# subcommand -> its arguments; {tmp} is a scratch folder, {closed} a port nobody listens on,
# {busy} a port already taken. Run in this order against the demo (add before test, test
# before remove).
COMMANDS: dict[str, list[str]] = {
    "init": ["--no-input"],
    "serve": ["--bind", "127.0.0.1:{busy}"],
    "demo": ["--no-serve", "--hospital-staff", "20"],
    "check": [],
    "backup": ["--output", "{tmp}/backup.tar.gz"],
    "restore": ["{tmp}/no-such-backup.tar.gz"],
    "audit verify": [],
    "audit export": ["--format", "csv", "--output", "{tmp}/audit.csv"],
    "privacy ingest": ["{tmp}/sample.csv"],
    "privacy listen": ["--tls", "0", "--tls-cert", "{tmp}/no.pem", "--tls-key", "{tmp}/no.key"],
    "privacy simulate": ["{tmp}/hospital", "--staff", "20", "--days", "2"],
    "privacy detect": [],
    "privacy alerts export": ["--format", "ocsf", "--output", "{tmp}/alerts.ndjson"],
    "privacy alerts send": ["--to", "tcp://127.0.0.1:{closed}"],
    "privacy evaluate": ["--truth", "{tmp}/no-truth.csv"],
    "privacy tune": [],
    "privacy templates list": [],
    "privacy templates pin": ["1"],
    "privacy templates reject": ["1"],
    "privacy templates release": ["1"],
    "privacy restricted add": ["pt-cli-1", "--reason", "board member"],
    "privacy restricted list": [],
    "privacy restricted remove": ["pt-not-listed"],
    "privacy test-records test": ["pt-cli-2"],
    "privacy test-records real": ["pt-cli-3"],
    "privacy test-records list": [],
    "privacy test-records release": ["pt-cli-2"],
    "privacy remind": ["--today", "2026-01-05"],
    "ai modelcard import": [str(CARD)],
    "ai modelcard export": ["AI-9999", "--output", "{tmp}/cards"],
    "ai inventory export": ["--format", "json"],
    "ai inventory import": ["{tmp}/no-inventory.csv"],
    "ai remind": [],
    "ai scan": ["{tmp}/prompt.txt"],
    "ai ingest": ["{tmp}/access.log"],
    "ai shadow report": ["--json"],
    "vendors import": ["{tmp}/vendors.csv"],
    "vendors export": ["--format", "csv"],
    "vendors products": [],
    "vendors sbom add": ["--product", "Synthetic Vendor/Pump", str(SBOM)],
    "vendors vulns import": [str(VEX)],
    "vendors exposure": [],
    "vendors retier": [],
    "vendors remind": ["--today", "2026-01-05"],
    "vendors breaches": ["{tmp}/no-breaches.csv"],
    "vendors mds2": ["--product", "99999", "{tmp}/mds2.xlsx"],
    "vendors caiq": ["--vendor", "99999", "{tmp}/caiq.xlsx"],
    "program frameworks list": [],
    "program frameworks import": ["{tmp}/no-catalog.json"],
    "program risk simulate": ["--years", "1000", "--json"],
    "program phishing import": [
        "--gophish-url",
        "http://127.0.0.1:{closed}",
        "--api-key-file",
        "{tmp}/gophish.key",
    ],
    "program training import": ["{tmp}/no-training.csv"],
    "survey benchmark": [],
    "survey aggregate": ["1999"],
    "survey editions": [],
    "webhook add": ["siem", "http://127.0.0.1:{closed}/hook"],
    "webhook list": [],
    "webhook test": ["siem"],
    "webhook remove": ["no-such-hook"],
    "manage": ["check"],
}
# Commands that need no initialised database, and what they may answer on an empty one.
WITHOUT_DATABASE = {
    "init": {0},
    "check": {1},  # it reports the missing schema itself
    "demo": {0},
    "restore": {2},  # the archive named does not exist
    "privacy simulate": {0},
    "ai scan": {1},  # PHI found (patterns alone, without a patient index)
    "manage": {0},
}


def command_paths(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        return {prefix.strip()}
    return {
        path
        for group in groups
        for name, child in group.choices.items()
        for path in command_paths(child, f"{prefix} {name}")
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def busy_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def scratch(folder: Path) -> Path:
    """Sample inputs: a few real ones, and names that exist nowhere."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sample.csv").write_text(
        "event_time,user_id,patient_id,action\n"
        "2026-01-05T10:00:00Z,nurse9,SYN-000042,read\n"
        "not a time,nurse9,SYN-000042,read\n",
        encoding="utf-8",
    )
    (folder / "prompt.txt").write_text(
        "Summarise the visit of John Carter, seen 03/04/2026, phone 617-555-0143.\n",
        encoding="utf-8",
    )
    (folder / "access.log").write_text(
        "1767607200.000    120 10.1.2.3 TCP_MISS/200 2048 CONNECT chatgpt.com:443 "
        "nurse9@example.org HIER_DIRECT/104.18.32.47 -\n",
        encoding="utf-8",
    )
    (folder / "vendors.csv").write_text(
        "Vendor,Product,PHI volume,Network access\nSynthetic Vendor,Pump,high,integrated\n",
        encoding="utf-8",
    )
    (folder / "gophish.key").write_text("not-a-real-key\n", encoding="utf-8")
    return folder


def run(path: str, data: Path, scratch_dir: Path, busy: int) -> subprocess.CompletedProcess[str]:
    values = {"tmp": str(scratch_dir), "closed": str(free_port()), "busy": str(busy)}
    args = [a.format(**values) for a in COMMANDS[path]]
    env = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'hygeia.sqlite3'}",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "HYGEIA_DEBUG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "hygeia.cli", *path.split(), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    assert result.returncode != INTERNAL_ERROR, output[-3000:]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory, busy_port):
    """A demo data directory, made by running `hygeia demo` on an empty one (which is that
    command's run against an empty directory)."""
    data = tmp_path_factory.mktemp("demo") / "var"
    result = run("demo", data, scratch(data.parent / "scratch"), busy_port)
    return data, result


def test_the_table_names_every_subcommand():
    assert set(COMMANDS) == command_paths(build_parser())


@pytest.mark.parametrize("path", list(COMMANDS))
def test_against_an_empty_data_directory(path, tmp_path, busy_port, demo_dir):
    if path == "demo":
        result = demo_dir[1]  # the demo directory was an empty one before this run
    else:
        result = run(path, tmp_path / "var", scratch(tmp_path / "scratch"), busy_port)
    assert_no_traceback(result)
    if path in WITHOUT_DATABASE:
        assert result.returncode in WITHOUT_DATABASE[path], result.stderr[-2000:]
        return
    assert result.returncode == 2, result.stdout + result.stderr
    # one sentence, naming what is wrong and what to do: the database, or else a file that
    # the arguments name on purpose and that is checked before anything else
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "run `hygeia init`" in result.stderr or "no such file" in result.stderr


@pytest.mark.parametrize("path", list(COMMANDS))
def test_against_a_demo_data_directory(path, demo_dir, busy_port):
    data, made = demo_dir
    assert made.returncode == 0, made.stderr[-2000:]
    result = run(path, data, scratch(data.parent / "scratch"), busy_port)
    assert_no_traceback(result)
    assert result.returncode in (0, 1, 2), result.stderr[-2000:]
    if result.returncode == 2:
        # a refusal is one sentence of Hygeia's (or argparse's usage and error)
        refusal = [line for line in result.stderr.splitlines() if line.startswith("hygeia")]
        assert len(refusal) == 1, result.stderr
