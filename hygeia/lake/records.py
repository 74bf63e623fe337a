"""What a reader yields: a parsed record, or the reason a record must be quarantined, always
with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Location:
    """Where a record came from: file and 1-based line (or record number for binary formats)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class RecordError(Exception):
    """A record that cannot be used; the message says why, without quoting its content
    (which may hold patient identifiers)."""


@dataclass(frozen=True)
class Parsed(Generic[T]):
    location: Location
    value: T


@dataclass(frozen=True)
class Rejected:
    location: Location
    reason: str
    content: str = ""  # the record as read (truncated), for the quarantine browser only


@dataclass(frozen=True)
class Unread:
    """What a reader could not read after a fault it cannot get past (a corrupt compressed
    stream, XML it cannot resynchronise on): the remainder is counted, never silently lost.

    `bytes` is what was left of the file (as stored on disk, so compressed bytes for a gzip
    file); `records` is how many records it holds where that can be counted, else None."""

    location: Location
    reason: str
    bytes: int
    records: int | None = None
