"""CHAI Applied Model Card v0.2: import (validated, lossless) and export (schema-valid XML).

A card is kept element by element as a small JSON tree (tag, text, children, in document
order), so that exporting an imported card gives back every element and value; the inventory
fields and HTI-1 source attributes are filled from it where they are still empty.

Untrusted XML is parsed with defusedxml (no DTDs, entities or external references) and
validated against the schema shipped in content/ai/chai-model-card-v0.2 (licence beside it),
with the XML-signature schema from the xmlschema package: nothing is fetched.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from hygeia.ai.models import AITool

NS = "https://mc.chai.org/v0.2/schema.xsd"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
SCHEMA = (
    Path(__file__).resolve().parents[1] / "content" / "ai" / "chai-model-card-v0.2" / "schema.xsd"
)
MAX_BYTES = 5 * 1024 * 1024
NOT_PROVIDED = "Not provided"


class ModelCardError(ValueError):
    """A file that is not a valid CHAI v0.2 card; the message names the file and the place."""


@cache
def _schema() -> Any:
    import xmlschema

    dsig = Path(xmlschema.__file__).parent / "schemas" / "DSIG" / "xmldsig-core-schema.xsd"
    return xmlschema.XMLSchema(str(SCHEMA), locations={DSIG: str(dsig)}, allow="local")


def validate(xml: bytes, name: str) -> None:
    """Raise ModelCardError naming the first few schema violations."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the schema's remote import is refused, then found locally
        schema = _schema()
    problems = [
        f"{name}: {error.path or '/'}: {error.reason or error.message}"
        for error in schema.iter_errors(xml.decode("utf-8"))
    ][:5]
    if problems:
        raise ModelCardError("; ".join(problems))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _tree(element: ET.Element) -> dict[str, Any]:
    if element.tag.startswith(f"{{{DSIG}}}"):  # a signature is kept verbatim
        return {"tag": "ds:" + _local(element.tag), "xml": ET.tostring(element, "unicode")}
    node: dict[str, Any] = {"tag": _local(element.tag)}
    children = [_tree(child) for child in element]
    if children:
        node["children"] = children
    elif element.text is not None:
        node["text"] = element.text
    if element.attrib:
        node["attrib"] = dict(element.attrib)
    return node


def parse(data: bytes, name: str) -> dict[str, Any]:
    """A card file as its JSON tree, or ModelCardError."""
    if len(data) > MAX_BYTES:
        raise ModelCardError(f"{name}: {len(data) / 1e6:.1f} MB is larger than a model card")
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ModelCardError(
            f"{name}: refused ({type(exc).__name__}: DTDs and entities are not allowed)"
        ) from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise ModelCardError(f"{name}: line {line}, column {column}: not well-formed XML") from exc
    if root.tag != f"{{{NS}}}AppliedModelCard":
        namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else "no namespace"
        raise ModelCardError(
            f"{name}: the root element is {_local(root.tag)!r} in {namespace}, "
            f"not AppliedModelCard in {NS}"
        )
    validate(data, name)
    return _tree(root)


def _build(node: dict[str, Any], parent: ET.Element | None) -> ET.Element:
    if "xml" in node:
        element = SafeET.fromstring(node["xml"])
        if parent is not None:
            parent.append(element)
        return element
    tag = f"{{{NS}}}{node['tag']}"
    element = ET.Element(tag) if parent is None else ET.SubElement(parent, tag)
    for key, value in (node.get("attrib") or {}).items():
        element.set(key, value)
    if "children" in node:
        for child in node["children"]:
            _build(child, element)
    elif "text" in node:
        element.text = node["text"]
    return element


