"""The detection commands end to end on a small simulated hospital: detect, export,
evaluate, and what they say when something is missing."""

from __future__ import annotations

import csv
import io
import json

import pytest

from hygeia.cli import main
from hygeia.privacy.hospital import simulate
from hygeia.privacy.ingest import ingest
from hygeia.privacy.models import Alert, DetectionRun, Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(tmp_path):
    out = tmp_path / "hospital"
    simulate(out, staff=40, days=20, seed=5)
    report = ingest([out / "fhir", out / "staff.csv"])
    assert not report.failed
    return out


def test_detect_then_export_then_evaluate(hospital, tmp_path, capsys):
    assert main(["privacy", "detect", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["accesses"] > 10_000 and summary["explained_share"] > 0.9
    assert summary["alerts"] == Alert.objects.count() > 0
    assert summary["incidents"] == Incident.objects.count()
    assert set(summary["explained_by"]) >= {"named on the patient's encounter"}
    budget = summary["budget"]  # 5 per 1,000 users per day: a handful for 40 users
    in_lanes = sum(summary["lanes"].values())  # restricted records: never cut
    assert summary["alerts"] - in_lanes <= budget["allowed"] < 10 < budget["candidates"]

    assert main(["privacy", "alerts", "export", "--format", "ndjson"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == Alert.objects.count()
    first = json.loads(lines[0])
    assert set(first) >= {"id", "detectors", "score", "severity", "user_id", "patient_id"}

    target = tmp_path / "alerts.csv"
    assert main(["privacy", "alerts", "export", "--format", "csv", "--output", str(target)]) == 0
    assert len(list(csv.DictReader(io.StringIO(target.read_text())))) == Alert.objects.count()

    assert main(["privacy", "alerts", "export", "--format", "ocsf", "--min-score", "50"]) == 0
    findings = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert all(f["class_uid"] == 2004 and f["risk_score"] >= 50 for f in findings)

    truth = hospital / "truth" / "ground_truth.csv"
    assert main(["privacy", "detect", "--budget", "0", "--json"]) == 0  # every candidate
    assert json.loads(capsys.readouterr().out)["alerts"] == budget["candidates"] + in_lanes
    assert main(["privacy", "evaluate", "--truth", str(truth), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {
        "recall_by_category",
        "precision",
        "average_precision",
        "alerts_per_1000_users_per_day",
        "explained_share",
    }
    assert result["recall"] > 0.5


def test_rerunning_a_period_replaces_unreviewed_alerts_and_keeps_reviewed_ones(hospital):
    assert main(["privacy", "detect", "--json"]) == 0
    first = Alert.objects.count()
    reviewed = Alert.objects.order_by("key").first()
    reviewed.disposition = Alert.Disposition.FALSE_POSITIVE
    reviewed.save()
    assert main(["privacy", "detect", "--json"]) == 0
    assert Alert.objects.count() == first
    assert Alert.objects.get(key=reviewed.key).disposition == "false_positive"
    assert DetectionRun.objects.count() == 2


def test_detect_without_events_says_what_to_do(capsys):
    assert main(["privacy", "detect"]) == 2
    assert "ingest some first" in capsys.readouterr().err


def test_evaluate_before_any_detection(tmp_path, capsys):
    truth = tmp_path / "t.csv"
    truth.write_text("user_id,patient_id,category\n")
    assert main(["privacy", "evaluate", "--truth", str(truth)]) == 2
    assert "privacy detect" in capsys.readouterr().err


def test_spark_engine_explains_itself_when_unusable(hospital, capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["privacy", "detect", "--engine", "spark"]) == 2
    assert "Java 17" in capsys.readouterr().err


def test_detect_says_which_labels_it_could_not_use_and_what_to_do(capsys):
    from hygeia.privacy import cli

    cli._print_labels({"unknown_labels": {"NOTABLE": 3}, "common_restricted": {"R": 516}})
    out = capsys.readouterr().out
    assert "NOTABLE on 3 record(s)" in out and "labels.vip" in out
    assert "restricted lane until" in out and "labels.ordinary" in out
    assert "R on 516 record(s)" in out and "hygeia privacy restricted add" in out
    cli._print_labels({"unknown_labels": {}, "common_restricted": {}})
    assert capsys.readouterr().out == ""
