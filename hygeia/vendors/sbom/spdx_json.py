"""SPDX 2.3 JSON: packages with their purl and CPE external references. Read as a stream: one
package, and one relationship, at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hygeia.streams import Container, JsonDocument, JsonError
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
    source = JsonDocument(path)
    try:
        top = source.top_level(lambda values: "spdxVersion" in values and "name" in values)
        version = str(top.values.get("spdxVersion", "")) if top.kind == "object" else ""
        if not version.startswith("SPDX-2."):
            raise SbomError(f"{path.name}: not an SPDX 2.x document (spdxVersion is {version!r})")
        packages = [package(p) for p in source.items("packages.item") if isinstance(p, dict)]
        described = list(source.items("documentDescribes.item"))
        described += [
            r.get("relatedSpdxElement", "")
            for r in source.items("relationships.item")
            if isinstance(r, dict) and r.get("relationshipType") == "DESCRIBES"
        ]
    except JsonError as exc:
        raise SbomError(f"{path.name}: {exc}") from exc
    name = top.values.get("name", "")
    text = "" if isinstance(name, Container) else str(name)
    return document("spdx-json", version, text, described, packages)
