"""Evaluation against ground truth: the figures, and bad truth files."""

from __future__ import annotations

import pytest

from hygeia.privacy.detection.evaluate import Judged, Truth, TruthError, evaluate, read_truth


def test_figures_follow_their_definitions():
    truth = [
        Truth("u1", "p1", "family"),
        Truth("u2", "", "curiosity"),
        Truth("u3", "p9", "vip"),  # missed
    ]
    alerts = [
        Judged("u1", "p1", 90),  # correct
        Judged("u2", "p5", 80),  # correct: u2's behaviour is labelled as a whole
        Judged("u4", "p2", 70),  # wrong
        Judged("u1", "p7", 10),  # wrong: u1 is labelled for p1 only
    ]
    result = evaluate(truth, alerts, users=2000, days=10, explained_share=0.98)
    assert result["recall_by_category"] == {"curiosity": 1.0, "family": 1.0, "vip": 0.0}
    assert result["precision"] == 0.5
    assert result["average_precision"] == 1.0  # both correct alerts rank first
    assert result["alerts_per_1000_users_per_day"] == 0.2
    assert result["explained_share"] == 0.98


def test_the_queue_and_each_lane_are_measured_apart():
    truth = [Truth("u1", "p1", "family"), Truth("u3", "p9", "vip")]
    alerts = [
        Judged("u1", "p1", 90),  # queue, correct
        Judged("u4", "p2", 70),  # queue, wrong
        Judged("u3", "p9", 40, lane="restricted"),  # correct
        Judged("u5", "p9", 60, lane="restricted"),  # wrong, ranked first in its lane
        Judged("u6", "p9", 30, lane="restricted"),  # wrong
    ]
    result = evaluate(truth, alerts, users=1000, days=1, explained_share=1.0)
    assert result["precision"] == 0.4 and result["alerts"] == 5
    queue, lane = result["by_lane"]["queue"], result["by_lane"]["restricted"]
    assert (queue["alerts"], queue["precision"], queue["average_precision"]) == (2, 0.5, 1.0)
    assert (lane["alerts"], lane["precision"], lane["average_precision"]) == (3, 0.3333, 0.5)
    assert lane["alerts_per_1000_users_per_day"] == 3.0


def test_a_behaviour_alert_finds_the_records_it_names():
    """A truth file may list a browsing user once per record browsed."""
    truth = [
        Truth("u1", "p1", "curiosity"),
        Truth("u1", "p2", "curiosity"),
        Truth("u1", "p3", "curiosity"),  # not among the alert's records
        Truth("u2", "p4", "sensitive"),
    ]
    alerts = [
        Judged("u1", "", 90, frozenset({"p1", "p2", "p8"})),  # correct: names p1 and p2
        Judged("u2", "", 80, frozenset({"p5"})),  # wrong: u2 is labelled for p4 only
        Judged("u2", "p5", 70),  # wrong
    ]
    result = evaluate(truth, alerts, users=1000, days=1, explained_share=1.0)
    assert result["recall_by_category"] == {"curiosity": round(2 / 3, 4), "sensitive": 0.0}
    assert result["precision"] == round(1 / 3, 4)
    # a patient-level alert finds only its own patient, whatever it would name
    assert (
        evaluate(truth, [Judged("u1", "p9", 50, frozenset({"p1"}))], 1000, 1, 1.0)["recall"] == 0.0
    )


def test_average_precision_drops_when_wrong_alerts_rank_first():
    truth = [Truth("u1", "p1", "self")]
    alerts = [Judged("u9", "p9", 99), Judged("u1", "p1", 50)]
    assert evaluate(truth, alerts, 10, 1, 1.0)["average_precision"] == 0.5


def test_no_alerts_gives_zeros_not_errors():
    result = evaluate([Truth("u1", "", "dormant_account")], [], 0, 0, 0.0)
    assert result["precision"] == 0.0 and result["recall"] == 0.0
    assert result["alerts_per_1000_users_per_day"] == 0.0


def test_truth_file_extra_columns_and_case_are_accepted(tmp_path):
    path = tmp_path / "truth.csv"
    path.write_text("category,user_id,patient_id,note\nvip,JDoe,p1,seen\ncuriosity,a2,,\n")
    assert read_truth(path) == [Truth("jdoe", "p1", "vip"), Truth("a2", "", "curiosity")]


def test_truth_file_problems_name_file_and_line(tmp_path):
    path = tmp_path / "truth.csv"
    path.write_text("user,patient\nx,y\n")
    with pytest.raises(TruthError, match=r"truth.csv, line 1: the header lacks user_id"):
        read_truth(path)
    path.write_text("user_id,patient_id,category\nu1,p1,vip\n,p2,vip\n")
    with pytest.raises(TruthError, match=r"line 3: user_id and category are required"):
        read_truth(path)
    with pytest.raises(TruthError, match="cannot be read"):
        read_truth(tmp_path / "missing.csv")
