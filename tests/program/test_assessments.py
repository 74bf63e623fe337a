"""Assessing against a framework: recording, scores per group, carrying results across
frameworks, evidence from operations, the CLI's phishing import."""

from __future__ import annotations

import io
import json

import pytest

from hygeia.cli import main
from hygeia.program import assess, operations
from hygeia.program.models import Framework, FrameworkAssessment, Requirement
from hygeia.vendors.models import Baa, Product, Vendor
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cpg(db):
    framework = Framework.objects.get(key="hhs-cpg")
    return FrameworkAssessment.objects.create(framework=framework, title="CPG 2026")


def _req(key, ref):
    return Requirement.objects.get(framework__key=key, ref=ref)


def test_scores_per_group_and_the_whole(cpg):
    assess.record(cpg, _req("hhs-cpg", "CPG-E3"), status="implemented", maturity=4)
    assess.record(cpg, _req("hhs-cpg", "CPG-E4"), status="partial", maturity=2)
    assess.record(cpg, _req("hhs-cpg", "CPG-E5"), status="not_applicable")
    assess.record(cpg, _req("hhs-cpg", "CPG-X1"), status="not_implemented", maturity=0)
    scores = {s.ref: s for s in assess.scores(cpg)}
    essential, enhanced, whole = scores["ESSENTIAL"], scores["ENHANCED"], scores[""]
    assert (essential.assessed, essential.total) == (3, 10)
    assert essential.implemented_share == 0.75  # (1 + 0.5) / 2; not applicable left out
    assert essential.maturity == 3.0
    assert enhanced.implemented_share == 0.0
    assert whole.implemented_share == 0.5 and whole.total == 20


def test_bad_records_are_refused(cpg):
    with pytest.raises(assess.AssessError, match="not an assessable requirement"):
        assess.record(cpg, _req("nist-csf", "PR.AA-03"), status="implemented")
    with pytest.raises(assess.AssessError, match="not an assessable"):
        assess.record(cpg, _req("hhs-cpg", "ESSENTIAL"), status="implemented")
    with pytest.raises(assess.AssessError, match="from 0 to 5"):
        assess.record(cpg, _req("hhs-cpg", "CPG-E3"), status="implemented", maturity=6)


def test_assess_once_report_against_csf(cpg):
    assess.record(cpg, _req("hhs-cpg", "CPG-E3"), status="implemented")  # -> PR.AA-03
    assess.record(cpg, _req("hhs-cpg", "CPG-E8"), status="not_implemented")  # -> PR.AA-01, -03
    carried = {
        c.requirement.ref: c for c in assess.carry(cpg, Framework.objects.get(key="nist-csf"))
    }
    assert carried["PR.AA-03"].share == 0.5  # one met, one not
    assert carried["PR.AA-01"].share == 0.0
    assert carried["GV.OC-01"].share is None  # nothing assessed maps there
    assert sorted(r for r, _ in carried["PR.AA-03"].sources) == ["CPG-E3", "CPG-E8"]


def test_evidence_from_operations(db):
    vendor = Vendor.objects.create(legal_name="Acme", tier=1)
    Product.objects.create(vendor=vendor, name="PACS", phi_volume="high")
    summary = operations.evidence_for("vendor_coverage").summary
    assert "BAA coverage 0 of 1" in summary
    Baa.objects.create(vendor=vendor, status="signed")
    assert (
        "BAA coverage 1 of 1 PHI-handling vendors (100%)"
        in operations.evidence_for("vendor_coverage").summary
    )
    assert "No training records" in operations.evidence_for("training").summary
    assert "no account used after" in operations.evidence_for("terminated_access").summary
    assert "AI inventory: 0 entries" in operations.evidence_for("ai_inventory").summary
    assert operations.evidence_for("unknown") is None
    for key in operations.SOURCES:  # every source answers on an empty database
        assert operations.evidence_for(key).summary


def test_the_assessment_page_records_with_a_file_and_shows_evidence(cpg, make_user):
    client = signed_in_client(make_user("ciso", "Security Officer"))
    goal = _req("hhs-cpg", "CPG-E10")
    page = client.get(f"/program/assessments/{cpg.pk}/").content.decode()
    assert "From Hygeia:" in page and "No vendors recorded yet" in page
    report = io.BytesIO(b"%PDF-1.7 vendor security requirements")
    report.name = "vendor-requirements.pdf"
    client.post(
        f"/program/assessments/{cpg.pk}/items/{goal.pk}/",
        {
            "status": "partial",
            "maturity": "2",
            "owner": "Vendor risk",
            "notes": "BAAs in place",
            "file": report,
        },
    )
    item = cpg.items.get(requirement=goal)
    assert item.status == "partial" and item.files.get().name == "vendor-requirements.pdf"
    page = client.get(f"/program/assessments/{cpg.pk}/").content.decode()
    assert "vendor-requirements.pdf" in page
    against = client.get(f"/program/assessments/{cpg.pk}/against/nist-csf/").content.decode()
    assert "GV.SC-05" in against and "CPG-E10: partially implemented" in against


def test_phishing_import_cli(tmp_path, capsys, db):
    export = tmp_path / "results.csv"
    export.write_text("email,position,status,reported\nann@x.example,Nursing,Clicked Link,false\n")
    assert main(["program", "phishing", "import", str(export), "--campaign", "Q1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["campaigns"][0]["recipients"] == 1
    assert main(["program", "phishing", "import", "--gophish-url", "http://127.0.0.1:9"]) == 2
    key = tmp_path / "key.txt"
    key.write_text("secret\n")
    code = main(
        [
            "program",
            "phishing",
            "import",
            "--gophish-url",
            "http://127.0.0.1:9",
            "--api-key-file",
            str(key),
        ]
    )
    assert code == 1 and "not reachable" in capsys.readouterr().err
