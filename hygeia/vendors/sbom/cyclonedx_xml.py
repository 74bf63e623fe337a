"""CycloneDX XML, specification 1.2 to 1.6. Parsed with defusedxml: no entities, no DTDs.

Read as a stream (iterparse): each top-level component, with the components nested in it, is
read when its end tag arrives and then dropped from the tree, as is every other top-level
section's entry, so memory grows with the components found, not with the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from hygeia.vendors.sbom import ComponentData, ParsedSbom, SbomError

NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(1\.[2-6])\}bom$")


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = {"c": namespace}
        names = ("metadata", "components", "component", "vulnerabilities", "vulnerability")
        self.tag = {name: f"{{{namespace}}}{name}" for name in names}

    def text(self, element: Element | None, name: str) -> str:
        child = element.find(f"c:{name}", self.ns) if element is not None else None
        return (child.text or "").strip() if child is not None else ""

    def component(self, item: Element, out: list[ComponentData]) -> None:
        """One component, then those nested in it (their <components>), in document order."""
        supplier = item.find("c:supplier", self.ns)
        out.append(
            ComponentData(
                name=self.text(item, "name")[:300],
                version=self.text(item, "version")[:100],
                purl=self.text(item, "purl")[:500],
                cpe=self.text(item, "cpe")[:300],
                ref=item.get("bom-ref", "")[:500],
                supplier=self.text(supplier, "name")[:200] or self.text(item, "publisher")[:200],
                kind=item.get("type", "")[:30],
            )
        )
        nested = item.find("c:components", self.ns)
        for child in nested.findall("c:component", self.ns) if nested is not None else []:
            self.component(child, out)

    def subject(self, metadata: Element, parsed: ParsedSbom) -> None:
        subject = metadata.find("c:component", self.ns)
        parsed.subject = self.text(subject, "name")
        parsed.subject_version = self.text(subject, "version")
        parsed.subject_ref = subject.get("bom-ref", "") if subject is not None else ""

    def vulnerability(self, item: Element) -> dict[str, Any] | None:
        analysis = item.find("c:analysis", self.ns)
        affects = item.find("c:affects", self.ns)
        targets = affects.findall("c:target", self.ns) if affects is not None else []
        refs = [self.text(target, "ref") for target in targets]
        entry: dict[str, Any] = {
            "id": self.text(item, "id"),
            "aliases": [],
            "refs": [r for r in refs if r],
            "state": self.text(analysis, "state"),
            "justification": self.text(analysis, "justification"),
            "detail": self.text(analysis, "detail")[:2000],
            "summary": self.text(item, "description")[:500],
        }
        return entry if entry["id"] else None


def read(path: Path) -> ParsedSbom:
    """As the whole tree was read: the first <metadata>, <components> and <vulnerabilities>
    under the root count, and a document that is not CycloneDX is said to be so once it is
    known to be well-formed."""
    stack: list[Element] = []
    reader: _Reader | None = None
    parsed = ParsedSbom(format="cyclonedx-xml", spec_version="")
    root_tag = ""
    done: set[str] = set()  # tags of the root sections ended (only the first of each counts)
    try:
        for event, element in iterparse(str(path), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if not stack:
                    root_tag = element.tag
                    found = NAMESPACE.match(root_tag)
                    if found:
                        reader = _Reader(root_tag[1:].split("}")[0])
                        parsed.spec_version = found.group(1)
                stack.append(element)
                continue
            stack.pop()
            if len(stack) == 2:  # an entry of a root section: read, then dropped
                if reader is not None:
                    section = stack[1].tag
                    if section in done:
                        pass
                    elif section == reader.tag["components"]:
                        if element.tag == reader.tag["component"]:
                            reader.component(element, parsed.components)
                    elif section == reader.tag["vulnerabilities"]:
                        if element.tag == reader.tag["vulnerability"]:
                            entry = reader.vulnerability(element)
                            if entry:
                                parsed.vulnerabilities.append(entry)
                    elif section == reader.tag["metadata"]:
                        continue  # small: read whole when it ends
                stack[1].remove(element)
            elif len(stack) == 1:  # a root section ends
                first = element.tag not in done
                if reader is not None and element.tag == reader.tag["metadata"] and first:
                    reader.subject(element, parsed)
                done.add(element.tag)
                stack[0].remove(element)
    except ParseError as exc:
        line = exc.position[0] if exc.position else "?"
        raise SbomError(f"{path.name}: line {line}: not well-formed XML") from exc
    except DefusedXmlException as exc:
        raise SbomError(f"{path.name}: refused ({type(exc).__name__}: DTDs/entities)") from exc
    if reader is None:
        raise SbomError(f"{path.name}: not a CycloneDX 1.2-1.6 document (root {root_tag})")
    parsed.components = [c for c in parsed.components if c.name]
    return parsed
