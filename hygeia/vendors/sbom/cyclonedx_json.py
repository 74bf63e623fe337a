"""CycloneDX JSON, specification 1.2 to 1.6 (components nest; 1.4+ may carry VEX)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

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


def vulnerabilities(items: Any) -> list[dict[str, Any]]:
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
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise SbomError(f"{path.name}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise SbomError(f"{path.name}: not a CycloneDX document (bomFormat is missing)")
    spec = str(data.get("specVersion", ""))
    if spec not in SUPPORTED:
        raise SbomError(f"{path.name}: CycloneDX {spec or '(no version)'} is not supported")
    subject = (data.get("metadata") or {}).get("component") or {}
    parsed = ParsedSbom(
        format="cyclonedx-json",
        spec_version=spec,
        subject=str(subject.get("name", ""))[:300],
        subject_version=str(subject.get("version", ""))[:100],
        subject_ref=str(subject.get("bom-ref", ""))[:300],
    )
    _walk(data.get("components"), parsed.components)
    parsed.vulnerabilities = vulnerabilities(data.get("vulnerabilities"))
    return parsed
