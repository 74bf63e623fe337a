"""The AI inventory: risk tiers from the data file, re-review dates, the change history with
values, CSV/JSON export and import (all or nothing, errors by line), and its pages."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from hygeia.ai import content, inventory
from hygeia.ai.models import AITool, AIToolChange
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def tool(**fields) -> AITool:
    made = AITool(name=fields.pop("name", "Scribe"), **fields)
    inventory.save(made, "tester")
    return made


@pytest.mark.parametrize(
    ("answers", "tier"),
    [
        ({}, "low"),
        ({"phi_use": "phi", "generative": True}, "moderate"),
        ({"clinical_risk_level": "medium", "decision_role": "augments"}, "moderate"),
        (
            {"clinical_risk_level": "high", "decision_role": "augments", "phi_use": "phi"},
            "high",
        ),
        (
            {
                "clinical_risk_level": "high",
                "decision_role": "augments",
                "phi_use": "phi",
                "patient_facing": True,
            },
            "critical",
        ),
        (
            {
                "clinical_risk_level": "high",
                "decision_role": "automates",
                "phi_use": "phi",
                "patient_facing": True,
            },
            "critical",
        ),
    ],
)
def test_risk_tier_follows_the_data_file(answers, tier):
    assert tool(**answers).risk_tier == tier


def test_approval_sets_the_re_review_date_from_the_tier():
    made = tool(
        clinical_risk_level="high", decision_role="automates", phi_use="phi", patient_facing=True
    )
    assert made.next_review_on is None
    made.state = AITool.State.CONDITIONS
    inventory.save(made, "tester")
    expected = timezone.localdate() + timedelta(days=30 * content.risk().review_months("critical"))
    assert made.next_review_on == expected


def test_history_keeps_values_before_and_after():
    made = tool(vendor="Acme")
    made.vendor, made.state = "Acme Health", AITool.State.IN_REVIEW
    inventory.save(made, "reviewer")
    assert inventory.save(made, "reviewer") is None  # nothing changed, nothing recorded
    change = AIToolChange.objects.filter(tool=made).first()
    assert change.actor == "reviewer"
    assert change.before == {"state": "proposed", "vendor": "Acme"}
    assert change.after == {"state": "in_review", "vendor": "Acme Health"}
    assert made.changes.count() == 2


def test_csv_and_json_round_trip():
    tool(
        name="Ambient scribe",
        vendor="Acme",
        generative=True,
        domains=["scribe.example"],
        genai_risks=["confabulation"],
    )
    tool(
        name="Sepsis model",
        kind="model",
        predictive=True,
        dsi_type="predictive",
        hti1={"p-intended-use": "early warning"},
    )
    csv_text = inventory.export_csv(AITool.objects.order_by("reference"))
    json_text = inventory.export_json(AITool.objects.order_by("reference"))
    AITool.objects.all().delete()
    # references are Hygeia's: a row naming one that does not exist is refused
    report = inventory.import_file("inventory.csv", csv_text.encode(), "tester")
    assert not report.ok and "no inventory entry 'AI-0001'" in report.errors[0]
    rows = json.loads(json_text)["tools"]
    for row in rows:
        row.pop("reference")
    report = inventory.import_file("inventory.json", json.dumps(rows).encode(), "tester")
    assert report.ok and report.created == 2
    scribe = AITool.objects.get(name="Ambient scribe")
    assert scribe.domains == ["scribe.example"] and scribe.genai_risks == ["confabulation"]
    assert AITool.objects.get(name="Sepsis model").hti1 == {"p-intended-use": "early warning"}
    exported = inventory.export_csv(AITool.objects.order_by("reference"))
    edited = exported.replace("Ambient scribe", "Ambient scribe v2")
    report = inventory.import_file("again.csv", edited.encode(), "tester")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)


def test_import_refuses_the_whole_file_on_any_error():
    bad = b"name,state,patient_facing,colour\nGood tool,approved,no,\n"
    report = inventory.import_file("bad.csv", bad, "tester")
    assert report.errors == ["bad.csv: line 2: unknown column(s) colour"]
    bad = "name,state,patient_facing,next_review_on\nA,approved,maybe,2026-13-01\nB,zzz,no,\n"
    report = inventory.import_file("bad.csv", bad.encode(), "tester")
    assert any("line 2: patient_facing 'maybe'" in e for e in report.errors)
    assert any("line 2: next_review_on" in e for e in report.errors)
    assert any("line 3: state 'zzz'" in e for e in report.errors)
    assert not AITool.objects.exists()
    assert not inventory.import_file("x.json", b"{not json", "tester").ok
    assert not inventory.import_file("x.csv", b"\xff\xfe\x00bad", "tester").ok
    labels = "name,state,decision_role\nTriage bot,Approved with conditions,Augments\n"
    assert inventory.import_file("ok.csv", labels.encode(), "tester").created == 1
    assert AITool.objects.get().state == "approved_with_conditions"


def test_pages_list_show_edit_and_document(make_user):
    reviewer = signed_in_client(make_user("rev", "AI Governance Reviewer"))
    page = reviewer.get("/ai/").content.decode()
    assert "The inventory is empty" in page
    response = reviewer.post(
        "/ai/new/",
        {
            "name": "Discharge summary drafter",
            "kind": "product",
            "state": "proposed",
            "phi_use": "phi",
            "decision_role": "augments",
            "clinical_risk_level": "medium",
            "generative": "on",
            "dsi_type": "predictive",
            "baa_in_place": "yes",
            "vendor_trains_on_data": "no",
            "genai": ["confabulation", "data_privacy"],
            "domains_text": "Drafter.Example.com\n",
        },
    )
    made = AITool.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ai/{made.reference}/"
    assert made.domains == ["drafter.example.com"] and made.risk_tier == "high"  # 2+1+2+1
    page = reviewer.get(f"/ai/{made.reference}/").content.decode()
    assert "0 of 31 attributes documented" in page and "Confabulation" in page
    reviewer.post(
        f"/ai/{made.reference}/documentation/",
        {
            "hti1-p-intended-use": "Drafts discharge summaries for physician review",
            "check-ruaih-education": "met",
            "evidence-ruaih-education": "LMS course 2026-04",
        },
    )
    made.refresh_from_db()
    assert made.hti1 == {"p-intended-use": "Drafts discharge summaries for physician review"}
    assert made.checklist["ruaih-education"] == {"status": "met", "evidence": "LMS course 2026-04"}
    page = reviewer.get(f"/ai/{made.reference}/").content.decode()
    assert "1 of 31 attributes documented" in page
    override = reviewer.post(
        f"/ai/{made.reference}/edit/",
        {
            "name": made.name,
            "kind": "product",
            "state": "proposed",
            "phi_use": "phi",
            "decision_role": "augments",
            "clinical_risk_level": "medium",
            "baa_in_place": "yes",
            "vendor_trains_on_data": "no",
            "risk_tier_override": "high",
        },
    )
    assert "Say why the computed tier is overridden" in override.content.decode()
    csv_text = reviewer.get("/ai/inventory.csv").content.decode()
    assert "Discharge summary drafter" in csv_text
    assert reviewer.get("/ai/inventory.xlsx").status_code == 404


def test_import_page_takes_csv_and_model_cards(make_user):
    from pathlib import Path

    reviewer = signed_in_client(make_user("rev", "AI Governance Reviewer"))
    upload = io.BytesIO(b"name,vendor\nPathology assistant,Acme\n")
    upload.name = "mine.csv"
    response = reviewer.post("/ai/import/", {"file": upload}, follow=True)
    assert "1 added" in response.content.decode()
    card = next((Path(__file__).parent / "fixtures" / "chai-model-card").glob("*.xml"))
    upload = io.BytesIO(card.read_bytes())
    upload.name = card.name
    response = reviewer.post("/ai/import/", {"file": upload}, follow=True)
    assert "added from" in response.content.decode()
    reference = AITool.objects.get(kind="model").reference
    xml = reviewer.get(f"/ai/{reference}/model-card.xml")
    assert xml["Content-Type"] == "application/xml" and b"AppliedModelCard" in xml.content
    bad = io.BytesIO(b"<nope/>")
    bad.name = "broken.xml"
    response = reviewer.post("/ai/import/", {"file": bad}, follow=True)
    assert "broken.xml" in response.content.decode()
    viewer = signed_in_client(make_user("aud", "Auditor"))
    assert viewer.get("/ai/").status_code == 200
    assert viewer.post("/ai/import/", {"file": io.BytesIO(b"x")}).status_code == 403


def test_only_a_model_card_has_a_bound_below_the_upload_limit(make_user):
    """An inventory up to the site's upload limit is read; a card, parsed whole as one XML
    tree, stops at 5 MB with a message saying so."""
    reviewer = signed_in_client(make_user("rev", "AI Governance Reviewer"))
    rows = b"".join(b"Tool %d,Acme,%s\n" % (n, b"u" * 100_000) for n in range(64))
    inventory_file = io.BytesIO(b"name,vendor,intended_use\n" + rows)
    inventory_file.name = "big.csv"
    assert len(inventory_file.getvalue()) > 6 * 2**20
    response = reviewer.post("/ai/import/", {"file": inventory_file}, follow=True)
    assert "64 added" in response.content.decode()
    card = io.BytesIO(b"<card>" + b" " * (6 * 2**20) + b"</card>")
    card.name = "card.xml"
    response = reviewer.post("/ai/import/", {"file": card}, follow=True)
    assert "card.xml (6.0 MB) is larger than the 5 MB a model card may be" in (
        response.content.decode()
    )


def test_a_field_past_the_csv_limit_names_the_line():
    data = b"name,vendor,intended_use\nA,B,c\nD,E," + b"f" * (2 << 20) + b"\n"
    report = inventory.import_file("huge.csv", data, "importer")
    assert not report.ok and report.errors[0].startswith("huge.csv: line 3: field larger")
    assert not AITool.objects.exists()
