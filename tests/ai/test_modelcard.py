"""CHAI Applied Model Card v0.2: every real vendor card imports without loss and re-exports
to schema-valid XML; hostile and invalid files are refused with the file named."""

from __future__ import annotations

from pathlib import Path

import pytest

from hygeia.ai import modelcard
from hygeia.ai.models import AITool, AIToolChange

pytestmark = pytest.mark.django_db

# Real vendor cards (CHAI licence beside them), and any further ones in the shared fixtures
# folder next to the repository when it is there.
HERE = Path(__file__).resolve().parent / "fixtures" / "chai-model-card"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "chai-model-card"
CARDS = sorted({p.name: p for d in (SHARED, HERE) for p in d.glob("*.xml")}.values())


def test_the_real_cards_are_there():
    assert len(CARDS) >= 9


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.name)
def test_each_real_card_round_trips_without_loss(path):
    data = path.read_bytes()
    imported = modelcard.import_card(data, path.name, "tester")
    tool = AITool.objects.get(pk=imported.tool.pk)
    assert imported.created and tool.kind == "model" and tool.state == "proposed"
    assert tool.name == modelcard.text(modelcard.parse(data, path.name), "BasicInfo", "ModelName")
    exported = modelcard.export(tool)  # validated against the schema inside
    assert modelcard.parse(exported, "re-export") == modelcard.parse(data, path.name)
    assert tool.hti1["p-intended-use"] and tool.hti1["p-developer"].startswith(tool.vendor)
    again = modelcard.import_card(exported, "again.xml", "tester")
    assert not again.created and AITool.objects.count() == 1
    assert AIToolChange.objects.filter(tool=tool).count() == 1  # the same card changes nothing


def test_a_tool_without_a_card_exports_a_valid_one():
    tool = AITool.objects.create(
        reference="AI-0001",
        name="Sepsis watch",
        vendor="Acme Health",
        intended_use="Early warning of sepsis",
        predictive=True,
    )
    tree = modelcard.parse(modelcard.export(tool), "generated")
    assert modelcard.text(tree, "BasicInfo", "ModelName") == "Sepsis watch"
    assert modelcard.text(tree, "ReleaseInfo", "ReleaseStage") == modelcard.NOT_PROVIDED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<AppliedModelCard", "not well-formed XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DTDs and entities"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            "DTDs and entities",
        ),
        (b"<card/>", "not AppliedModelCard"),
        (
            b'<AppliedModelCard xmlns="https://mc.chai.org/v0.2/schema.xsd"><BasicInfo/>'
            b"</AppliedModelCard>",
            "bad.xml: /AppliedModelCard/BasicInfo",
        ),
    ],
    ids=["truncated", "entity-expansion", "external-entity", "wrong-root", "schema"],
)
def test_bad_cards_are_refused_with_the_file_named(data, message):
    with pytest.raises(modelcard.ModelCardError) as caught:
        modelcard.import_card(data, "bad.xml", "tester")
    assert "bad.xml" in str(caught.value) and message in str(caught.value)
    assert not AITool.objects.exists()
