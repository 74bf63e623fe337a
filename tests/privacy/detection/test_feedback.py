"""Feedback: weights refitted from reviews, rules from dismissed alerts, mined templates."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from hygeia.cli import main
from hygeia.privacy.detection import feedback
from hygeia.privacy.detection.config import DEFAULT, load
from hygeia.privacy.detection.engines import DuckDBEngine
from hygeia.privacy.detection.run import analyse
from tests.privacy.detection.scenario import Scenario, at


def test_weights_move_towards_what_reviewers_decide():
    config = load()
    confirmed = [(["vip"], True)] * 20
    dismissed = [(["unusual_hours"], False)] * 20
    refits = {r.detector: r for r in feedback.refit_weights(config, confirmed + dismissed)}
    assert refits["vip"].new_weight > refits["vip"].weight
    assert refits["unusual_hours"].new_weight < refits["unusual_hours"].weight / 2
    assert "surge" not in refits  # nothing reviewed: left as configured


def test_a_few_reviews_move_a_weight_only_a_little():
    config = load()
    (refit,) = feedback.refit_weights(config, [(["vip"], False)])
    assert refit.weight - 0.2 < refit.new_weight < refit.weight


def test_saved_weights_apply_on_top_of_the_configuration(tmp_path):
    config = load()
    path = tmp_path / "weights.yaml"
    feedback.save_weights(path, [feedback.Refit("vip", 0.85, 0.4, 10, 3)])
    assert feedback.with_weights(config, path).option("vip", "weight") == 0.4
    assert feedback.with_weights(config, tmp_path / "none.yaml") is config


def test_dismissed_alerts_of_one_job_propose_a_duty(tmp_path):
    staff = tmp_path / "staff.parquet"
    pq.write_table(
        pa.table({"user_id": ["a", "b", "c"], "job_title": ["Case Manager"] * 2 + ["Nurse"]}),
        staff,
    )
    dismissed = [("a", ["curiosity"]), ("a", ["vip"]), ("b", ["curiosity"]), ("c", ["vip"])]
    (proposal,) = feedback.rules_from_false_positives(dismissed, staff)
    spec = proposal["reviewed_case_manager"]
    assert spec["job_titles"] == "^Case Manager$" and "3 alerts dismissed" in spec["title"]


def test_mining_finds_the_pattern_and_the_proposal_explains_it(tmp_path):
    sc = Scenario(tmp_path)
    for i in range(4):
        sc.person(f"cm{i}", "Care Management", job="Case Manager")
    sc.person("doc", "Cardiology")
    for k in range(12):
        patient = sc.patient(f"p{k}")
        sc.encounter(patient, "Cardiology", at(k, 8), hours=30, klass="IMP", participants=("doc",))
        sc.access(f"cm{k % 4}", patient, at(k, 20))  # case managers follow cardiology stays
    lake = sc.write()
    engine = DuckDBEngine(lake)
    try:
        found = sc.detect(engine=engine)
        patterns = feedback.mine(engine)
    finally:
        engine.close()
    assert found.summary["explained_share"] < 0.5
    assert patterns[0]["job_title"] == "Case Manager" and patterns[0]["department"] == "cardiology"
    (proposal,) = feedback.templates(patterns[:1])
    ((name, spec),) = proposal.items()

    # Accepted into a site's configuration, the proposal explains those accesses.
    config = yaml.safe_load(DEFAULT.read_text())
    config["explanations"]["duties"][name] = spec
    custom = tmp_path / "site.yaml"
    custom.write_text(yaml.safe_dump(config))
    engine = DuckDBEngine(lake)
    try:
        _, summary = analyse(lake, engine, load(custom), at(0, 0).date(), at(40, 0).date())
    finally:
        engine.close()
    assert summary["explained_share"] == 1.0


@pytest.mark.django_db
def test_tune_command_prints_and_applies(tmp_path, capsys, settings):
    assert main(["privacy", "tune", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "weights": [],
        "rules": [],
        "templates": [],
        "applied": False,
    }
    assert main(["privacy", "tune", "--mine"]) == 2
    assert "privacy detect" in capsys.readouterr().err
