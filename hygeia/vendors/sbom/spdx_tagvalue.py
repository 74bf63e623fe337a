"""SPDX 2.3 tag-value: `Tag: value` lines; `PackageName` starts a package; `<text>` values
may run over several lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hygeia.vendors.sbom import ParsedSbom, SbomError
from hygeia.vendors.sbom.spdx_json import package, subject_of

MAX_LINE = 1 << 20


def read(path: Path) -> ParsedSbom:
    packages: list[dict[str, Any]] = []
    document: dict[str, Any] = {"relationships": []}
    current: dict[str, Any] = document
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
                        document["relationships"].append(parts[2])
                elif current is document:
                    document[tag] = value
        except UnicodeDecodeError as exc:
            raise SbomError(f"{path.name}: not UTF-8 text") from exc
    version = str(document.get("SPDXVersion", ""))
    if not version.startswith("SPDX-2."):
        raise SbomError(f"{path.name}: not an SPDX 2.x tag-value document")
    items = [package(p) for p in packages]
    described = document["relationships"]
    name, subject_version, ref = subject_of(str(document.get("SPDXID", "")), described, items)
    return ParsedSbom(
        format="spdx-tag-value",
        spec_version=version.removeprefix("SPDX-"),
        subject=name or str(document.get("DocumentName", ""))[:300],
        subject_version=subject_version,
        subject_ref=ref,
        components=[p for p in items if p.name and p.ref not in described],
    )
