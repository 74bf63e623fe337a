"""The NDJSON line reader: every line ends up parsed or rejected with file and line; hostile
input never crashes it or grows memory without bound."""

from __future__ import annotations

import gzip
import json
import random

from hygeia.lake.ndjson import read_objects, read_records
from hygeia.lake.records import Parsed, Rejected, Unread


def _write(path, lines: list[bytes], compress: bool = False):
    data = b"".join(lines)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _summary(items):
    return [(i.location.line, "ok" if isinstance(i, Parsed) else i.reason) for i in items]


def test_plain_and_gzip_give_the_same_objects(tmp_path):
    lines = [json.dumps({"n": i}).encode() + b"\n" for i in range(5)]
    plain = list(read_objects(_write(tmp_path / "a.ndjson", lines)))
    packed = list(read_objects(_write(tmp_path / "a.ndjson.gz", lines, compress=True)))
    assert [p.value for p in plain] == [p.value for p in packed] == [{"n": i} for i in range(5)]
    assert [p.location.line for p in packed] == [1, 2, 3, 4, 5]


def test_bad_lines_are_rejected_with_their_line_and_the_rest_is_read(tmp_path):
    path = _write(
        tmp_path / "mixed.ndjson",
        [
            b'{"ok": 1}\n',
            b'{"broken": \n',
            b"[1, 2, 3]\n",
            b"\xff\xfe binary garbage\n",
            b"\n",
            b'{"ok": 2}',  # no newline at the end of the file
        ],
    )
    summary = _summary(read_objects(path))
    assert summary[0] == (1, "ok")
    assert summary[1][0] == 2 and summary[1][1].startswith("invalid JSON")
    assert summary[2] == (3, "a JSON list, not an object")
    assert summary[3][0] == 4 and summary[3][1].startswith("not UTF-8")
    assert summary[4] == (6, "ok")
    assert all(str(path) == i.location.file for i in read_objects(path))


def test_giant_line_is_skipped_not_loaded(tmp_path):
    path = _write(
        tmp_path / "giant.ndjson",
        [b'{"ok": 1}\n', b'{"x": "' + b"a" * 5_000_000 + b'"}\n', b'{"ok": 3}\n'],
    )
    summary = _summary(read_objects(path, max_line_bytes=64 * 1024))
    assert summary == [(1, "ok"), (2, "line longer than 65536 bytes"), (3, "ok")]


def test_truncated_gzip_reports_where_it_broke(tmp_path):
    lines = [json.dumps({"n": i, "pad": "x" * 200}).encode() + b"\n" for i in range(2000)]
    whole = gzip.compress(b"".join(lines))
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(whole[: len(whole) // 2])
    items = list(read_objects(path))
    *good, last = items
    assert all(isinstance(i, Parsed) for i in good) and len(good) > 100
    assert isinstance(last, Rejected) and "truncated or corrupt" in last.reason
    assert last.location.line == len(good) + 1


def test_deep_nesting_is_rejected(tmp_path):
    path = _write(tmp_path / "deep.ndjson", [b"[" * 100_000 + b"]" * 100_000 + b"\n"])
    (item,) = read_objects(path)
    assert isinstance(item, Rejected)


def test_rejections_never_quote_the_record(tmp_path):
    path = _write(tmp_path / "phi.ndjson", [b'{"name": "Okafor", "mrn": "SYN0001" \n'])
    (item,) = read_objects(path)
    assert isinstance(item, Rejected)
    assert "Okafor" not in item.reason and "SYN0001" not in item.reason


def test_a_corrupt_stream_counts_the_compressed_bytes_left(tmp_path):
    lines = [json.dumps({"n": i}).encode() + b"\n" for i in range(500)]
    garbage = random.Random(3).randbytes(1 << 20)  # not a gzip member
    path = tmp_path / "corrupt.ndjson.gz"
    path.write_bytes(gzip.compress(b"".join(lines)) + garbage)
    *good, rejected, unread = read_objects(path)
    assert [i.value["n"] for i in good] == list(range(500))
    assert isinstance(rejected, Rejected) and rejected.location.line == 501
    assert isinstance(unread, Unread) and unread.location.line == 501
    assert len(garbage) - (128 << 10) <= unread.bytes <= len(garbage)
    assert unread.records is None


def test_a_truncated_gzip_leaves_nothing_unread(tmp_path):
    lines = [json.dumps({"n": i, "pad": "x" * 200}).encode() + b"\n" for i in range(2000)]
    whole = gzip.compress(b"".join(lines))
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(whole[: len(whole) // 2])
    assert not [i for i in read_objects(path) if isinstance(i, Unread)]


def test_records_pass_on_what_a_corrupt_stream_left_unread(tmp_path):
    lines = [json.dumps({"n": i}).encode() + b"\n" for i in range(50)]
    path = tmp_path / "Patient.ndjson.gz"
    path.write_bytes(gzip.compress(b"".join(lines)) + random.Random(1).randbytes(1 << 20))
    *parsed, rejected, unread = read_records(path, lambda value: value["n"])
    assert [p.value for p in parsed] == list(range(50))
    assert isinstance(rejected, Rejected) and isinstance(unread, Unread)
