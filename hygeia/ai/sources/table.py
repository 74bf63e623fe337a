"""Web logs whose lines name their fields, read through a profile that says, for each field
Hygeia needs, which column or key to take: content/ai/web_profiles/*.yaml, or a site's own.

- CSV/TSV exports with a header row (Zscaler, Netskope, a firewall's export);
- key=value feeds, LEEF 1.0/2.0 and CEF, as gateways send them to SIEMs (`keyvalue.py`,
  `leef.py`, `cef.py` read the lines);
- JSON lines, nested keys flattened with dots.

Times come from an epoch column when there is one (seconds or milliseconds), else from a
text column: ISO 8601, or the profile's formats, with the zone the text names or else the
profile's. A row without a usable time or destination host is refused with its line and
the reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pyarrow as pa
import yaml

from hygeia.ai.sources import cef, keyvalue, leef
from hygeia.ai.sources.leef import java_format
from hygeia.lake.ndjson import open_maybe_gzip

PROFILES = Path(__file__).resolve().parents[2] / "content" / "ai" / "web_profiles"
FIELDS = ("epoch", "user", "client", "host", "url", "method", "status", "bytes_out",
          "bytes_in", "department")  # fmt: skip
Parser = Callable[[pa.Table], tuple[pa.Table, pa.Table]]


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the setting."""


@dataclass(frozen=True)
class Profile:
    name: str
    delimiter: str
    time_columns: tuple[str, ...]
    time_formats: tuple[str, ...]  # "iso", or strptime formats tried in order
    zone: ZoneInfo
    columns: dict[str, tuple[str, ...]]


def load_profile(name_or_file: str) -> Profile:
    path = Path(name_or_file)
    if not path.suffix:
        path = PROFILES / f"{name_or_file}.yaml"
    if not path.exists():
        shipped = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml")))
        raise ProfileError(f"no web-log profile {name_or_file!r} (shipped: {shipped})")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    time = data.get("time") or {}
    formats = time.get("format", "iso")
    formats = [formats] if isinstance(formats, str) else list(formats)
    try:
        zone = ZoneInfo(str(time.get("zone", "UTC")))
    except (KeyError, ValueError) as exc:
        raise ProfileError(f"{path}: time.zone {time.get('zone')!r} is not a time zone") from exc
    return Profile(
        name=path.stem,
        delimiter=str(data.get("delimiter", ",")),
        time_columns=tuple(time.get("columns") or ()),
        time_formats=tuple(str(f) for f in formats),
        zone=zone,
        columns={f: tuple(data.get(f) or ()) for f in FIELDS},
    )


def _header(path: Path) -> str:
    with path.open("rb") as raw, open_maybe_gzip(raw) as handle:
        return handle.readline(1 << 20).decode("utf-8-sig", "replace").rstrip("\r\n")


def _pick(names: list[str], wanted: tuple[str, ...]) -> int | None:
    lowered = [n.strip().lower() for n in names]
    for candidate in wanted:
        if candidate.lower() in lowered:
            return lowered.index(candidate.lower())
    return None


