"""What a reader yields: a parsed record, or the reason a record must be quarantined, always
with where it came from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Tally:
    """Refused records counted by reason, without their content: what a reader yields once
    the quarantine keeps no more content (`Progress.wants_content` is false), so that a file
    of millions of bad records costs nothing per record."""

    file: str
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(kw_only=True)
class Progress:
    """What a reader and the ingest tell each other while a file is read.

    The reader reports how far it is in the file (`on_position`, bytes as on disk) and how
    many records it accepted (`accept`, told before it yields the rejections of the same
    stretch, since accepted rows may wait in its buffer). The ingest says whether it still
    keeps the content of rejected records (`wants_content`)."""

    on_position: Callable[[int], None] | None = None
    accepted: int = 0
    position: int = 0
    wants_content: bool = True

    def __post_init__(self) -> None:
        told = self.on_position

        def moved(position: int) -> None:
            self.position = position
            if told is not None:
                told(position)

        self.on_position = moved

    def accept(self, count: int) -> None:
        self.accepted += count
