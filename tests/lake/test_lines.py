"""The block line reader: every line ends up in a block or rejected with its line; a broken
compressed stream keeps the lines before the break and counts what it left unread."""

from __future__ import annotations

import gzip
import random

from hygeia.lake.lines import LineBlock, line_blocks
from hygeia.lake.records import Rejected, Unread


def numbered(count: int) -> bytes:
    return b"".join(b'{"n": %d, "pad": "%s"}\n' % (n, b"x" * 40) for n in range(count))


def split(items) -> tuple[list[int], list[Rejected], list[Unread]]:
    lines: list[int] = []
    rejected, unread = [], []
    for item in items:
        if isinstance(item, LineBlock):
            lines.extend(item.table["line"].to_pylist())
        elif isinstance(item, Rejected):
            rejected.append(item)
        else:
            unread.append(item)
    return lines, rejected, unread


def test_over_long_and_non_utf8_lines_are_rejected_and_reading_goes_on(tmp_path):
    path = tmp_path / "a.log"
    path.write_bytes(b"one\n" + b"y" * 5000 + b"\n\n\xff\xfe bad\nfive\n")
    lines, rejected, unread = split(line_blocks(path, max_line_bytes=1000, block_bytes=64))
    assert lines == [1, 5] and not unread
    assert [(r.location.line, r.reason) for r in rejected] == [
        (2, "line longer than 1000 bytes"),
        (4, "not UTF-8 (byte 0)"),
    ]


def test_a_file_cut_short_keeps_its_whole_lines_and_leaves_nothing_unread(tmp_path):
    whole = gzip.compress(numbered(20_000))
    path = tmp_path / "cut.log.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    lines, (rejected,), unread = split(line_blocks(path))
    assert lines == list(range(1, len(lines) + 1)) and len(lines) > 1000
    assert rejected.location.line == len(lines) + 1
    assert rejected.reason == "file is truncated or corrupt from here on (EOFError)"
    assert rejected.content and numbered(20_000).splitlines()[len(lines)].startswith(
        rejected.content.encode()
    )  # what was decoded of the broken line
    assert not unread  # nothing of the file is left after the cut


def test_a_corrupt_stream_counts_the_compressed_bytes_left(tmp_path):
    garbage = random.Random(7).randbytes(1 << 20)  # not a gzip member
    path = tmp_path / "corrupt.log.gz"
    path.write_bytes(gzip.compress(numbered(1000)) + garbage)
    lines, (rejected,), (unread,) = split(line_blocks(path))
    assert lines == list(range(1, 1001))
    assert rejected.location.line == unread.location.line == 1001
    assert rejected.reason == "file is truncated or corrupt from here on (BadGzipFile)"
    assert unread.reason == "the compressed stream cannot be decoded past here (BadGzipFile)"
    # what the decompressor had not been given yet (it reads ahead by at most 128 KiB)
    assert len(garbage) - (128 << 10) <= unread.bytes <= len(garbage)
    assert unread.records is None


def test_raw_bytes_are_kept_for_callers_that_check_them_themselves(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"one\n\xff\xfe latin\n\nfour")
    (block,) = line_blocks(path, utf8=False)
    assert block.table.to_pylist() == [
        {"line": 1, "raw": b"one\n"},
        {"line": 2, "raw": b"\xff\xfe latin\n"},
        {"line": 4, "raw": b"four"},
    ]
