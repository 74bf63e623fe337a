"""Frameworks as data: Hygeia's YAML/JSON format (content/program/frameworks/) and OSCAL
catalogs (JSON), so that a further framework is a file, not code.

Hygeia's format: `key`, `version`, `title`, `source`, `levels` (names of the hierarchy's
levels), and `requirements`, a tree of `{ref, title, description, children, maps_to,
evidence, required}`. Leaves are assessed; `maps_to: {other-framework-key: [refs]}` links a
requirement to those it helps meet, resolved once both frameworks are loaded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from hygeia.program.models import Framework, Mapping, Requirement

CONTENT = Path(__file__).resolve().parent.parent / "content" / "program" / "frameworks"
MAX_BYTES = 64 * 1024 * 1024
ATTRIBUTES = ("required", "evidence", "sizes", "cpg")


class FrameworkError(ValueError):
    """A framework file that cannot be used; the message names the file (and the entry)."""


@dataclass
class Node:
    ref: str
    title: str
    level: str
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    maps_to: dict[str, list[str]] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


@dataclass
class Definition:
    key: str
    version: str
    title: str
    source: str
    description: str
    nodes: list[Node]

    def walk(self) -> Iterator[tuple[Node, Node | None]]:
        stack: list[tuple[Node, Node | None]] = [(n, None) for n in reversed(self.nodes)]
        while stack:
            node, parent = stack.pop()
            yield node, parent
            stack.extend((c, node) for c in reversed(node.children))


def _hygeia_nodes(items: Any, levels: list[str], depth: int, origin: str) -> list[Node]:
    nodes = []
    for number, item in enumerate(items or [], 1):
        if not isinstance(item, dict) or not item.get("ref") or not item.get("title"):
            raise FrameworkError(
                f"{origin}: entry {number} at depth {depth + 1} needs ref and title"
            )
        level = levels[depth] if depth < len(levels) else f"level {depth + 1}"
        maps = item.get("maps_to") or {}
        if not isinstance(maps, dict):
            raise FrameworkError(
                f"{origin}: {item['ref']}: maps_to must map framework keys to refs"
            )
        nodes.append(
            Node(
                ref=str(item["ref"]),
                title=str(item["title"])[:300],
                level=level,
                description=str(item.get("description", "")),
                attributes={k: item[k] for k in ATTRIBUTES if k in item},
                maps_to={str(k): [str(r) for r in v] for k, v in maps.items()},
                children=_hygeia_nodes(item.get("children"), levels, depth + 1, origin),
            )
        )
    return nodes


def _oscal_text(parts: Any, name: str) -> str:
    for part in parts or []:
        if part.get("name") == name:
            text = str(part.get("prose", "")).strip()
            nested = " ".join(_oscal_text([p], p.get("name", "")) for p in part.get("parts") or [])
            return (text + " " + nested).strip()
    return ""


def _oscal_ref(item: dict[str, Any]) -> str:
    """The label people use (SP 800-53's "AC-2" for id "ac-2"), unless the label is a
    sentence (CSF's "GOVERN (GV)"), then the id ("GV")."""
    for prop in item.get("props") or []:
        if prop.get("name") == "label" and prop.get("class") != "sp800-53a":
            label = str(prop.get("value", ""))
            if label and " " not in label:
                return label
    return str(item.get("id", ""))


def _oscal_nodes(items: Any, depth: int, origin: str) -> list[Node]:
    nodes = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("id"):
            raise FrameworkError(f"{origin}: a group or control without an id")
        if any(p.get("name") == "status" and p.get("value") == "withdrawn"
               for p in item.get("props") or []):  # fmt: skip
            continue
        children = _oscal_nodes(item.get("groups"), depth + 1, origin) + _oscal_nodes(
            item.get("controls"), depth + 1, origin
        )
        ref = _oscal_ref(item)
        statement = _oscal_text(item.get("parts"), "statement") or _oscal_text(
            item.get("parts"), "overview"
        )
        title = str(item.get("title", "")) or ref
        if title in (ref, item["id"]) and statement:  # CSF subcategories: the id is the title
            title = statement
        nodes.append(
            Node(
                ref=ref,
                title=title[:300],
                level=str(item.get("class", "")) or ("group" if "groups" in item else "control"),
                description=statement,
                children=children,
            )
        )
    return nodes


def parse(path: Path) -> Definition:
    """A framework from Hygeia's YAML/JSON or an OSCAL catalog JSON."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FrameworkError(f"{path.name}: larger than {MAX_BYTES // 2**20} MB")
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError(f"{path.name}: cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise FrameworkError(f"{path.name}: line {exc.lineno}: not valid JSON") from exc
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path.name}: not valid YAML ({exc})") from exc
    if isinstance(data, dict) and "catalog" in data:
        catalog = data["catalog"]
        metadata = catalog.get("metadata") or {}
        title = str(metadata.get("title", path.stem))
        nodes = _oscal_nodes(catalog.get("groups"), 0, path.name) + _oscal_nodes(
            catalog.get("controls"), 0, path.name
        )
        definition = Definition(
            key=str(catalog.get("uuid", path.stem))[:60] if not metadata.get("title") else
            "-".join(title.lower().split())[:60],
            version=str(metadata.get("version", "")) or "1",
            title=title[:200],
            source=f"OSCAL catalog {path.name}",
            description=str(metadata.get("remarks", "")),
            nodes=nodes,
        )  # fmt: skip
    elif isinstance(data, dict) and data.get("key") and data.get("requirements"):
        definition = Definition(
            key=str(data["key"])[:60],
            version=str(data.get("version", "1"))[:40],
            title=str(data.get("title", data["key"]))[:200],
            source=str(data.get("source", ""))[:300],
            description=str(data.get("description", "")),
            nodes=_hygeia_nodes(data["requirements"], list(data.get("levels") or []), 0, path.name),
        )
    else:
        raise FrameworkError(f"{path.name}: not an OSCAL catalog or a Hygeia framework file")
    refs = [node.ref for node, _ in definition.walk()]
    duplicates = sorted({r for r in refs if refs.count(r) > 1})
    if duplicates:
        raise FrameworkError(
            f"{path.name}: requirement refs used twice: {', '.join(duplicates[:5])}"
        )
    if not refs:
        raise FrameworkError(f"{path.name}: no requirements")
    return definition


@transaction.atomic
def install(definition: Definition) -> tuple[Framework, bool]:
    """Store a framework version (once: a loaded version is never rewritten)."""
    framework, created = Framework.objects.get_or_create(
        key=definition.key,
        version=definition.version,
        defaults={"title": definition.title, "source": definition.source,
                  "description": definition.description},
    )  # fmt: skip
    if not created:
        return framework, False
    saved: dict[str, Requirement] = {}
    for position, (node, parent) in enumerate(definition.walk()):
        saved[node.ref] = Requirement.objects.create(
            framework=framework,
            parent=saved[parent.ref] if parent else None,
            ref=node.ref,
            level=node.level,
            title=node.title,
            description=node.description,
            assessable=not node.children,
            attributes={**node.attributes, "maps_to": node.maps_to}
            if node.maps_to
            else node.attributes,
            position=position,
        )
    return framework, True


def latest(key: str) -> Framework | None:
    """The most recently loaded version of a framework."""
    return Framework.objects.filter(key=key).order_by("-loaded_at").first()


def resolve_mappings() -> int:
    """Create the mappings named in `maps_to` whose target framework is loaded (the latest
    version of each key). Idempotent; returns how many exist."""
    latest: dict[str, Framework] = {}
    for framework in Framework.objects.order_by("loaded_at"):
        latest[framework.key] = framework
    targets = {
        (r.framework.key, r.ref): r
        for r in Requirement.objects.filter(framework__in=latest.values()).select_related(
            "framework"
        )
    }
    for source in Requirement.objects.filter(attributes__has_key="maps_to"):
        for key, refs in source.attributes["maps_to"].items():
            for ref in refs:
                target = targets.get((key, ref))
                if target is not None:
                    Mapping.objects.get_or_create(source=source, target=target)
    return Mapping.objects.count()


def install_bundled() -> list[Framework]:
    installed = [install(parse(path))[0] for path in sorted(CONTENT.glob("*.yaml"))]
    resolve_mappings()
    return installed


def import_file(path: Path) -> tuple[Framework, bool]:
    framework, created = install(parse(path))
    resolve_mappings()
    return framework, created


def counts(framework: Framework) -> dict[str, int]:
    """Nodes per level, and assessable requirements."""
    result: dict[str, int] = {}
    for level in framework.requirements.values_list("level", flat=True):
        result[level] = result.get(level, 0) + 1
    result["assessable"] = framework.requirements.filter(assessable=True).count()
    return result
