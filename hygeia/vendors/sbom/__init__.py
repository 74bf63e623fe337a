"""SBOM readers, one module per format: CycloneDX (JSON and XML, 1.2-1.6) and SPDX 2.3 (JSON
and tag-value). `read(path)` picks the reader from the file's content, not its name.

Every format is read as a stream, so memory grows with the components found, not with the
file: no size limit is needed here (the web upload has its own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class SbomError(ValueError):
    """An SBOM that cannot be read; the message names the file (and line where known)."""


@dataclass(slots=True)  # an SBOM may list a hundred thousand of them
class ComponentData:
    name: str
    version: str = ""
    purl: str = ""
    cpe: str = ""
    ref: str = ""
    supplier: str = ""
    kind: str = ""


@dataclass
class ParsedSbom:
    format: str
    spec_version: str
    subject: str = ""
    subject_ref: str = ""
    subject_version: str = ""
    components: list[ComponentData] = field(default_factory=list)
    # CycloneDX vulnerabilities/VEX carried in the SBOM: {id, aliases, refs, state, ...}
    vulnerabilities: list[dict[str, Any]] = field(default_factory=list)


def read(path: Path) -> ParsedSbom:
    from hygeia.vendors.sbom import cyclonedx_json, cyclonedx_xml, spdx_json, spdx_tagvalue

    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise SbomError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if head.startswith(b"{"):
        text = head.decode("utf-8", "replace")
        if '"spdxVersion"' in text or '"SPDXID"' in text:
            return spdx_json.read(path)
        return cyclonedx_json.read(path)
    if head.startswith(b"<"):
        return cyclonedx_xml.read(path)
    if b"SPDXVersion:" in head:
        return spdx_tagvalue.read(path)
    raise SbomError(f"{path.name}: not a CycloneDX (JSON/XML) or SPDX (JSON/tag-value) document")
