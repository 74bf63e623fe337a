"""The risk register: pages, the CLI's simulation output, the demo."""

from __future__ import annotations

import json

import pytest

from hygeia.cli import main
from hygeia.program import demo, quant, risks
from hygeia.program.models import Risk, Treatment
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return signed_in_client(make_user("ciso", "Security Officer"))


def test_the_demo_register(db):
    assert demo.seed() == {"risks": 5}
    ransomware = Risk.objects.get(title__startswith="Ransomware")
    assert ransomware.controls.filter(ref="CPG-E3").exists()
    assert ransomware.treatments.count() == 2
    assert demo.seed() == {"risks": 5}


def test_simulate_json_per_risk_and_portfolio(capsys, db):
    demo.seed()
    assert main(["program", "risk", "simulate", "--json", "--seed", "7", "--years", "20000"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert {r["risk"] for r in first["risks"]} == set(
        Risk.objects.values_list("reference", flat=True)
    )
    for row in [*first["risks"], first["portfolio"]]:
        assert {"ale", "p50", "p90", "p99"} <= set(row)
        assert row["p50"] <= row["p90"] <= row["p99"]
    assert first["portfolio"]["ale"] == pytest.approx(
        sum(r["ale"] for r in first["risks"]), rel=1e-6
    )
    main(["program", "risk", "simulate", "--json", "--seed", "7", "--years", "20000"])
    assert json.loads(capsys.readouterr().out) == first  # reproducible
    treated = next(r for r in first["risks"] if "treated" in r)
    assert treated["treated"]["ale"] < treated["ale"] and treated["reduction"] > 0


def test_a_treatment_in_place_is_part_of_today(db):
    risk = Risk.objects.create(
        reference="R-0001",
        title="x",
        lef_min=1,
        lef_likely=1,
        lef_max=1,
        lm_min=100,
        lm_likely=100,
        lm_max=100,
    )
    Treatment.objects.create(risk=risk, title="done", magnitude_reduction=0.5, status="done")
    Treatment.objects.create(risk=risk, title="planned", magnitude_reduction=0.5)
    treated = risks.scenario(risk, with_treatments=True)
    assert treated.magnitude_reduction == 0.5  # only the planned one is still to come
    assert quant.simulate(treated, 20_000).ale == pytest.approx(50, rel=0.05)


def test_register_pages_and_forms(officer):
    demo.seed()
    page = officer.get("/program/risks/").content.decode()
    assert "Ransomware shuts down the EHR" in page and "<svg" in page and "IBM" in page
    risk = Risk.objects.get(title__startswith="Ransomware")
    detail = officer.get(f"/program/risks/{risk.reference}/").content.decode()
    assert "with planned treatments" in detail and "<polyline" in detail
    response = officer.post(
        "/program/risks/new/",
        {
            "title": "Phishing leads to payroll fraud",
            "status": "open",
            "likelihood": 3,
            "impact": 3,
            "lef_min": 0.5,
            "lef_likely": 2,
            "lef_max": 1,
            "lm_min": 1000,
            "lm_likely": 20000,
            "lm_max": 100000,
        },
    )
    assert response.status_code == 200 and "minimum" in response.content.decode()
    response = officer.post(
        "/program/risks/new/",
        {
            "title": "Phishing leads to payroll fraud",
            "status": "open",
            "likelihood": 3,
            "impact": 3,
            "lef_min": 0.5,
            "lef_likely": 1,
            "lef_max": 2,
            "lm_min": 1000,
            "lm_likely": 20000,
            "lm_max": 100000,
        },
    )
    created = Risk.objects.get(title__startswith="Phishing")
    assert response.status_code == 302 and created.reference == "R-0006"
    officer.post(
        f"/program/risks/{created.reference}/treatments/",
        {
            "title": "Call-back rule",
            "cost": 0,
            "annual_cost": 1000,
            "frequency_reduction": 1.5,
            "magnitude_reduction": 0,
            "status": "planned",
        },
    )
    assert not created.treatments.exists()  # a share above 1 is refused
    officer.post(
        f"/program/risks/{created.reference}/treatments/",
        {
            "title": "Call-back rule",
            "cost": 0,
            "annual_cost": 1000,
            "frequency_reduction": 0.8,
            "magnitude_reduction": 0,
            "status": "planned",
        },
    )
    assert created.treatments.get().frequency_reduction == 0.8


def test_frameworks_pages(officer, db):
    home = officer.get("/program/").content.decode()
    assert "NIST Cybersecurity Framework 2.0" in home and "106 subcategories" in home
    csf = officer.get("/program/frameworks/nist-csf/").content.decode()
    assert "GV.OC-01" in csf and "CPG-E3" in csf  # mapped from the CPG goal
    hipaa = officer.get("/program/frameworks/hipaa-security/").content.decode()
    assert "addressable" in hipaa and "required" in hipaa
    assert officer.get("/program/frameworks/unknown/").status_code == 404


def test_frameworks_list_cli(capsys, db):
    assert main(["program", "frameworks", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["nist-csf"]["requirements"] == 106 and rows["hhs-cpg"]["requirements"] == 20
    assert rows["hipaa-security"]["title"] == "HIPAA Security Rule"


def test_program_api(officer, db):
    demo.seed()
    frameworks_out = {f["id"]: f for f in officer.get("/api/program/frameworks").json()}
    assert frameworks_out["nist-csf"]["levels"]["subcategory"] == 106
    register = officer.get("/api/program/risks?years=20000&seed=3").json()
    assert register["years"] == 20000 and len(register["risks"]) == 5
    assert register["portfolio"]["p50"] <= register["portfolio"]["p99"]
    assert any(r["treated"] for r in register["risks"])
    from hygeia.program.models import FrameworkAssessment

    assessment = FrameworkAssessment.objects.get()
    scores = officer.get(f"/api/program/assessments/{assessment.pk}/scores").json()
    assert scores[0]["level"] == "framework" and scores[0]["assessed"] == 10
    assert officer.get("/api/program/assessments/999/scores").status_code == 404
