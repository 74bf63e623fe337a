"""CycloneDX JSON, specification 1.2 to 1.6 (components nest; 1.4+ may carry VEX). Read as a
stream: one top-level component (with the components nested in it) at a time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hygeia.streams import JsonDocument, JsonError
from hygeia.vendors.sbom import ComponentData, ParsedSbom, SbomError

SUPPORTED = ("1.2", "1.3", "1.4", "1.5", "1.6")


def _supplier(item: dict[str, Any]) -> str:
    supplier = item.get("supplier") or item.get("manufacturer") or {}
    return str(supplier.get("name", "") if isinstance(supplier, dict) else supplier)[:200]


def _walk(items: Any, out: list[ComponentData]) -> None:
    for item in items or []:
        if not isinstance(item, dict) or not item.get("name"):
            continue
        out.append(
            ComponentData(
                name=str(item["name"])[:300],
                version=str(item.get("version", ""))[:100],
                purl=str(item.get("purl", ""))[:500],
                cpe=str(item.get("cpe", ""))[:300],
                ref=str(item.get("bom-ref", ""))[:500],
                supplier=_supplier(item),
                kind=str(item.get("type", ""))[:30],
            )
        )
        _walk(item.get("components"), out)


def subject_of(component: Any) -> dict[str, str]:
    """metadata.component: what the document is about."""
    subject = component if isinstance(component, dict) else {}
    return {k: str(subject.get(k, "")) for k in ("name", "version", "bom-ref")}


def vulnerabilities(items: Iterable[Any] | None) -> list[dict[str, Any]]:
    """The `vulnerabilities` array: declared vulnerabilities and VEX analyses alike."""
    found = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        analysis = item.get("analysis") or {}
        refs = [str(a.get("ref", "")) for a in item.get("affects") or [] if isinstance(a, dict)]
        aliases = [
            str(r.get("id"))
            for r in item.get("references") or []
            if isinstance(r, dict) and r.get("id")
        ]
        found.append(
            {
                "id": str(item["id"]),
                "aliases": aliases,
                "refs": [r for r in refs if r],
                "state": str(analysis.get("state", "")),
                "justification": str(analysis.get("justification", "")),
                "detail": str(analysis.get("detail", ""))[:2000],
                "summary": str(item.get("description", ""))[:500],
            }
        )
    return found


def read(path: Path) -> ParsedSbom:
    document = JsonDocument(path)
    try:
        top = document.top_level(lambda values: "bomFormat" in values and "specVersion" in values)
        if top.kind != "object" or top.values.get("bomFormat") != "CycloneDX":
            raise SbomError(f"{path.name}: not a CycloneDX document (bomFormat is missing)")
        spec = str(top.values.get("specVersion", ""))
        if spec not in SUPPORTED:
            raise SbomError(f"{path.name}: CycloneDX {spec or '(no version)'} is not supported")
        subject = subject_of(document.first("metadata.component"))
        parsed = ParsedSbom(
            format="cyclonedx-json",
            spec_version=spec,
            subject=subject["name"][:300],
            subject_version=subject["version"][:100],
            subject_ref=subject["bom-ref"][:300],
        )
        for item in document.items("components.item"):
            _walk([item], parsed.components)
        parsed.vulnerabilities = vulnerabilities(document.items("vulnerabilities.item"))
    except JsonError as exc:
        raise SbomError(f"{path.name}: {exc}") from exc
    return parsed
