"""Vulnerability data imported from files, one module per format: CISA KEV (JSON feed), OSV
(single records, lists, or an ecosystem dump zip) and CycloneDX VEX. `import_path` picks the
reader from the content. Counts add up: read = stored + duplicate + quarantined.

Files are read as streams (one entry at a time) and written in batches, so memory does not
grow with the file: no size limit is needed here (the web upload has its own)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

from hygeia.streams import JsonDocument, JsonError, keep


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
    problems: list[str] = field(default_factory=list)  # the first ones (streams.MAX_PROBLEMS)
    problems_omitted: int = 0

    def problem(self, text: str) -> None:
        self.problems_omitted += keep(self.problems, text)

    def summary(self) -> str:
        return (
            f"{self.file} ({self.kind}): {self.read} read = {self.stored} stored + "
            f"{self.duplicate} duplicate + {self.quarantined} quarantined"
        )


LOOKUP = 500  # keys per query (under SQLite's limit on variables)


def stored_rows(model: Any, columns: list[str], keys: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """`columns` (the primary key first) of the stored rows among `keys`, a few hundred keys
    per query. Plain SQL: an import looks up every batch, and the ORM's work per query cost
    more than the database's."""
    keys = list(keys)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(keys), LOOKUP):
            chunk = keys[start : start + LOOKUP]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"SELECT {names} FROM {table} WHERE {key} IN ({marks})", chunk)  # noqa: S608
            yield from cursor.fetchall()


def _decides(values: dict[str, Any]) -> bool:
    return "catalogVersion" in values or values.get("bomFormat") == "CycloneDX"


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
    document = JsonDocument(path)
    try:
        # The kind from the top-level keys, read until one decides it: a KEV catalog's
        # `catalogVersion` may come after its `vulnerabilities` (then the whole file is
        # scanned once, cheaply, without keeping it).
        top = document.top_level(_decides)
        if top.kind == "object" and "catalogVersion" in top.values:
            return kev.import_catalog(path.name, document, top.values["catalogVersion"])
        if top.kind == "object" and top.values.get("bomFormat") == "CycloneDX":
            return vex.import_document(path.name, document)
        if top.kind == "array":
            return osv.import_records(path.name, document.items("item"))
        if top.kind == "object":
            return osv.import_record(path, document, top)
    except JsonError as exc:
        raise VulnFileError(f"{path.name}: {exc}") from exc
    raise VulnFileError(f"{path.name}: not a KEV catalog, OSV record or CycloneDX VEX document")
