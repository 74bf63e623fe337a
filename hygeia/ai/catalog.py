"""The catalog of AI services (content/ai/services.yaml, plus a site's own file) and the
classification of web destinations against it.

A domain matches itself and its subdomains ("chatgpt.com" matches "ab.chatgpt.com"); the
longest match wins. Entries with a path ("bing.com/images/create") match only where the log
shows the URL's path (proxy logs), never from a host name alone (DNS logs), so that a whole
search engine is not counted as an AI service.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml
from django.conf import settings

SHIPPED = Path(__file__).resolve().parents[1] / "content" / "ai" / "services.yaml"
CATEGORIES = (
    "chat", "coding", "scribe", "image", "video", "audio", "search", "agent", "api",
    "writing", "research", "meeting", "clinical", "translation",
)  # fmt: skip


class CatalogError(ValueError):
    """An entry that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True)
class Service:
    name: str
    vendor: str
    category: str
    domains: tuple[str, ...]
    baa: str  # yes | enterprise | no


def _baa(value: object) -> str:
    if value is True:
        return "yes"
    if value is False or value is None:
        return "no"
    return str(value)


def parse(text: str, source: str) -> list[Service]:
    data = yaml.safe_load(text) or {}
    found = []
    for n, entry in enumerate(data.get("services") or [], start=1):
        try:
            name, vendor, category, domains, extra = entry
        except (TypeError, ValueError) as exc:
            raise CatalogError(f"{source}: entry {n}: expected [name, vendor, category, "
                               "[domains], baa: ...]") from exc  # fmt: skip
        if category not in CATEGORIES:
            raise CatalogError(f"{source}: {name}: unknown category {category!r}")
        clean = tuple(d.strip().lower().rstrip("/") for d in domains if d and d.strip())
        if not clean:
            raise CatalogError(f"{source}: {name}: no domain")
        found.append(Service(name, vendor, category, clean, _baa((extra or {}).get("baa"))))
    return found


class Catalog:
    def __init__(self, services: Iterable[Service]) -> None:
        self.services = list(services)
        self.hosts: dict[str, Service] = {}
        self.paths: dict[str, list[tuple[str, Service]]] = {}
        for service in self.services:
            for domain in service.domains:
                host, _, path = domain.partition("/")
                if path:
                    self.paths.setdefault(host, []).append(("/" + path, service))
                else:
                    self.hosts[host] = service

    def classify(self, host: str, path: str = "") -> Service | None:
        """The service a destination belongs to, or None."""
        host = host.strip().lower().rstrip(".")
        labels = host.split(".")
        for i in range(len(labels) - 1):
            suffix = ".".join(labels[i:])
            if path and suffix in self.paths:
                for prefix, service in self.paths[suffix]:
                    if path.lower().startswith(prefix):
                        return service
            found = self.hosts.get(suffix)
            if found is not None:
                return found
        return None

    def classify_column(self, hosts: pa.Array, paths: pa.Array | None = None) -> pa.Array:
        """Service names (null when none) for a column of hosts: each distinct host, or
        host and path, is classified once."""
        if paths is not None and self.paths:
            keys = pc.binary_join_element_wise(hosts, paths, "\x1f")
        else:
            keys = hosts
        encoded = pc.dictionary_encode(keys).combine_chunks() if isinstance(
            keys, pa.ChunkedArray) else pc.dictionary_encode(keys)  # fmt: skip
        names = []
        for key in encoded.dictionary.to_pylist():
            host, _, path = (key or "").partition("\x1f")
            service = self.classify(host, path)
            names.append(service.name if service else None)
        return pc.take(pa.array(names, pa.string()), encoded.indices)

    def by_name(self) -> dict[str, Service]:
        return {s.name: s for s in self.services}


@cache
def _shipped() -> tuple[Service, ...]:
    return tuple(parse(SHIPPED.read_text(encoding="utf-8"), str(SHIPPED)))


def catalog() -> Catalog:
    """The shipped catalog, with the site's own entries (same name: the site's wins)."""
    services = {s.name: s for s in _shipped()}
    local = Path(settings.DATA_DIR) / "ai" / "services.yaml"
    if local.exists():
        for service in parse(local.read_text(encoding="utf-8"), str(local)):
            services[service.name] = service
    return Catalog(services.values())
