"""Streaming NDJSON reading (plain or gzip) that survives hostile input.

Memory stays bounded whatever the file: lines are read up to a limit, an over-long line is
skipped to its end and reported, and a truncated or corrupt gzip stream ends the file with a
report on the line where it broke and, for a corrupt one, the compressed bytes left unread
(`broken_stream`). Nothing in a record can make the reader fetch anything.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, TypeVar

import orjson

from hygeia.lake.records import Location, Parsed, RecordError, Rejected, Unread

T = TypeVar("T")

MAX_LINE_BYTES = 1 << 20  # a FHIR AuditEvent is a few KB; 1 MiB leaves room for odd exporters
QUARANTINE_CONTENT_BYTES = 4096  # how much of a refused line is kept for the quarantine browser
POSITION_EVERY = 4096  # lines between progress reports
GZIP_MAGIC = b"\x1f\x8b"
# What a stream that cannot be decoded to its end raises: zlib.error and BadGzipFile (an
# OSError) for a corrupt one, EOFError for one cut short.
BROKEN = (EOFError, OSError, zlib.error)


def excerpt(raw: bytes) -> str:
    return raw[:QUARANTINE_CONTENT_BYTES].decode("utf-8", errors="replace").rstrip("\r\n")


def open_maybe_gzip(handle: IO[bytes]) -> IO[bytes]:
    """The handle itself, or a gzip reader over it when the file starts with gzip's magic."""
    magic = handle.read(2)
    handle.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def broken_stream(
    name: str, line: int, error: Exception, raw_handle: IO[bytes], partial: bytes = b""
) -> Iterator[Rejected | Unread]:
    """What a file whose stream broke at `line` leaves: that line rejected (`partial` is what
    was decoded of it), and the bytes on disk after what the decompressor was given, as
    `Unread`, when any are left: a corrupt stream cannot be decoded past the fault, while a
    file cut short has nothing left. Records in the remainder cannot be counted without
    decoding it. The decompressor reads ahead (up to 128 KiB), so a fault that close to the
    end leaves nothing counted."""
    kind = type(error).__name__
    where = Location(name, line)
    yield Rejected(where, f"file is truncated or corrupt from here on ({kind})", excerpt(partial))
    left = os.fstat(raw_handle.fileno()).st_size - raw_handle.tell()
    if left > 0:
        yield Unread(where, f"the compressed stream cannot be decoded past here ({kind})", left)


def _skip_rest_of_line(handle: IO[bytes]) -> None:
    while True:
        chunk = handle.readline(MAX_LINE_BYTES)
        if not chunk or chunk.endswith(b"\n"):
            return


def read_objects(
    path: Path,
    max_line_bytes: int = MAX_LINE_BYTES,
    on_position: Callable[[int], None] | None = None,
) -> Iterator[Parsed[dict[str, Any]] | Rejected | Unread]:
    """Every non-blank line of `path` as a JSON object, or the reason it is not one.

    `on_position` is told, now and then, how many bytes of the file (compressed, if it is)
    have been consumed: enough for a progress bar with an ETA."""
    name = str(path)
    line_no = 0
    raw_handle = path.open("rb")
    with raw_handle, open_maybe_gzip(raw_handle) as handle:
        while True:
            if on_position is not None and line_no % POSITION_EVERY == 0:
                on_position(raw_handle.tell())
            try:
                raw = handle.readline(max_line_bytes + 1)
            except BROKEN as exc:
                yield from broken_stream(name, line_no + 1, exc, raw_handle)
                return
            if not raw:
                return
            line_no += 1
            where = Location(name, line_no)
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                try:
                    _skip_rest_of_line(handle)
                except BROKEN as exc:
                    yield from broken_stream(name, line_no, exc, raw_handle, raw)
                    return
                yield Rejected(where, f"line longer than {max_line_bytes} bytes", excerpt(raw))
                continue
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError:
                yield Rejected(where, json_problem(raw), excerpt(raw))
                continue
            if not isinstance(value, dict):
                yield Rejected(where, f"a JSON {type(value).__name__}, not an object", excerpt(raw))
                continue
            yield Parsed(where, value)


def json_problem(raw: bytes) -> str:
    """Why a line is not JSON, in words (the fast parser's messages can quote the content)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 (byte {exc.start})"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return "JSON nested too deeply"
    return "JSON nested too deeply"  # valid for the standard parser, refused for its depth


def read_records(
    path: Path,
    parse: Callable[[dict[str, Any]], T],
    on_position: Callable[[int], None] | None = None,
) -> Iterator[Parsed[T] | Rejected | Unread]:
    """Every line of `path` turned into a record by `parse`; a line `parse` refuses with
    RecordError is rejected with its reason and location."""
    for item in read_objects(path, on_position=on_position):
        if isinstance(item, Rejected | Unread):
            yield item
            continue
        try:
            yield Parsed(item.location, parse(item.value))
        except RecordError as error:
            content = orjson.dumps(item.value)[:QUARANTINE_CONTENT_BYTES].decode(errors="replace")
            yield Rejected(item.location, str(error), content)
