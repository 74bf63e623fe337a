"""Feedback: detector weights refitted from reviewed alerts (what explains an access is
learned by mining instead: test_mining.py)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from hygeia.cli import main
from hygeia.privacy.detection import feedback
from hygeia.privacy.detection.config import load
from hygeia.privacy.models import Alert


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


@pytest.mark.django_db
def test_tune_command_prints_and_applies(tmp_path, capsys, settings):
    settings.DATA_DIR = tmp_path
    assert main(["privacy", "tune", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"weights": [], "applied": False}
    now = timezone.now()
    for k in range(12):
        Alert.objects.create(
            key=f"a{k}", user_id="u", detectors=["unusual_hours"], score=50, severity="medium",
            first_event=now, last_event=now, disposition="false_positive",
        )  # fmt: skip
    assert main(["privacy", "tune"]) == 0
    assert "not applied" in capsys.readouterr().out
    assert not feedback.weights_path(tmp_path).exists()
    assert main(["privacy", "tune", "--apply", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["applied"] and out["weights"][0]["detector"] == "unusual_hours"
    saved = feedback.with_weights(load(), feedback.weights_path(tmp_path))
    assert saved.option("unusual_hours", "weight") < load().option("unusual_hours", "weight")
