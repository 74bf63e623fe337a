"""Readers of web-proxy and DNS logs, one module per format, each turning blocks of lines
into rows of the web-access schema (`hygeia.ai.web.WEB`) plus rejections."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("epoch", "client", "user", "status", "bytes_in", "bytes_out", "method", "host", "path")


def split(
    block: pa.Table, good: pa.Array, reasons: pa.Array, **columns: pa.Array
) -> tuple[pa.Table, pa.Table]:
    """Every parser's result: (rows, refused), the good lines as rows with the COLUMNS, the
    others as `line` and `reason`."""
    rows = pa.table({"line": block["line"], **{name: columns[name] for name in COLUMNS}})
    refused = pa.table({"line": block["line"], "reason": reasons})
    return rows.filter(good), refused.filter(pc.invert(good))
