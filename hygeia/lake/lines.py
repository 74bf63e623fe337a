"""Newline-delimited files read in large blocks, as Arrow arrays of lines, for readers that
process whole columns at once (DuckDB). The same guarantees as the line reader in
`ndjson.py`, without a Python step per line:

- memory is bounded by the block size, whatever the file;
- a line longer than the limit is skipped to its end and rejected, with its line number;
- bytes that are not UTF-8 reject their line only (unless the caller takes raw bytes and
  checks what it uses itself: `utf8=False`);
- a truncated or corrupt gzip stream ends the file with a rejection naming the line where it
  broke (lines complete before it are kept; the part of the broken line that was decoded is
  its content) and, for a corrupt one, the compressed bytes left unread (`broken_stream`);
- blank lines are skipped and not counted, as in the line reader.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa

from hygeia.lake.ndjson import (
    BROKEN,
    GZIP_MAGIC,
    MAX_LINE_BYTES,
    broken_stream,
    excerpt,
    open_maybe_gzip,
)
from hygeia.lake.records import Location, Rejected, Unread

BLOCK_BYTES = 16 << 20
# Read a piece at a time (`read1`: one call to the decompressor), so that a stream that
# breaks loses at most this much of what it decoded before the break.
READ_BYTES = 1 << 16
NEWLINE = 10


@dataclass(frozen=True)
class LineBlock:
    """Consecutive non-blank lines: `line` (1-based number) and `raw` (text, newline kept;
    bytes when read with `utf8=False`)."""

    table: pa.Table


class _Blocks:
    def __init__(self, name: str, max_line: int, utf8: bool) -> None:
        self.name = name
        self.max_line = max_line
        self.utf8 = utf8
        self.line_no = 0  # lines seen so far

    def split(self, data: bytes) -> Iterator[LineBlock | Rejected]:
        """`data` holds whole lines, each ending with a newline (the last one may not)."""
        if not data:
            return
        view = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(view == NEWLINE) + 1
        if not ends.size or ends[-1] != len(data):
            ends = np.append(ends, len(data))
        starts = np.concatenate(([0], ends[:-1]))
        numbers = np.arange(self.line_no + 1, self.line_no + 1 + ends.size, dtype=np.int64)
        self.line_no += int(ends.size)
        keep = np.ones(ends.size, dtype=bool)
        lengths = ends - starts
        for index in np.flatnonzero(lengths > self.max_line + 2):
            keep[index] = False
            raw = data[starts[index] : ends[index]]
            yield Rejected(
                Location(self.name, int(numbers[index])),
                f"line longer than {self.max_line} bytes",
                excerpt(raw),
            )
        # Blank lines (only a newline, or CR LF) are not records.
        short = np.flatnonzero(lengths <= 2)
        for index in short:
            if not data[starts[index] : ends[index]].strip():
                keep[index] = False
        try:
            if self.utf8:
                data.decode("utf-8")
        except UnicodeDecodeError:
            for index in np.flatnonzero(keep):
                raw = data[starts[index] : ends[index]]
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    keep[index] = False
                    yield Rejected(
                        Location(self.name, int(numbers[index])),
                        f"not UTF-8 (byte {exc.start})",
                        excerpt(raw),
                    )
        offsets = np.concatenate(([0], ends)).astype(np.int32)
        lines = pa.Array.from_buffers(
            pa.string() if self.utf8 else pa.binary(),
            int(ends.size),
            [None, pa.py_buffer(offsets), pa.py_buffer(data)],
        )
        table = pa.table({"line": pa.array(numbers), "raw": lines})
        if not keep.all():
            table = table.filter(pa.array(keep))
        if table.num_rows:
            yield LineBlock(table)


def line_blocks(
    path: Path,
    max_line_bytes: int = MAX_LINE_BYTES,
    block_bytes: int = BLOCK_BYTES,
    on_position: Callable[[int], None] | None = None,
    utf8: bool = True,
) -> Iterator[LineBlock | Rejected | Unread]:
    name = str(path)
    blocks = _Blocks(name, max_line_bytes, utf8)
    pending = bytearray()
    skipping = False  # inside an over-long line, discarding until its end
    with path.open("rb") as raw_handle, open_maybe_gzip(raw_handle) as handle:
        read1 = cast(io.BufferedIOBase, handle).read1  # a buffered file, or a GzipFile
        while True:
            try:
                chunk = read1(READ_BYTES)
            except BROKEN as exc:
                whole = pending.rfind(b"\n") + 1
                yield from blocks.split(bytes(pending[:whole]))
                partial = b"" if skipping else bytes(pending[whole:])
                yield from broken_stream(name, blocks.line_no + 1, exc, raw_handle, partial)
                return
            if on_position is not None:
                on_position(raw_handle.tell())
            if skipping:
                cut = chunk.find(b"\n")
                if cut < 0:
                    if not chunk:
                        return
                    continue
                chunk = chunk[cut + 1 :]
                skipping = False
            pending += chunk
            if not chunk:
                yield from blocks.split(bytes(pending))
                return
            last = pending.rfind(b"\n")
            if last < 0 and len(pending) > max_line_bytes:
                blocks.line_no += 1
                yield Rejected(
                    Location(name, blocks.line_no),
                    f"line longer than {max_line_bytes} bytes",
                    excerpt(bytes(pending)),
                )
                pending.clear()
                skipping = True
                continue
            if len(pending) >= block_bytes and last >= 0:
                yield from blocks.split(bytes(pending[: last + 1]))
                del pending[: last + 1]


def count_lines(path: Path, after: int = 0) -> int | None:
    """How many lines `path` holds after its first `after`, by counting newlines a block at a
    time (a last line without one counts too); None for a compressed file, whose lines
    cannot be counted without decoding it."""
    lines = 0
    with path.open("rb") as handle:
        if handle.read(2) == GZIP_MAGIC:
            return None
        handle.seek(0)
        last = b"\n"
        while chunk := handle.read(BLOCK_BYTES):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(0, lines + (last != b"\n") - after)
