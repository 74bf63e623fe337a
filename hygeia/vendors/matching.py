"""Match SBOM components to vulnerability records.

Three ways, strongest first, and each match says which one found it:
- `purl`: the component's package URL gives an ecosystem and package name, looked up in an
  index of the OSV records' affected packages, then its version is checked against the exact
  `versions` list or the ranges;
- `name`: a component without a package URL is looked up by name alone (any ecosystem), the
  version still checked — weaker, so it is labelled;
- `cpe`: a component's CPE vendor and product appear in CISA's KEV catalog. KEV does not say
  which versions, so these are "possible" until someone checks.
SBOM-declared vulnerabilities and VEX statements are applied on top by `exposure.rematch`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from packageurl import PackageURL

from hygeia.vendors.versions import in_ranges

# purl type -> OSV ecosystem name
ECOSYSTEMS = {
    "maven": "Maven",
    "npm": "npm",
    "pypi": "PyPI",
    "golang": "Go",
    "composer": "Packagist",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "hex": "Hex",
    "pub": "Pub",
    "deb": "Debian",
    "apk": "Alpine",
    "rpm": "Red Hat",
    "conan": "ConanCenter",
    "swift": "SwiftURL",
    "cocoapods": "CocoaPods",
}


@dataclass(frozen=True)
class Affected:
    vulnerability: str
    ecosystem: str
    ranges: tuple[Any, ...]
    versions: frozenset[str]


def normalise_name(ecosystem: str, name: str) -> str:
    name = name.strip().lower()
    if ecosystem.lower() == "pypi":
        return re.sub(r"[-_.]+", "-", name)
    return name


def package_of_purl(purl: str) -> tuple[str, str, str] | None:
    """(ecosystem, package name as OSV spells it, version) for a package URL."""
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    ecosystem = ECOSYSTEMS.get(parsed.type, parsed.type)
    namespace = parsed.namespace or ""
    if parsed.type == "maven":
        name = f"{namespace}:{parsed.name}" if namespace else parsed.name
    elif (parsed.type in ("npm",) and namespace) or (
        parsed.type in ("golang", "composer", "swift") and namespace
    ):
        name = f"{namespace}/{parsed.name}"
    else:
        name = parsed.name
    return ecosystem, normalise_name(ecosystem, name), parsed.version or ""


class Index:
    """Affected packages of vulnerability records, by (ecosystem, name) and by name."""

    def __init__(self) -> None:
        self.by_package: dict[tuple[str, str], list[Affected]] = defaultdict(list)
        self.by_name: dict[str, list[Affected]] = defaultdict(list)
        self.records = 0

    def add(self, vulnerability: str, affected: Iterable[dict[str, Any]]) -> None:
        self.records += 1
        for entry in affected:
            package = entry.get("package") or {}
            ecosystem = str(package.get("ecosystem", "")).split(":", 1)[0]
            name = str(package.get("name", ""))
            if not name and package.get("purl"):
                found = package_of_purl(str(package["purl"]))
                if found:
                    ecosystem, name, _ = found
            if not name:
                continue
            item = Affected(
                vulnerability=vulnerability,
                ecosystem=ecosystem,
                ranges=tuple(entry.get("ranges") or ()),
                versions=frozenset(str(v) for v in entry.get("versions") or ()),
            )
            normalised = normalise_name(ecosystem, name)
            self.by_package[(ecosystem.lower(), normalised)].append(item)
            self.by_name[normalised.rsplit(":", 1)[-1].rsplit("/", 1)[-1]].append(item)


def affects(item: Affected, version: str) -> bool:
    if not version:
        return False
    if version in item.versions or version.removeprefix("v") in item.versions:
        return True
    return bool(item.ranges) and in_ranges(version, list(item.ranges), item.ecosystem)


def match_component(index: Index, purl: str, name: str, version: str) -> list[tuple[str, str]]:
    """[(vulnerability id, how)] for one component."""
    found: list[tuple[str, str]] = []
    package = package_of_purl(purl) if purl else None
    if package:
        ecosystem, package_name, purl_version = package
        version = purl_version or version
        candidates = index.by_package.get((ecosystem.lower(), package_name), [])
        how = "purl"
    else:
        candidates = index.by_name.get(normalise_name("", name), []) if name else []
        how = "name"
    seen: set[str] = set()
    for item in candidates:
        if item.vulnerability not in seen and affects(item, version):
            seen.add(item.vulnerability)
            found.append((item.vulnerability, how))
    return found


def cpe_key(cpe: str) -> tuple[str, str] | None:
    """(vendor, product) of a CPE 2.3 or 2.2 name, normalised for comparison."""
    if cpe.startswith("cpe:2.3:"):
        parts = cpe.split(":")
        if len(parts) > 4:
            return _norm(parts[3]), _norm(parts[4])
    elif cpe.startswith("cpe:/"):
        parts = cpe[5:].split(":")
        if len(parts) > 2:
            return _norm(parts[1]), _norm(parts[2])
    return None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def kev_products(entries: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], list[str]]:
    """(vendor, product) -> KEV CVE ids, from (cve, vendorProject, product)."""
    table: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cve, vendor, product in entries:
        table[(_norm(vendor), _norm(product))].append(cve)
    return table
