"""Detection learns each site's work from its data: neither the shipped configuration nor
the detection code may name a hospital style, a department or a job title of the
simulators. A rule fitted to a simulator's vocabulary passes its own evaluation and fails
at the next hospital."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from hygeia.privacy import hospital, site_sim
from hygeia.privacy.detection.config import DEFAULT

DETECTION = Path(hospital.__file__).resolve().parent / "detection"
# Words that are a simulator's department and also the standard name of something else.
GENERIC = {
    "emergency": "the HL7 encounter class EMER, and emergency (break-the-glass) access",
    "collector": "a syslog collector, where alerts are sent",
}


EXTERNAL = Path(__file__).with_name("external_vocabulary.txt")


def vocabulary() -> set[str]:
    words = {"classic"}
    words.update(
        line.strip()
        for line in EXTERNAL.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    for department, (_share, jobs) in hospital.DEPARTMENTS.items():
        words.add(department)
        words.update(job[0] for job in jobs)
    for path in sorted(site_sim.STYLES.glob("*.yaml")):
        style = yaml.safe_load(path.read_text(encoding="utf-8"))
        words.add(style["name"].replace("_", " "))
        words.add(style["name"])
        for unit in style["units"].values():
            words.add(unit["name"])
            words.update(title for title, _share in unit["jobs"].values())
    return words


def mentions(text: str, words: set[str]) -> list[str]:
    found = []
    for word in words:
        if word.lower() in GENERIC:
            continue
        flags = 0 if word.isupper() else re.IGNORECASE  # "IT" the department, not "it"
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags):
            found.append(word)
    return sorted(found)


def test_the_vocabulary_is_read_from_every_simulator():
    words = vocabulary()
    assert {"Registration", "Medical Coder", "academic", "safety net"} <= words
    assert {"Internal Medicine 5 West", "Clinical Applications Analyst"} <= words  # external
    assert len(words) > 100


def test_the_shipped_configuration_names_no_simulator_vocabulary():
    assert mentions(DEFAULT.read_text(encoding="utf-8"), vocabulary()) == []


def test_the_detection_code_names_no_simulator_vocabulary():
    words = vocabulary()
    found = {
        str(path.relative_to(DETECTION)): hits
        for path in sorted(DETECTION.rglob("*.py"))
        if (hits := mentions(path.read_text(encoding="utf-8"), words))
    }
    assert found == {}


def test_the_check_finds_a_planted_name():
    words = vocabulary()
    assert mentions("billing:\n  departments: 'Revenue Cycle - Hospital Billing'", words) == [
        "Revenue Cycle - Hospital Billing"
    ]
    assert mentions("the IT desk", words) == ["IT"] and mentions("fix it", words) == []
