"""SPDX 2.3 JSON: packages with their purl and CPE external references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from hygeia.vendors.sbom import ComponentData, ParsedSbom, SbomError


def package(item: dict[str, Any]) -> ComponentData:
    purl = cpe = ""
    for ref in item.get("externalRefs") or []:
        kind = str(ref.get("referenceType", "")).lower()
        if kind == "purl" and not purl:
            purl = str(ref.get("referenceLocator", ""))
        elif kind in ("cpe23type", "cpe22type") and not cpe:
            cpe = str(ref.get("referenceLocator", ""))
    supplier = str(item.get("supplier", "") or "")
    return ComponentData(
        name=str(item.get("name", ""))[:300],
        version=str(item.get("versionInfo", "") or "")[:100],
        purl=purl[:500],
        cpe=cpe[:300],
        ref=str(item.get("SPDXID", ""))[:500],
        supplier=supplier.split(":", 1)[-1].strip()[:200] if supplier != "NOASSERTION" else "",
        kind=str(item.get("primaryPackagePurpose", "")).lower()[:30],
    )


def subject_of(document_id: str, described: list[str], packages: list[ComponentData]) -> tuple:
    """The package the document describes, if one is named."""
    for item in packages:
        if item.ref in described:
            return item.name, item.version, item.ref
    return "", "", ""


def read(path: Path) -> ParsedSbom:
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise SbomError(f"{path.name}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc
    version = str(data.get("spdxVersion", "")) if isinstance(data, dict) else ""
    if not version.startswith("SPDX-2."):
        raise SbomError(f"{path.name}: not an SPDX 2.x document (spdxVersion is {version!r})")
    packages = [package(p) for p in data.get("packages") or [] if isinstance(p, dict)]
    described = list(data.get("documentDescribes") or [])
    described += [
        r.get("relatedSpdxElement", "")
        for r in data.get("relationships") or []
        if r.get("relationshipType") == "DESCRIBES"
    ]
    name, subject_version, ref = subject_of(str(data.get("SPDXID", "")), described, packages)
    return ParsedSbom(
        format="spdx-json",
        spec_version=version.removeprefix("SPDX-"),
        subject=name or str(data.get("name", ""))[:300],
        subject_version=subject_version,
        subject_ref=ref,
        components=[p for p in packages if p.name and p.ref not in described],
    )
