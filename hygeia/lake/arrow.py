"""Dataclass records -> Arrow tables, so a reader only describes its records once."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from typing import Any

import pyarrow as pa

_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    date: pa.date32(),
    datetime: pa.timestamp("us", tz="UTC"),
}


def _arrow_type(hint: Any) -> pa.DataType:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _arrow_type(inner[0])
    if origin in (tuple, list):
        return pa.list_(_arrow_type(typing.get_args(hint)[0]))
    if origin is dict or hint is dict:
        return pa.string()  # kept as JSON text
    return _SCALARS[hint]


def schema_for(cls: type, *extra: tuple[str, pa.DataType]) -> pa.Schema:
    """The Arrow schema of a dataclass's fields, followed by `extra` columns."""
    hints = typing.get_type_hints(cls)
    fields = [pa.field(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(cls)]
    fields.extend(pa.field(name, kind) for name, kind in extra)
    return pa.schema(fields)
