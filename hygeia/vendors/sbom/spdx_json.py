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


def document(
    fmt: str, version: str, name: str, described: list[str], packages: list[ComponentData]
) -> ParsedSbom:
    """The SBOM of an SPDX document: the package it DESCRIBES is its subject, not one of
    its components (both SPDX formats)."""
    subject = next((p for p in packages if p.ref in described), None)
    return ParsedSbom(
        format=fmt,
        spec_version=version.removeprefix("SPDX-"),
        subject=subject.name if subject else name[:300],
        subject_version=subject.version if subject else "",
        subject_ref=subject.ref if subject else "",
        components=[p for p in packages if p.name and p.ref not in described],
    )


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
    return document("spdx-json", version, str(data.get("name", "")), described, packages)
