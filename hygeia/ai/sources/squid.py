"""Squid's native access.log format, read a block of lines at a time with Arrow:

    time elapsed client code/status bytes method URL user hierarchy/peer type

e.g. `1735689600.123    183 10.1.2.3 TCP_TUNNEL/200 48211 CONNECT chatgpt.com:443 alice
HIER_DIRECT/104.18.32.47 -`. For HTTPS through CONNECT only the host is known; for plain
HTTP (or TLS inspection) the whole URL. `bytes` is what the proxy sent to the client;
Squid's native format has no request size, so uploads are only seen in formats that log it.
A line that does not have these fields, or whose time is not a number, is refused with its
line number.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from hygeia.ai.sources import split

FORMAT = "squid"
FIELDS = 10


def _element(lists: pa.Array, index: int) -> pa.Array:
    """The index-th item of each list, or "" where the list is shorter: taken from the
    flattened values by offset (guarding list_element row by row costs far more)."""
    offsets = lists.offsets.to_numpy()
    starts, lengths = offsets[:-1], np.diff(offsets)
    present = lengths > index
    positions = np.where(present, starts + index, 0)
    values = lists.values.take(pa.array(positions)) if len(lists.values) else pa.nulls(
        len(lists), pa.string())  # fmt: skip
    return pc.if_else(pa.array(present), values, "")


def host_and_path(url: pa.Array, method: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The destination host (lower case, no port or user) and the URL path, with literal
    splits only: CONNECT gives host:port; other methods a full URL."""
    rest = pc.if_else(
        pc.match_substring(url, "://"), _element(pc.split_pattern(url, "://", max_splits=1), 1), url
    )
    authority = _element(pc.split_pattern(rest, "/", max_splits=1), 0)
    userinfo = pc.match_substring(authority, "@")
    authority = pc.if_else(
        userinfo, _element(pc.split_pattern(authority, "@", max_splits=1), 1), authority
    )
    host = _element(pc.split_pattern(authority, ":", max_splits=1), 0)
    after = _element(pc.split_pattern(rest, "/", max_splits=1), 1)
    path = pc.if_else(
        pc.equal(method, "CONNECT"),
        "",
        pc.binary_join_element_wise(
            "/", _element(pc.split_pattern(after, "?", max_splits=1), 0), ""
        ),
    )
    return pc.utf8_lower(host), path


def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(rows, refused) for a block with columns `line` and `raw`; refused has `line`,
    `reason`."""
    parts = pc.ascii_split_whitespace(block["raw"].combine_chunks())
    enough = pc.greater_equal(pc.list_value_length(parts), FIELDS - 1)  # type may be missing
    time_text = _element(parts, 0)
    numeric = pc.match_substring_regex(time_text, r"^\d{9,11}(\.\d{1,6})?$")
    method = _element(parts, 5)
    host, path = host_and_path(_element(parts, 6), method)
    good = pc.and_(
        pc.and_(enough, numeric), pc.match_substring_regex(host, r"^[a-z0-9][a-z0-9.-]*$")
    )
    size = _element(parts, 4)
    reasons = pc.if_else(
        enough,
        pc.if_else(numeric, "no host in the URL", "the time is not Unix seconds"),
        f"fewer than {FIELDS - 1} space-separated fields",
    )
    return split(
        block,
        good,
        reasons,
        epoch=pc.cast(pc.if_else(numeric, time_text, "0"), pa.float64()),
        client=_element(parts, 2),
        user=_element(parts, 7),
        status=_element(parts, 3),
        bytes_in=pc.cast(
            pc.if_else(pc.match_substring_regex(size, r"^\d{1,15}$"), size, "0"), pa.int64()
        ),
        bytes_out=pa.nulls(len(block), pa.int64()),
        method=method,
        host=host,
        path=path,
    )


# Squid's "common" and "combined" logformats (Apache style), e.g.
# 10.1.2.3 - alice [01/Jan/2025:00:00:01 +0000] "CONNECT claude.ai:443 HTTP/1.1" 200 4821 "-"
#   "Mozilla/5.0" TCP_TUNNEL:HIER_DIRECT
COMMON = (
    r'^(?P<client>\S+) \S+ (?P<user>\S+) \[(?P<when>[^\]]+)\] "(?P<method>[A-Z]+) (?P<url>\S+)'
    r'[^"]*" (?P<status>\d{3}) (?P<size>\d+|-)'
)


def parse_common(block: pa.Table) -> tuple[pa.Table, pa.Table]:
    found = pc.extract_regex(block["raw"].combine_chunks(), COMMON)
    matched = pc.fill_null(pc.is_valid(found), False)
    when = pc.if_else(matched, found.field("when"), "01/Jan/1970:00:00:00 +0000")
    stamp = pc.strptime(when, "%d/%b/%Y:%H:%M:%S %z", "s", error_is_null=True)
    good = pc.and_(matched, pc.is_valid(stamp))
    method = pc.fill_null(found.field("method"), "")
    host, path = host_and_path(pc.fill_null(found.field("url"), ""), method)
    good = pc.and_(good, pc.match_substring_regex(host, r"^[a-z0-9][a-z0-9.-]*$"))
    size = pc.fill_null(found.field("size"), "-")
    epoch = pc.divide(pc.cast(pc.cast(pc.fill_null(stamp, 0), pa.int64()), pa.float64()), 1.0)
    reasons = pc.if_else(
        matched,
        "no readable time or host",
        'not a common/combined log line (client ident user [time] "request" status size)',
    )
    return split(
        block,
        good,
        reasons,
        epoch=epoch,
        client=pc.fill_null(found.field("client"), ""),
        user=pc.fill_null(found.field("user"), "-"),
        status=pc.fill_null(found.field("status"), ""),
        bytes_in=pc.cast(
            pc.if_else(pc.match_substring_regex(size, r"^\d{1,15}$"), size, "0"), pa.int64()
        ),
        bytes_out=pa.nulls(len(block), pa.int64()),
        method=method,
        host=host,
        path=path,
    )
