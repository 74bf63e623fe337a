"""`hygeia privacy simulate --style`: each style writes a hospital in its own vocabulary,
without the context it declares missing, with every misuse category labelled, and the
files ingest whole."""

from __future__ import annotations

import csv

import pytest
import yaml

from hygeia.privacy import site_sim
from hygeia.privacy.ingest import ingest

MISSING_FILES = {
    "care_team": "CareTeam.ndjson.gz",
    "appointment": "Appointment.ndjson.gz",
    "practitioner_role": "PractitionerRole.ndjson.gz",
}


@pytest.mark.django_db
@pytest.mark.database_independent
@pytest.mark.parametrize("style", site_sim.styles())
def test_a_style_writes_its_own_hospital(tmp_path, style):
    declared = yaml.safe_load((site_sim.STYLES / f"{style}.yaml").read_text())
    summary = site_sim.simulate_style(tmp_path, style, staff=250, days=7, seed=3)
    assert summary["style"] == style and summary["categories"] == len(site_sim.CATEGORIES)

    fhir = {p.name for p in (tmp_path / "fhir").iterdir()}
    for context, name in MISSING_FILES.items():
        assert (name in fhir) is (context not in declared.get("missing", [])), name

    with (tmp_path / "staff.csv").open(newline="", encoding="utf-8") as handle:
        roster = list(csv.DictReader(handle))
    departments = {u["name"] for u in declared["units"].values()}
    column = next(c for c in roster[0] if "depart" in c.lower())
    assert {row[column] for row in roster} <= departments
    assert len({row[column] for row in roster}) >= 10

    def truth(name: str) -> set[tuple[str, ...]]:
        with (tmp_path / "truth" / name).open(newline="", encoding="utf-8") as handle:
            return {(r["user_id"], r["patient_id"], r["category"]) for r in csv.DictReader(handle)}

    # every misuse's records, one row each: a behaviour row becomes its user's records
    labelled, pairs = truth("ground_truth.csv"), truth("misuse_pairs.csv")
    assert all(patient for _, patient, _ in pairs)
    assert {(u, c) for u, _, c in pairs} == {(u, c) for u, _, c in labelled}
    assert {row for row in labelled if row[1]} <= pairs
    browsing = {u for u, p, c in labelled if c == "curiosity"}
    assert all(sum(1 for u, _, c in pairs if u == user) >= 2 for user in browsing)

    report = ingest([tmp_path / "fhir", tmp_path / "staff.csv"])
    assert not report.failed
    assert report.total("read") == report.total("stored") > 1000
    assert report.total("quarantined") == 0


def test_an_unknown_style_names_the_ones_there_are(tmp_path):
    with pytest.raises(ValueError, match="styles: classic, academic"):
        site_sim.simulate_style(tmp_path, "boutique")
