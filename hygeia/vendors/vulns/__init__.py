"""Vulnerability data imported from files, one module per format: CISA KEV (JSON feed), OSV
(single records, lists, or an ecosystem dump zip) and CycloneDX VEX. `import_path` picks the
reader from the content. Counts add up: read = stored + duplicate + quarantined."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import orjson

MAX_JSON_BYTES = 512 * 1024 * 1024


class VulnFileError(ValueError):
    """A file that cannot be imported at all; the message names it."""


@dataclass
class ImportReport:
    file: str
    kind: str = ""
    read: int = 0
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.file} ({self.kind}): {self.read} read = {self.stored} stored + "
            f"{self.duplicate} duplicate + {self.quarantined} quarantined"
        )


def load_json(path: Path) -> object:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise VulnFileError(f"{path.name}: {size / 1e6:.0f} MB is over the limit")
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise VulnFileError(f"{path.name}: line {exc.lineno}: not valid JSON ({exc.msg})") from exc


def import_path(path: Path) -> ImportReport:
    from hygeia.vendors.vulns import kev, osv, vex

    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise VulnFileError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if head.startswith(b"PK"):
        try:
            return osv.import_zip(path)
        except zipfile.BadZipFile as exc:
            raise VulnFileError(f"{path.name}: damaged or truncated zip file") from exc
    data = load_json(path)
    if isinstance(data, dict) and "catalogVersion" in data:
        return kev.import_catalog(path.name, data)
    if isinstance(data, dict) and data.get("bomFormat") == "CycloneDX":
        return vex.import_document(path.name, data)
    if isinstance(data, dict | list):
        return osv.import_records(path.name, data if isinstance(data, list) else [data])
    raise VulnFileError(f"{path.name}: not a KEV catalog, OSV record or CycloneDX VEX document")
