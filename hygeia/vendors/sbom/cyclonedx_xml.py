"""CycloneDX XML, specification 1.2 to 1.6. Parsed with defusedxml: no entities, no DTDs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse

from hygeia.vendors.sbom import ComponentData, ParsedSbom, SbomError

NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(1\.[2-6])\}bom$")


def read(path: Path) -> ParsedSbom:
    try:
        root = parse(str(path), forbid_dtd=True).getroot()
    except ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise SbomError(f"{path.name}: line {line}: not well-formed XML") from exc
    except DefusedXmlException as exc:
        raise SbomError(f"{path.name}: refused ({type(exc).__name__}: DTDs/entities)") from exc
    found = NAMESPACE.match(root.tag)
    if not found:
        raise SbomError(f"{path.name}: not a CycloneDX 1.2-1.6 document (root {root.tag})")
    ns = {"c": root.tag[1:].split("}")[0]}

    def text(element: Element | None, name: str) -> str:
        child = element.find(f"c:{name}", ns) if element is not None else None
        return (child.text or "").strip() if child is not None else ""

    def walk(parent: Element | None, out: list[ComponentData]) -> None:
        if parent is None:
            return
        for item in parent.findall("c:component", ns):
            supplier = item.find("c:supplier", ns)
            out.append(
                ComponentData(
                    name=text(item, "name")[:300],
                    version=text(item, "version")[:100],
                    purl=text(item, "purl")[:500],
                    cpe=text(item, "cpe")[:300],
                    ref=item.get("bom-ref", "")[:500],
                    supplier=text(supplier, "name")[:200] or text(item, "publisher")[:200],
                    kind=item.get("type", "")[:30],
                )
            )
            walk(item.find("c:components", ns), out)

    metadata = root.find("c:metadata", ns)
    subject = metadata.find("c:component", ns) if metadata is not None else None
    parsed = ParsedSbom(
        format="cyclonedx-xml",
        spec_version=found.group(1),
        subject=text(subject, "name"),
        subject_version=text(subject, "version"),
        subject_ref=subject.get("bom-ref", "") if subject is not None else "",
    )
    walk(root.find("c:components", ns), parsed.components)
    parsed.components = [c for c in parsed.components if c.name]
    vulns = root.find("c:vulnerabilities", ns)
    for item in vulns.findall("c:vulnerability", ns) if vulns is not None else []:
        analysis = item.find("c:analysis", ns)
        affects = item.find("c:affects", ns)
        refs = [
            text(target, "ref")
            for target in (affects.findall("c:target", ns) if affects is not None else [])
        ]
        entry: dict[str, Any] = {
            "id": text(item, "id"),
            "aliases": [],
            "refs": [r for r in refs if r],
            "state": text(analysis, "state"),
            "justification": text(analysis, "justification"),
            "detail": text(analysis, "detail")[:2000],
            "summary": text(item, "description")[:500],
        }
        if entry["id"]:
            parsed.vulnerabilities.append(entry)
    return parsed