ZONES = {"UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7,
         "MDT": -6, "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10}  # fmt: skip
ZONE_DIRECTIVE = re.compile(r"\s*%[zZ]")  # the zone is read from the text itself
OFFSET = re.compile(r"\s*(?:([A-Z]{1,5})|([+-]\d{2}):?(\d{2}))$")


def _time(value: str, profile: Profile, formats: tuple[str, ...] | None = None) -> float | None:
    """Seconds since 1970 from a time as the log writes it: epoch seconds or milliseconds,
    ISO 8601, or one of the profile's formats, with a trailing zone name or offset when
    there is one (else the profile's zone)."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit() and len(text) in (10, 13):
        return int(text) / (1000 if len(text) == 13 else 1)
    zone: tzinfo = profile.zone
    suffix = OFFSET.search(text)
    if suffix and (suffix.group(2) or suffix.group(1) in ZONES):
        if suffix.group(1):
            zone = timezone(timedelta(hours=ZONES[suffix.group(1)]))
        else:
            sign = -1 if suffix.group(2).startswith("-") else 1
            hours, minutes = abs(int(suffix.group(2))), int(suffix.group(3))
            zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        bare = text[: suffix.start()].strip()
    else:
        bare = text
    for fmt in formats or profile.time_formats:
        try:
            if fmt == "iso":
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                parsed = datetime.strptime(bare, ZONE_DIRECTIVE.sub("", fmt))
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(UTC).timestamp()
    return None


def _epoch(value: str) -> float | None:
    """Seconds from an epoch column, in seconds or (13 digits and up) milliseconds."""
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds / 1000 if seconds > 1e11 else seconds


def url_host(url: str) -> str:
    """The host of a URL or of a bare "host/path", lower case, without user or port."""
    rest = url.split("://", 1)[1] if "://" in url else url
    authority = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return authority.split(":", 1)[0].lower()


def _path(url: str) -> str:
    if "://" not in url:
        return ""
    rest = url.split("://", 1)[1]
    return ("/" + rest.split("/", 1)[1]).split("?", 1)[0] if "/" in rest else "/"


def _number(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


# (line, the fields found) or (line, why the line is not a record)
Record = tuple[int, dict[str, str] | str]


def _assemble(
    records: list[Record], profile: Profile, epoch_key: str | None, time_key: str | None
) -> tuple[pa.Table, pa.Table]:
    rows: dict[str, list[Any]] = {k: [] for k in (
        "line", "epoch", "client", "user", "status", "bytes_in", "bytes_out", "method",
        "host", "path")}  # fmt: skip
    refused_lines, reasons = [], []
    for line, record in records:
        if isinstance(record, str):
            refused_lines.append(line)
            reasons.append(record)
            continue
        seconds = None
        if epoch_key and record.get(epoch_key, "").strip():
            seconds = _epoch(record[epoch_key])
        if seconds is None and time_key:
            own = record.get("_time_format")
            seconds = _time(record.get(time_key, ""), profile, (own,) if own else None)
        url = record.get("url", "")
        host = (record.get("host") or url_host(url)).strip().lower()
        if seconds is None:
            refused_lines.append(line)
            reasons.append("no readable time")
            continue
        if not host or host == "-":
            refused_lines.append(line)
            reasons.append("no destination host")
            continue
        rows["line"].append(line)
        rows["epoch"].append(seconds)
        rows["client"].append(record.get("client", ""))
        rows["user"].append(record.get("user", "") or "-")
        rows["status"].append(record.get("status", ""))
        rows["bytes_in"].append(_number(record.get("bytes_in")))
        rows["bytes_out"].append(_number(record.get("bytes_out")))
        rows["method"].append(record.get("method", ""))
        rows["host"].append(host)
        rows["path"].append(_path(url))
    table = pa.table(
        {
            "line": pa.array(rows["line"], pa.int64()),
            "epoch": pa.array(rows["epoch"], pa.float64()),
            **{k: pa.array(rows[k], pa.string()) for k in ("client", "user", "status")},
            "bytes_in": pa.array(rows["bytes_in"], pa.int64()),
            "bytes_out": pa.array(rows["bytes_out"], pa.int64()),
            **{k: pa.array(rows[k], pa.string()) for k in ("method", "host", "path")},
        }
    )
    refused = pa.table({"line": pa.array(refused_lines, pa.int64()),
                        "reason": pa.array(reasons, pa.string())})  # fmt: skip
    return table, refused


def with_header(path: Path, profile: Profile) -> Parser:
    """A parser for a CSV/TSV export whose first line names its columns."""
    names = next(csv.reader([_header(path)], delimiter=profile.delimiter))
    index = {f: _pick(names, profile.columns[f]) for f in FIELDS}
    time_index = _pick(names, profile.time_columns)
    if index["host"] is None and index["url"] is None:
        raise ValueError(f"{path}: none of the profile's host or URL columns is in the header")
    if index["epoch"] is None and time_index is None:
        raise ValueError(f"{path}: none of the profile's time columns is in the header")

    def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
        records: list[Record] = []
        for line, raw in zip(block["line"].to_pylist(), block["raw"].to_pylist(), strict=True):
            if line == 1:
                continue  # the header
            # one line at a time: a stray quote cannot swallow the lines after it
            values = next(csv.reader([raw.rstrip("\r\n")], delimiter=profile.delimiter), [])
            record = {f: values[i] for f, i in index.items() if i is not None and i < len(values)}
            if time_index is not None and time_index < len(values):
                record["_time"] = values[time_index]
            records.append((line, record))
        return _assemble(records, profile, "epoch" if index["epoch"] is not None else None, "_time")

    return parse


def keyed(read: Callable[[str], dict[str, str]], profile: Profile) -> Parser:
    """A parser for lines that each carry named fields (key=value, LEEF, CEF, JSON): `read`
    gives a line's fields or raises ValueError saying why it has none; the profile names the
    keys to take for each of Hygeia's fields, first match wins, case-insensitive."""
    wanted = {f: tuple(k.lower() for k in profile.columns[f]) for f in FIELDS}
    time_keys = tuple(k.lower() for k in profile.time_columns)

    def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
        records: list[Record] = []
        for line, raw in zip(block["line"].to_pylist(), block["raw"].to_pylist(), strict=True):
            try:
                found = read(raw)
            except ValueError as exc:
                records.append((line, str(exc)))
                continue
            lowered = {k.strip().lower(): v for k, v in found.items()}
            record: dict[str, str] = {}
            for field, keys in wanted.items():
                value = next((lowered[k] for k in keys if lowered.get(k, "") != ""), None)
                if value is not None:
                    record[field] = value
            when = next((lowered[k] for k in time_keys if lowered.get(k, "") != ""), None)
            if when is not None:
                record["_time"] = when
            if lowered.get("devtimeformat"):  # LEEF: each line names its own time pattern
                record["_time_format"] = java_format(lowered["devtimeformat"])
            records.append((line, record))
        return _assemble(records, profile, "epoch", "_time")

    return parse


def keyed_lines(name: str, profile: str | None) -> Parser:
    """The parser of a format whose lines name their fields (`KEYED_LINES`), through the
    site's profile or the format's shipped one."""
    read, shipped = KEYED_LINES[name]
    return keyed(read, load_profile(profile or shipped))


def _json_record(line: str) -> dict[str, str]:
    """One JSON object per line, nested objects flattened to dotted keys (`http.request.
    method`, as Elastic Common Schema writes them)."""
    text = line.strip()
    if not text:
        raise ValueError("an empty line")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({str(exc).split(':', 1)[0]})") from None
    if not isinstance(data, dict):
        raise ValueError("a JSON value that is not an object")
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}{key}.", inner)
        elif value is not None and not isinstance(value, list):
            flat[prefix[:-1]] = str(value).lower() if isinstance(value, bool) else str(value)

    walk("", data)
    return flat


# format -> how a line gives its fields, and the profile shipped for it
KEYED_LINES: dict[str, tuple[Callable[[str], dict[str, str]], str]] = {
    "kv": (keyvalue.pairs, "zscaler-kv"),  # tab- or space-separated, values quoted or bare
    "leef": (leef.record, "leef"),
    "cef": (cef.record, "cef"),
    "jsonl": (_json_record, "json"),
}
