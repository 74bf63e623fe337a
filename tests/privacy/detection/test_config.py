"""The detection configuration: the shipped file loads and names no workflow; a broken one
is refused with the file and the setting named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hygeia.cli import main
from hygeia.privacy.detection.config import DEFAULT, ConfigError, load
from hygeia.privacy.detection.detectors import DETECTORS


def test_shipped_configuration_covers_every_detector():
    config = load()
    assert set(DETECTORS) <= set(config.detectors)
    assert config.priors == {"named": (24.0, 168.0), "department": (24.0, 48.0)}
    assert config.mining.min_lift > config.mining.weak_lift > 1
    assert config.budget == 5 and 0 < config.floor < 100


def broken(tmp_path, change) -> str:
    data = yaml.safe_load(DEFAULT.read_text())
    change(data)
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["explanations"].update(duties={"coding": {"job_titles": "Coder"}}),
            "explanations.duties is no longer read",
        ),
        (
            lambda d: d["explanations"]["priors"]["department"].update(before_hours="a day"),
            "explanations.priors.department: before_hours and after_hours must be numbers",
        ),
        (
            lambda d: d["explanations"]["priors"]["named"].update(after_hours=100),
            "each window must end on one of explanations.mining.bin_edges_hours",
        ),
        (
            lambda d: d["explanations"]["mining"].update(bin_edges_hours=[24, 6]),
            "bin_edges_hours: positive hours, in increasing order",
        ),
        (
            lambda d: d["explanations"]["mining"].update(weak_lift=5),
            "weak_lift must exceed 1 and min_lift be at least it",
        ),
        (
            lambda d: d["explanations"]["mining"].update(min_lifts=4),
            "unknown setting min_lifts",
        ),
        (lambda d: d["scoring"].update(floor="high"), "scoring.floor must be numbers"),
        (lambda d: d["scoring"].update(budget=-1), "scoring.budget must be >= 0"),
    ],
)
def test_broken_settings_are_named(tmp_path, change, message):
    path = broken(tmp_path, change)
    with pytest.raises(ConfigError, match=message) as caught:
        load(Path(path))
    assert path in str(caught.value)


def test_a_site_file_keeps_the_shipped_value_of_a_setting_it_leaves_out(tmp_path):
    def older(data):
        del data["detectors"]["unusual_hours"]["dwarfs_history"]
        data["detectors"]["unusual_hours"]["min_events"] = 7
        del data["detectors"]["vip"]

    config = load(Path(broken(tmp_path, older)))
    assert config.option("unusual_hours", "dwarfs_history") == load().option(
        "unusual_hours", "dwarfs_history"
    )
    assert config.option("unusual_hours", "min_events") == 7  # what the site set stays
    assert config.detectors["vip"] == load().detectors["vip"]


def test_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "site.yaml"
    path.write_text("explanations: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot be read"):
        load(path)
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load(path)


@pytest.mark.django_db
def test_detect_reports_a_broken_configuration_and_a_backwards_period(tmp_path, capsys):
    path = tmp_path / "site.yaml"
    path.write_text("- a list\n")
    assert main(["privacy", "detect", "--config", str(path)]) == 2
    assert "expected a mapping" in capsys.readouterr().err
    assert main(["privacy", "detect", "--since", "2026-02-01", "--until", "2026-01-01"]) == 2
    assert "must come after" in capsys.readouterr().err
