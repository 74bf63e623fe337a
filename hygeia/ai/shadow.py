"""Shadow-AI monitoring: which AI services people reach, read from web-proxy logs.

`scan_log` reads a log a block at a time (bounded memory, the same line limits, gzip and
corruption rules as every other reader), classifies each destination against the catalog
and returns per-service usage with every line accounted for:
read = classified + other destinations + refused; what a broken compressed stream left
unread is counted apart, in bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from hygeia.ai.catalog import Catalog
from hygeia.ai.sources import squid
from hygeia.lake.lines import line_blocks
from hygeia.lake.records import Rejected, Unread

READERS = {"squid": squid.parse}


@dataclass
class Usage:
    service: str
    requests: int = 0
    bytes_in: int = 0
    users: set[str] = field(default_factory=set)
    clients: set[str] = field(default_factory=set)
    first_seen: float = 0.0
    last_seen: float = 0.0


@dataclass
class ScanResult:
    path: str
    read: int = 0
    ai: int = 0
    other: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), capped
    refused_count: int = 0
    unread_bytes: int = 0  # compressed bytes after a fault the stream cannot be decoded past
    usage: dict[str, Usage] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "read": self.read,
            "ai": self.ai,
            "other": self.other,
            "refused": self.refused_count,
            "unread_bytes": self.unread_bytes,
            "services": len(self.usage),
        }


MAX_REASONS = 1000


def scan_log(
    path: Path,
    catalog: Catalog,
    fmt: str = "squid",
    on_position: Callable[[int], None] | None = None,
) -> ScanResult:
    parse = READERS[fmt]
    result = ScanResult(str(path))
    for item in line_blocks(path, on_position=on_position):
        if isinstance(item, Unread):
            result.unread_bytes += item.bytes
            continue
        if isinstance(item, Rejected):
            result.read += 1
            result.refused_count += 1
            if len(result.refused) < MAX_REASONS:
                result.refused.append((item.location.line, item.reason))
            continue
        block = item.table
        result.read += block.num_rows
        rows, refused = parse(block)
        result.refused_count += refused.num_rows
        if refused.num_rows and len(result.refused) < MAX_REASONS:
            result.refused.extend(
                zip(
                    refused["line"].to_pylist()[:MAX_REASONS],
                    refused["reason"].to_pylist()[:MAX_REASONS],
                    strict=True,
                )
            )
        names = catalog.classify_column(
            rows["host"].combine_chunks(), rows["path"].combine_chunks()
        )
        hit = pc.is_valid(names)
        ai_rows = rows.filter(hit).append_column("service", names.filter(hit))
        result.ai += ai_rows.num_rows
        result.other += rows.num_rows - ai_rows.num_rows
        _accumulate(result.usage, ai_rows)
    return result


def _accumulate(usage: dict[str, Usage], rows: pa.Table) -> None:
    if rows.num_rows == 0:
        return
    grouped = rows.group_by("service").aggregate(
        [
            ("line", "count"),
            ("bytes_in", "sum"),
            ("epoch", "min"),
            ("epoch", "max"),
            ("user", "distinct"),
            ("client", "distinct"),
        ]
    )
    for row in grouped.to_pylist():
        found = usage.setdefault(row["service"], Usage(row["service"], first_seen=row["epoch_min"]))
        found.requests += row["line_count"]
        found.bytes_in += row["bytes_in_sum"] or 0
        found.users.update(u for u in row["user_distinct"] if u and u != "-")
        found.clients.update(row["client_distinct"])
        found.first_seen = min(found.first_seen, row["epoch_min"])
        found.last_seen = max(found.last_seen, row["epoch_max"])
