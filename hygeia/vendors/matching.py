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
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from packageurl import PackageURL

from hygeia.vendors.versions import Intervals, generic_key, intervals, pep440_key

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


class Package:
    """Every affected range and version of one package, arranged for fast lookups: spans
    sorted by their lower bound (a bisect skips those starting above the version), exact
    versions in a dict, and each answer remembered (estates repeat component versions)."""

    def __init__(self, ecosystem: str) -> None:
        self.ecosystem = ecosystem
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.open_start: dict[str, list[tuple[Any, bool, str]]] = defaultdict(list)
        self.spans: dict[str, list[tuple[Any, Any, bool, str]]] = defaultdict(list)
        self.lowers: dict[str, list[Any]] = {}
        self.answers: dict[str, tuple[str, ...]] = {}

    def add(self, vulnerability: str, ranges: Intervals, versions: Iterable[str]) -> None:
        for version in versions:
            self.exact[version].add(vulnerability)
        for lower, upper, inclusive in ranges.spans:
            if lower is None:
                self.open_start[ranges.kind].append((upper, inclusive, vulnerability))
            else:
                self.spans[ranges.kind].append((lower, upper, inclusive, vulnerability))
        self.lowers.clear()
        self.answers.clear()

    def _sorted(self) -> None:
        for kind, spans in self.spans.items():
            spans.sort(key=lambda span: span[0])
            self.lowers[kind] = [span[0] for span in spans]

    def affected_by(self, version: str) -> tuple[str, ...]:
        if not version:
            return ()
        known = self.answers.get(version)
        if known is not None:
            return known
        if self.spans and not self.lowers:
            self._sorted()
        found = set(self.exact.get(version, ())) | set(self.exact.get(version.lstrip("vV"), ()))
        for kind in set(self.spans) | set(self.open_start):
            value = pep440_key(version) if kind == "pep440" else generic_key(version)
            if value is None:
                continue
            for upper, inclusive, vid in self.open_start.get(kind, ()):
                if upper is None or value < upper or (inclusive and value == upper):
                    found.add(vid)
            spans = self.spans.get(kind, [])
            for _, upper, inclusive, vid in spans[: bisect_right(self.lowers.get(kind, []), value)]:
                if upper is None or value < upper or (inclusive and value == upper):
                    found.add(vid)
        answer = tuple(sorted(found))
        self.answers[version] = answer
        return answer


class Index:
    """Affected packages of vulnerability records, by (ecosystem, name) and by bare name."""

    def __init__(self) -> None:
        self.by_package: dict[tuple[str, str], Package] = {}
        self.by_name: dict[str, set[tuple[str, str]]] = defaultdict(set)
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
            key = (ecosystem.lower(), normalise_name(ecosystem, name))
            if key not in self.by_package:
                self.by_package[key] = Package(ecosystem)
                self.by_name[key[1].rsplit(":", 1)[-1].rsplit("/", 1)[-1]].add(key)
            self.by_package[key].add(
                vulnerability,
                intervals(list(entry.get("ranges") or ()), ecosystem),
                [str(v) for v in entry.get("versions") or ()],
            )


def match_component(index: Index, purl: str, name: str, version: str) -> list[tuple[str, str]]:
    """[(vulnerability id, how)] for one component."""
    package = package_of_purl(purl) if purl else None
    if package:
        ecosystem, package_name, purl_version = package
        version = purl_version or version
        keys = [(ecosystem.lower(), package_name)]
        how = "purl"
    else:
        keys = sorted(index.by_name.get(normalise_name("", name), ())) if name else []
        how = "name"
    found: dict[str, str] = {}
    for key in keys:
        bucket = index.by_package.get(key)
        for vid in bucket.affected_by(version) if bucket else ():
            found.setdefault(vid, how)
    return list(found.items())


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