def to_xml(tree: dict[str, Any]) -> bytes:
    ET.register_namespace("", NS)
    ET.register_namespace("ds", DSIG)
    root = _build(tree, None)
    ET.indent(root, space="\t")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def find(tree: dict[str, Any], *path: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = tree
    for tag in path:
        node = next((c for c in (node or {}).get("children", []) if c.get("tag") == tag), None)
        if node is None:
            return None
    return node


def text(tree: dict[str, Any], *path: str) -> str:
    node = find(tree, *path)
    return (node or {}).get("text") or ""


# --- cards <-> the inventory -------------------------------------------------------------

# HTI-1 predictive source attributes that a card answers (attribute id -> card path).
HTI1_FROM_CARD: dict[str, tuple[str, ...]] = {
    "p-funding": ("TrustIngredients", "TransparencyInformation", "FundingSource"),
    "p-output-value": ("TrustIngredients", "AISystemFacts", "OutcomesAndOutputs"),
    "p-intended-use": ("UsesAndDirections", "IntendedUseAndWorkflow"),
    "p-population": ("UsesAndDirections", "TargetedPatientPopulation"),
    "p-users": ("UsesAndDirections", "PrimaryIntendedUsers"),
    "p-out-of-scope": ("UsesAndDirections", "CautionedOutOfScopeSettings"),
    "p-known-risks": ("Warnings", "KnownRisksAndLimitations"),
    "p-training-relevance": (
        "TrustIngredients",
        "AISystemFacts",
        "DevelopmentDataCharacterization",
    ),
    "p-bias-management": ("TrustIngredients", "AISystemFacts", "BiasMitigationApproaches"),
    "p-validity-monitoring": ("TrustIngredients", "AISystemFacts", "OngoingMaintenance"),
    "p-outcome-evaluation": ("Resources", "PeerReviewedPublications"),
}


def _risk_level(value: str) -> str:
    lowered = value.lower()
    for word, level in (
        ("high", "high"),
        ("moderate", "medium"),
        ("medium", "medium"),
        ("low", "low"),
    ):
        if word in lowered:
            return level
    return ""


@dataclass
class Imported:
    tool: AITool
    created: bool


def apply(tool: AITool, tree: dict[str, Any]) -> None:
    """Fill the tool from the card: the card's own fields always, the rest where empty."""
    tool.model_card = tree
    tool.name = text(tree, "BasicInfo", "ModelName").strip()[:200] or tool.name
    tool.vendor = text(tree, "BasicInfo", "ModelDeveloper").strip()[:200] or tool.vendor
    tool.version = text(tree, "ReleaseInfo", "ReleaseVersion").strip()[:60] or tool.version
    for field_name, path in (
        ("intended_use", ("UsesAndDirections", "IntendedUseAndWorkflow")),
        ("intended_users", ("UsesAndDirections", "PrimaryIntendedUsers")),
        ("patient_population", ("UsesAndDirections", "TargetedPatientPopulation")),
        ("regulatory_exposure", ("ReleaseInfo", "RegulatoryApproval")),
        ("output_type", ("TrustIngredients", "AISystemFacts", "OutcomesAndOutputs")),
        ("data_inputs", ("TrustIngredients", "AISystemFacts", "InputDataSource")),
    ):
        if not getattr(tool, field_name):
            setattr(tool, field_name, text(tree, *path).strip())
    level = _risk_level(text(tree, "Warnings", "ClinicalRiskLevel"))
    if level:
        tool.clinical_risk_level = level
    model_type = text(tree, "TrustIngredients", "AISystemFacts", "ModelType").lower()
    foundation = text(tree, "TrustIngredients", "AISystemFacts", "FoundationModels").lower()
    if any(
        w in model_type + " " + foundation for w in ("generative", "large language", "llm", "gpt")
    ):
        tool.generative = True
    if any(
        w in model_type
        for w in ("predict", "classif", "detect", "triage", "deep learning", "machine learning")
    ):
        tool.predictive = True
        tool.dsi_type = tool.dsi_type or AITool.DsiType.PREDICTIVE
    answers = dict(tool.hti1 or {})
    developer = text(tree, "BasicInfo", "ModelDeveloper").strip()
    contact = text(tree, "BasicInfo", "DeveloperContact").strip()
    if developer and not answers.get("p-developer"):
        answers["p-developer"] = f"{developer} ({contact})" if contact else developer
    for attribute, card_path in HTI1_FROM_CARD.items():
        value = text(tree, *card_path).strip()
        if value and not answers.get(attribute):
            answers[attribute] = value
    tool.hti1 = answers


def _leaf(tag: str, value: str = "") -> dict[str, Any]:
    return {"tag": tag, "text": value or NOT_PROVIDED}


def _node(tag: str, *children: dict[str, Any]) -> dict[str, Any]:
    return {"tag": tag, "children": list(children)} if children else {"tag": tag}


def _metric(tag: str) -> dict[str, Any]:
    result = _node("MetricResult", _leaf("Label"), _leaf("ValueJson", "{}"))
    return _node(
        tag,
        _leaf("MetricGoal"),
        _node("Results", result),
        _leaf("Interpretation"),
        _leaf("TestType"),
        _leaf("TestingDataDescription"),
        _leaf("ValidationProcessAndJustification"),
    )


def generated(tool: AITool) -> dict[str, Any]:
    """A card for a tool that has none, from its inventory fields ("Not provided" where the
    schema wants a value Hygeia does not hold)."""
    h = tool.hti1 or {}
    model_type = "generative" if tool.generative else "predictive" if tool.predictive else ""
    return _node(
        "AppliedModelCard",
        _node(
            "BasicInfo",
            _leaf("ModelName", tool.name),
            _leaf("ModelDeveloper", tool.vendor),
            _leaf("DeveloperContact", h.get("p-developer", "")),
        ),
        _node(
            "ReleaseInfo",
            _leaf("ReleaseStage"),
            _leaf("ReleaseDate"),
            _leaf("ReleaseVersion", tool.version),
            _leaf("GlobalAvailability"),
        ),
        _node("ModelSummary", _leaf("Summary", tool.intended_use), _node("Keywords")),
        _node(
            "UsesAndDirections",
            _leaf("IntendedUseAndWorkflow", tool.intended_use),
            _leaf("PrimaryIntendedUsers", tool.intended_users),
            _leaf("HowToUse", tool.human_oversight),
            _leaf("TargetedPatientPopulation", tool.patient_population),
            _leaf("CautionedOutOfScopeSettings", h.get("p-out-of-scope", "")),
        ),
        _node(
            "Warnings",
            _leaf("KnownRisksAndLimitations", h.get("p-known-risks", "")),
            _leaf("KnownBiasesOrEthicalConsiderations", h.get("p-bias-management", "")),
            _leaf("ClinicalRiskLevel", tool.get_clinical_risk_level_display()),
        ),
        _node(
            "TrustIngredients",
            _node(
                "AISystemFacts",
                _leaf("OutcomesAndOutputs", tool.output_type or h.get("p-output-value", "")),
                _leaf("ModelType", model_type),
                _leaf("InputDataSource", tool.data_inputs),
                _leaf("OutputAndInputDataTypes"),
                _leaf("DevelopmentDataCharacterization", h.get("p-training-relevance", "")),
                _leaf("BiasMitigationApproaches", h.get("p-bias-management", "")),
                _leaf("OngoingMaintenance", h.get("p-validity-monitoring", "")),
            ),
            _node(
                "TransparencyInformation",
                _leaf("FundingSource", h.get("p-funding", "")),
                _leaf("StakeholdersConsulted"),
            ),
        ),
        _node(
            "KeyMetrics",
            _metric("UsefulnessUsabilityEfficacy"),
            _metric("FairnessEquity"),
            _metric("SafetyReliability"),
        ),
        _node(
            "Resources",
            _leaf("PeerReviewedPublications", h.get("p-outcome-evaluation", "")),
            _leaf("PatientConsentOrDisclosure"),
        ),
        _leaf("Bibliography"),
    )


def export(tool: AITool) -> bytes:
    """The tool's card as schema-valid XML (validated before it is returned)."""
    xml = to_xml(tool.model_card or generated(tool))
    validate(xml, f"{tool.reference} export")
    return xml


def import_card(data: bytes, name: str, actor: str) -> Imported:
    """Add the card to the inventory: the entry with the same model name and developer is
    updated, otherwise a new model entry is proposed."""
    from hygeia.ai import inventory

    tree = parse(data, name)
    model_name = text(tree, "BasicInfo", "ModelName").strip()
    developer = text(tree, "BasicInfo", "ModelDeveloper").strip()
    existing = AITool.objects.filter(name__iexact=model_name, vendor__iexact=developer).first()
    tool = existing or AITool(kind=AITool.Kind.MODEL, state=AITool.State.PROPOSED)
    apply(tool, tree)
    inventory.save(tool, actor, f"model card imported from {Path(name).name}"[:300])
    return Imported(tool, existing is None)
