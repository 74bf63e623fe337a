"""Helpers for reading FHIR JSON defensively: every accessor tolerates a missing element or
one of the wrong JSON type (hostile or sloppy exports), returning an empty value instead."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hygeia.lake.records import RecordError
from hygeia.privacy.events import parse_instant


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[dict[str, Any]]:
    """The objects in a list (or the object itself, for elements exporters do not wrap)."""
    if isinstance(value, dict):
        return [value]
    return [item for item in as_list(value) if isinstance(item, dict)]


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    return (
        str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
    )


def first(items: Any, prefer: tuple[str, str] | None = None) -> dict[str, Any]:
    """The preferred item (by a key's value), else the first object in a list."""
    candidates = dicts(items)
    if prefer:
        key, wanted = prefer
        for item in candidates:
            if item.get(key) == wanted:
                return item
    return candidates[0] if candidates else {}


def codings(value: Any) -> list[dict[str, Any]]:
    """Codings from a Coding, a CodeableConcept, an R5 CodeableReference, or a list of them."""
    found: list[dict[str, Any]] = []
    for item in dicts(value):
        if isinstance(item.get("coding"), list):
            found.extend(c for c in item["coding"] if isinstance(c, dict))
        elif "code" in item:
            found.append(item)
        elif "concept" in item:
            found.extend(codings(item["concept"]))
    return found


def codes(value: Any) -> list[str]:
    return [text(c["code"]) for c in codings(value) if text(c.get("code"))]


def reference(value: Any) -> str:
    """The `reference` of a Reference (R5 CodeableReference: of its `reference`)."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            return value["reference"].strip()
        if isinstance(value.get("reference"), dict):
            return reference(value["reference"])
    return ""


def id_of(ref: str, wanted: str) -> str:
    """'Practitioner/12' -> '12' when the reference points to a `wanted`, else ''."""
    parts = [p for p in ref.split("/") if p]
    if len(parts) >= 2 and parts[-2] == wanted:
        return parts[-1]
    return ""


def refs_to(values: Any, wanted: str) -> tuple[str, ...]:
    found = (id_of(reference(v), wanted) for v in dicts(values))
    return tuple(dict.fromkeys(f for f in found if f))


def require_type(resource: dict[str, Any], wanted: str) -> str:
    """The resource's id, after checking it is a `wanted`; RecordError otherwise."""
    if resource.get("resourceType") != wanted:
        raise RecordError(
            f"resourceType is {text(resource.get('resourceType'))[:40]!r}, not {wanted!r}"
        )
    ident = text(resource.get("id"))
    if not ident:
        raise RecordError(f"the {wanted} has no id")
    return ident


def fhir_date(value: Any, what: str) -> date | None:
    """A FHIR date (YYYY, YYYY-MM or YYYY-MM-DD, or the date part of a dateTime)."""
    if not value:
        return None
    raw = text(value)
    try:
        if len(raw) == 4:
            return date(int(raw), 1, 1)
        if len(raw) == 7:
            return date(int(raw[:4]), int(raw[5:7]), 1)
        return date.fromisoformat(raw[:10])
    except ValueError as exc:
        raise RecordError(f"{what} is not a FHIR date") from exc


def date_time(value: Any, what: str) -> datetime | None:
    """A FHIR dateTime: a date alone means its first instant in UTC. Any year a date can
    hold: context dates reach far back (and forward) of the events' window."""
    raw = text(value)
    if not raw:
        return None
    if len(raw) <= 10:
        raw = (raw + "-01-01")[:10] if len(raw) < 10 else raw
        raw += "T00:00:00Z"
    return parse_instant(raw, what, bounded=False)[0]


def person_name(value: Any) -> tuple[str, str]:
    """(family, given) from the official name, else the first."""
    name = first(value, ("use", "official"))
    given = " ".join(text(g) for g in as_list(name.get("given")) if text(g))
    return text(name.get("family")), given
