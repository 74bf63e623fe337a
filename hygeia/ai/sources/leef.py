"""IBM QRadar's Log Event Extended Format, versions 1.0 and 2.0, as secure web gateways
(Zscaler NSS among them) send web transactions to QRadar:

    [syslog header] LEEF:1.0|Vendor|Product|Version|EventID|attr=value<TAB>attr=value...
    [syslog header] LEEF:2.0|Vendor|Product|Version|EventID|^|attr=value^attr=value...

LEEF 1.0 separates attributes by tabs. LEEF 2.0 names its separator in a sixth header
field: a character, or its code as `x5E` / `0x5E`; an empty field means a tab. A time in
`devTime` is read with the line's own `devTimeFormat` (a Java date pattern), or as epoch
milliseconds when no pattern is given.
"""

from __future__ import annotations

import re

from hygeia.ai.sources.keyvalue import NotPairs, split, split_tabs

START = re.compile(r"LEEF:\s?(1\.0|2\.0|1|2)\|")


def _separator(field: str) -> str:
    text = field.strip()
    if not text:
        return "\t"
    code = re.fullmatch(r"(?:0?[xX])([0-9A-Fa-f]{2,4})", text)
    if code:
        return chr(int(code.group(1), 16))
    if len(text) == 1:
        return text
    raise NotPairs(
        f"the LEEF 2.0 attribute separator {text[:8]!r} is neither a character nor x<hex>"
    )


def record(line: str) -> dict[str, str]:
    text = line.rstrip("\r\n")
    start = START.search(text)
    if start is None:
        raise NotPairs("no 'LEEF:1.0' or 'LEEF:2.0' header")
    version = start.group(1)
    second = version.startswith("2")  # 2.0 names its attribute separator in one more field
    wanted = 6 if second else 5
    parts = text[start.end() :].split("|", wanted - 1)
    if len(parts) < wanted:
        raise NotPairs(
            f"the LEEF {version} header has {len(parts)} of its {wanted} '|'-separated "
            "fields after the version"
        )
    vendor, product, product_version, event_id = parts[:4]
    separator = _separator(parts[4]) if second else "\t"
    attributes = parts[-1]
    pairs = (
        split(attributes) if separator == "\t" else split_tabs(attributes.replace(separator, "\t"))
    )
    return {
        "leef.vendor": vendor,
        "leef.product": product,
        "leef.version": product_version,
        "leef.event": event_id,
        **pairs,
    }


JAVA_TO_STRPTIME = [
    ("yyyy", "%Y"), ("yy", "%y"), ("MMMM", "%B"), ("MMM", "%b"), ("MM", "%m"), ("dd", "%d"),
    ("EEEE", "%A"), ("EEE", "%a"), ("HH", "%H"), ("hh", "%I"), ("mm", "%M"), ("ss", "%S"),
    ("SSS", "%f"), ("a", "%p"), ("XXX", "%z"), ("Z", "%z"), ("z", "%Z"), ("d", "%d"),
    ("H", "%H"), ("M", "%m"),
]  # fmt: skip


def java_format(pattern: str) -> str:
    """A Java SimpleDateFormat pattern (`MMM dd yyyy HH:mm:ss z`) as a strptime format."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "'":  # quoted literal text
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1 : end].replace("%", "%%"))
            i = end + 1
            continue
        for token, directive in JAVA_TO_STRPTIME:
            if pattern.startswith(token, i):
                out.append(directive)
                i += len(token)
                break
        else:
            out.append("%%" if pattern[i] == "%" else pattern[i])
            i += 1
    return "".join(out)
