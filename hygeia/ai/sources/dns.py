"""DNS query logs: Zeek's `dns.log` (tab-separated with its `#fields` header, or JSON lines)
and BIND's query log. A DNS query shows which host a client looked up, not who the user was
or how much was sent: rows carry the client address, the queried name as the host, and the
query type; user and bytes stay empty.

BIND writes local wall-clock times without a zone; they are read as UTC unless the file is
ingested with its zone known (see docs/ai.md).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from hygeia.ai.sources import split
from hygeia.lake.ndjson import open_maybe_gzip

Parser = Callable[[pa.Table], tuple[pa.Table, pa.Table]]
HEADER_BYTES = 64 * 1024


def _rows(block: pa.Table, epoch: pa.Array, client: pa.Array, host: pa.Array, qtype: pa.Array,
          good: pa.Array, reasons: pa.Array) -> tuple[pa.Table, pa.Table]:  # fmt: skip
    """A DNS query names a client and a host; the user and the sizes are not known."""
    n = block.num_rows
    return split(
        block,
        good,
        reasons,
        epoch=epoch,
        client=client,
        user=pa.array(["-"] * n, pa.string()),
        status=qtype,
        bytes_in=pa.nulls(n, pa.int64()),
        bytes_out=pa.nulls(n, pa.int64()),
        method=pa.array(["DNS"] * n, pa.string()),
        host=pc.utf8_lower(pc.utf8_rtrim(host, characters=".")),
        path=pa.array([""] * n, pa.string()),
    )


def _zeek_fields(path: Path) -> list[str] | None:
    with path.open("rb") as raw, open_maybe_gzip(raw) as handle:
        head = handle.read(HEADER_BYTES).decode("utf-8", "replace")
    for line in head.splitlines():
        if line.startswith("#fields"):
            return line.split("\t")[1:]
    return None


HOSTNAME = r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9])?\.?$"


def zeek_tsv(path: Path) -> Parser:
    fields = _zeek_fields(path)
    if not fields or not {"ts", "id.orig_h", "query"} <= set(fields):
        raise ValueError(f"{path}: no Zeek #fields header with ts, id.orig_h and query")
    index = {name: i for i, name in enumerate(fields)}

    def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
        raw = pc.utf8_rtrim(block["raw"].combine_chunks(), characters="\r\n")
        comment = pc.starts_with(raw, "#")
        parts = pc.split_pattern(raw, "\t")
        enough = pc.greater_equal(pc.list_value_length(parts), len(fields))
        safe = pc.if_else(enough, parts, pa.scalar([""] * len(fields), parts.type))

        def get(name: str) -> pa.Array:
            return pc.list_element(safe, index[name])

        ts, host = get("ts"), get("query")
        qtype = get("qtype_name") if "qtype_name" in index else pa.array(["-"] * len(raw))
        numeric = pc.match_substring_regex(ts, r"^\d{9,11}(\.\d{1,9})?$")
        named = pc.match_substring_regex(host, HOSTNAME)
        good = pc.and_(pc.and_(pc.and_(enough, numeric), named), pc.invert(comment))
        reasons = pc.if_else(
            comment, "a Zeek header line",
            pc.if_else(enough, pc.if_else(numeric, "the query is not a host name",
                                          "ts is not Unix seconds"),
                       f"fewer than {len(fields)} tab-separated fields"),
        )  # fmt: skip
        epoch = pc.cast(pc.if_else(numeric, ts, "0"), pa.float64())
        rows, refused = _rows(block, epoch, get("id.orig_h"), host, qtype, good, reasons)
        return rows, refused.filter(pc.invert(pc.starts_with(
            pc.cast(refused["reason"], pa.string()), "a Zeek header")))  # fmt: skip

    return parse


def zeek(path: Path) -> Parser:
    """Zeek's dns.log in either of its encodings, told apart by the first line."""
    with path.open("rb") as raw, open_maybe_gzip(raw) as handle:
        head = handle.read(HEADER_BYTES).lstrip()
    return zeek_json(path) if head.startswith(b"{") else zeek_tsv(path)


def zeek_json(path: Path) -> Parser:
    def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
        epochs, clients, hosts, qtypes, good, reasons = [], [], [], [], [], []
        for raw in block["raw"].to_pylist():
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError:
                record = None
            ts = record.get("ts") if isinstance(record, dict) else None
            host = record.get("query") if isinstance(record, dict) else None
            ok = isinstance(ts, int | float) and isinstance(host, str) and host != ""
            reason = (
                "not a JSON object" if not isinstance(record, dict)
                else "ts is not Unix seconds" if not isinstance(ts, int | float)
                else "no query"
            )  # fmt: skip
            epochs.append(float(ts) if ok and isinstance(ts, int | float) else 0.0)
            clients.append(str(record.get("id.orig_h", "")) if ok else "")
            hosts.append(host if ok else "")
            qtypes.append(str(record.get("qtype_name", "-")) if ok else "")
            good.append(ok)
            reasons.append(None if ok else reason)
        return _rows(block, pa.array(epochs), pa.array(clients, pa.string()),
                     pa.array(hosts, pa.string()), pa.array(qtypes, pa.string()),
                     pa.array(good), pa.array(reasons, pa.string()))  # fmt: skip

    return parse


BIND = (
    r"^(?P<when>\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?) .*?client "
    r"(?:@0x[0-9a-f]+ )?(?P<client>[0-9A-Fa-f.:]+)#\d+ .*?query: (?P<host>\S+) IN (?P<qtype>\S+)"
)


def bind(path: Path) -> Parser:
    def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
        found = pc.extract_regex(block["raw"].combine_chunks(), BIND)
        good = pc.fill_null(pc.is_valid(found), False)
        when = pc.if_else(good, found.field("when"), "01-Jan-1970 00:00:00")
        seconds = pc.strptime(pc.utf8_slice_codeunits(when, 0, 20), "%d-%b-%Y %H:%M:%S", "s",
                              error_is_null=True)  # fmt: skip
        good = pc.and_(good, pc.is_valid(seconds))
        epoch = pc.divide(pc.cast(pc.cast(seconds, pa.timestamp("s")), pa.int64()), 1.0)
        reasons = pa.array(["not a BIND query-log line"] * block.num_rows, pa.string())
        return _rows(block, pc.fill_null(epoch, 0.0), pc.fill_null(found.field("client"), ""),
                     pc.fill_null(found.field("host"), ""), pc.fill_null(found.field("qtype"), ""),
                     good, reasons)  # fmt: skip

    return parse
