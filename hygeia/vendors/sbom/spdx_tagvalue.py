"""SPDX 2.3 tag-value: `Tag: value` lines; `PackageName` starts a package; `<text>` values
may run over several lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hygeia.vendors.sbom import ParsedSbom, SbomError
from hygeia.vendors.sbom.spdx_json import document, package

MAX_LINE = 1 << 20


def read(path: Path) -> ParsedSbom:
    packages: list[dict[str, Any]] = []
    metadata: dict[str, Any] = {"relationships": []}
    current: dict[str, Any] = metadata
    pending: tuple[str, list[str]] | None = None
    with open(path, encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, 1):
                if len(line) > MAX_LINE:
                    raise SbomError(f"{path.name}: line {number}: longer than {MAX_LINE} bytes")
                if pending is not None:
                    pending[1].append(line)
                    if "</text>" in line:
                        pending = None
                    continue
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                tag, sep, value = line.partition(":")
                if not sep:
                    raise SbomError(f"{path.name}: line {number}: expected 'Tag: value'")
                value = value.strip()
                if value.startswith("<text>") and "</text>" not in value:
                    pending = (tag, [value])
                    continue
                if tag == "PackageName":
                    current = {"name": value, "externalRefs": []}
                    packages.append(current)
                elif tag == "SPDXID":
                    current["SPDXID"] = value
                elif tag == "PackageVersion":
                    current["versionInfo"] = value
                elif tag == "PackageSupplier":
                    current["supplier"] = value
                elif tag == "ExternalRef":
                    parts = value.split()
                    if len(parts) >= 3:
                        current["externalRefs"].append(
                            {"referenceType": parts[1], "referenceLocator": parts[2]}
                        )
                elif tag == "Relationship":
                    parts = value.split()
                    if len(parts) == 3 and parts[1] == "DESCRIBES":
                        metadata["relationships"].append(parts[2])
                elif current is metadata:
                    metadata[tag] = value
        except UnicodeDecodeError as exc:
            raise SbomError(f"{path.name}: not UTF-8 text") from exc
    version = str(metadata.get("SPDXVersion", ""))
    if not version.startswith("SPDX-2."):
        raise SbomError(f"{path.name}: not an SPDX 2.x tag-value document")
    items = [package(p) for p in packages]
    name = str(metadata.get("DocumentName", ""))
    return document("spdx-tag-value", version, name, metadata["relationships"], items)
