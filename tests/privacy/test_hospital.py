"""The synthetic hospital: deterministic, complete, realistic enough to test detectors on,
and readable by Hygeia's own ingest."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

import pytest

from hygeia.privacy.hospital import CATEGORIES, simulate
from hygeia.privacy.ingest import ingest


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    out = tmp_path_factory.mktemp("hospital")
    return out, simulate(out, staff=300, days=30, seed=5)


def test_layout_and_ground_truth(hospital):
    out, summary = hospital
    names = {p.name for p in (out / "fhir").iterdir()}
    assert {
        f"{t}.ndjson.gz"
        for t in (
            "AuditEvent",
            "Patient",
            "Practitioner",
            "PractitionerRole",
            "Organization",
            "Encounter",
            "Appointment",
            "CareTeam",
        )
    } <= names
    with (out / "truth" / "ground_truth.csv").open() as handle:
        truth = list(csv.DictReader(handle))
    assert {"user_id", "patient_id", "category"} <= set(truth[0])
    assert {t["category"] for t in truth} == set(CATEGORIES)
    user_level = {
        "curiosity",
        "data_theft",
        "terminated_account",
        "dormant_account",
        "unusual_hours",
    }
    assert all((t["patient_id"] == "") == (t["category"] in user_level) for t in truth)
    with (out / "staff.csv").open() as handle:
        staff = list(csv.DictReader(handle))
    assert len(staff) == summary["staff"] == 300
    assert {s["shift"] for s in staff} == {"day", "evening", "night"}
    assert any(s["termination_date"] for s in staff)


def test_the_window_holds_a_daylight_saving_change(hospital):
    out, _ = hospital
    offsets = set()
    with gzip.open(out / "fhir" / "AuditEvent.ndjson.gz", "rt") as handle:
        for line in handle:
            offsets.add(json.loads(line)["recorded"][-6:])
    assert {"-05:00", "-06:00"} <= offsets


def test_households_share_addresses_with_different_surnames_sometimes(hospital):
    out, _ = hospital
    with gzip.open(out / "fhir" / "Patient.ndjson.gz", "rt") as handle:
        patients = [json.loads(line) for line in handle]
    homes = Counter(p["address"][0]["line"][0] + p["address"][0]["city"] for p in patients)
    assert max(homes.values()) >= 2
    surnames: dict[str, set[str]] = {}
    for p in patients:
        surnames.setdefault(p["address"][0]["line"][0], set()).add(p["name"][0]["family"])
    assert any(len(s) > 1 for s in surnames.values())


def test_same_seed_same_hospital(tmp_path):
    first = simulate(tmp_path / "a", staff=40, days=3, seed=9)
    second = simulate(tmp_path / "b", staff=40, days=3, seed=9)
    assert first["access_events"] == second["access_events"]
    assert (tmp_path / "a" / "truth" / "ground_truth.csv").read_text() == (
        tmp_path / "b" / "truth" / "ground_truth.csv"
    ).read_text()


@pytest.mark.django_db
def test_ingests_cleanly_with_one_command(hospital):
    out, summary = hospital
    report = ingest([out / "fhir", out / "staff.csv"])
    assert not report.failed and report.total("quarantined") == 0
    events = next(f for f in report.files if f.format == "fhir-auditevent")
    assert events.stored == summary["access_events"]
