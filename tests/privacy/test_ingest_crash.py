"""A real `hygeia privacy ingest` process killed at every step of its commit, and in the
middle of reading: the store stays consistent and the next run completes it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hygeia.lake.store import Lake
from hygeia.privacy.events import EVENTS
from tests.privacy.helpers import audit_event, patient, write_ndjson

DAYS = ["2026-03-07", "2026-03-08", "2026-03-09"]


def env_for(data: Path, **extra: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'hygeia.sqlite3'}",
        **extra,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return environment


def hygeia(data: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hygeia.cli", *args],
        capture_output=True,
        text=True,
        env=env_for(data, **extra),
        timeout=300,
        check=False,
    )


def stored_ids(data: Path) -> list[str]:
    return Lake(data / "lake").read_table(EVENTS, ["event_id"])["event_id"].to_pylist()


def hospital_files(folder: Path, events: int, patients: bool = True) -> Path:
    fhir = folder / "fhir"
    if patients:
        write_ndjson(fhir / "Patient.ndjson", [patient(f"p{i}", f"M{i}") for i in range(20)])
    write_ndjson(
        fhir / "AuditEvent.ndjson.gz",
        [
            audit_event(f"e{i}", patient=f"p{i % 20}", when=f"{DAYS[i % 3]}T10:00:00Z")
            for i in range(events)
        ],
        gz=True,
    )
    return fhir


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "var"
    result = hygeia(folder, "init", "--no-input", "--json")
    assert result.returncode == 0, result.stderr
    return folder


COMMIT_STEPS = [
    "staged",
    "commit-planned",
    "commit-moved-first",
    "commit-moved",
    "commit-published",
]


@pytest.mark.parametrize("point", COMMIT_STEPS)
def test_killed_at_each_commit_step_then_rerun_completes(tmp_path, data, point):
    fhir = hospital_files(tmp_path / "in", 300, patients=False)
    killed = hygeia(data, "privacy", "ingest", str(fhir), "--json", HYGEIA_CRASH_AT=point)
    assert killed.returncode == -signal.SIGKILL
    rerun = hygeia(data, "privacy", "ingest", str(fhir), "--json")
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["read"] == report["stored"] + report["duplicate"] + report["quarantined"]
    ids = stored_ids(data)
    assert len(ids) == len(set(ids)) == 300
    if point == "staged":  # nothing was decided: the file is read again and stored now
        assert report["recovered"]["discarded"] >= 1
    else:  # the commit was decided: the next run finished it, and finds everything stored
        assert report["recovered"]["rolled_forward"] == 1
        events = next(f for f in report["files"] if f["format"] == "fhir-auditevent")
        assert (events["stored"], events["duplicate"]) == (0, 300)
    assert not list((data / "lake" / "_staging").glob("*/rows/*/*.parquet"))


def detected_accesses(data: Path) -> int:
    result = hygeia(
        data, "privacy", "detect", "--since", DAYS[0], "--until", "2026-03-10", "--json"
    )
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout)["accesses"])


@pytest.mark.parametrize("point", COMMIT_STEPS)
def test_a_reader_after_a_kill_sees_whole_commits_only(tmp_path, data, point):
    """Detection run between the kill and any new ingest (no recovery has run) reads every
    event of the committed file and none of the interrupted one, or all of it once its
    commit was published."""
    first = write_ndjson(
        tmp_path / "a" / "AuditEvent.ndjson",
        [audit_event(f"a{i}", when=f"{DAYS[i % 3]}T09:00:00Z") for i in range(300)],
    )
    assert hygeia(data, "privacy", "ingest", str(first)).returncode == 0
    second = write_ndjson(
        tmp_path / "b" / "AuditEvent.ndjson",
        [audit_event(f"b{i}", when=f"{DAYS[i % 3]}T11:00:00Z") for i in range(450)],
    )
    killed = hygeia(data, "privacy", "ingest", str(second), HYGEIA_CRASH_AT=point)
    assert killed.returncode == -signal.SIGKILL
    published = point == "commit-published"
    assert detected_accesses(data) == (750 if published else 300)
    assert len(stored_ids(data)) == (750 if published else 300)
    assert hygeia(data, "privacy", "ingest", str(second)).returncode == 0
    assert detected_accesses(data) == 750


def test_killed_while_reading_then_rerun_completes(tmp_path, data):
    fhir = hospital_files(tmp_path / "in", 200_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "hygeia.cli", "privacy", "ingest", str(fhir), "--json"],
        env=env_for(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    staging = data / "lake" / "_staging"
    while time.monotonic() < deadline and process.poll() is None:
        # The events file is staged batch by batch: kill once the first batch is on disk.
        if any(staging.glob("*/rows/*/*.parquet")) and (data / "lake" / "context").exists():
            break
        time.sleep(0.05)
    assert process.poll() is None, "the ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert stored_ids(data) == []  # the half-read file was not published
    rerun = hygeia(data, "privacy", "ingest", str(fhir), "--json")
    assert rerun.returncode == 0, rerun.stderr
    ids = stored_ids(data)
    assert len(ids) == len(set(ids)) == 200_000
    assert json.loads(rerun.stdout)["recovered"]["discarded"] == 1
