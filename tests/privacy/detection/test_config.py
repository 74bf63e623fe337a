"""The detection configuration: the shipped file loads; a broken one is refused with the file
and the setting named."""

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
    assert {d.name for d in config.duties} == {"registration", "coding", "ancillary"}
    assert config.duty_of("Patient Access", "Scheduler") == "registration"
    assert config.duty_of("Health Information Management", "Medical Coder") == "coding"
    assert config.duty_of("Clinical Laboratory", "Phlebotomist") == "ancillary"
    assert config.duty_of("Cardiology", "Registered Nurse") == ""


def broken(tmp_path, change) -> str:
    data = yaml.safe_load(DEFAULT.read_text())
    change(data)
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["explanations"]["duties"]["coding"].update(window="later"), "window must"),
        (
            lambda d: d["explanations"]["duties"]["coding"].update(departments="(unclosed"),
            "duties.coding.departments: not a regular expression",
        ),
        (
            lambda d: d["explanations"]["department"].update(before_hours="a day"),
            "explanations.department: before_hours and after_hours must be numbers",
        ),
    ],
)
def test_broken_settings_are_named(tmp_path, change, message):
    path = broken(tmp_path, change)
    with pytest.raises(ConfigError, match=message) as caught:
        load(Path(path))
    assert path in str(caught.value)


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
