"""ArcSight Common Event Format, as secure web gateways (Zscaler NSS, Netskope, Forcepoint)
send web transactions to ArcSight and other SIEMs:

    [syslog header] CEF:0|Vendor|Product|Version|Signature ID|Name|Severity|extension

The seven header fields are separated by `|` (a literal one in a field is `\\|`); the
extension is key=value pairs separated by spaces (values may hold spaces; `=` in a value is
`\\=`) or, as Zscaler writes them, by tabs. The header's vendor, product and name are kept
as `cef.vendor`, `cef.product` and `cef.name` for a profile to use.
"""

from __future__ import annotations

import re

from hygeia.ai.sources.keyvalue import NotPairs, split

START = re.compile(r"CEF:\s?(\d+)\|")
UNESCAPED_PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\|")


def record(line: str) -> dict[str, str]:
    """The line's header fields and extension pairs; NotPairs (a ValueError) saying what is
    wrong when it is not a CEF record."""
    text = line.rstrip("\r\n")
    start = START.search(text)
    if start is None:
        raise NotPairs("no 'CEF:' header")
    fields: list[str] = []
    rest = text[start.end() :]
    for _ in range(6):  # vendor, product, version, signature, name, severity
        bar = UNESCAPED_PIPE.search(rest)
        if bar is None:
            raise NotPairs(f"the CEF header has {len(fields) + 2} of its 7 '|'-separated fields")
        fields.append(
            rest[: bar.start() + len(bar.group(1))].replace("\\|", "|").replace("\\\\", "\\")
        )
        rest = rest[bar.end() :]
    extension = rest.strip()
    pairs = split(extension, escaped_equals=True)
    return {
        "cef.vendor": fields[0],
        "cef.product": fields[1],
        "cef.version": fields[2],
        "cef.signature": fields[3],
        "cef.name": fields[4],
        "cef.severity": fields[5],
        **pairs,
    }
