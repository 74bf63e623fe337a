"""Web logs with a header row (CSV or TSV exports, e.g. Zscaler's) and Zscaler NSS key=value
feeds, read through a profile that names, for each field Hygeia needs, the column (or key)
names to look for: content/ai/web_profiles/*.yaml, or a site's own file.

Times come from an epoch column when there is one, else from a text column with its format
("iso", or a strptime format) and zone. A row without a usable time or destination host is
refused with its line and the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import yaml

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
    time_format: str
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
    try:
        zone = ZoneInfo(str(time.get("zone", "UTC")))
    except (KeyError, ValueError) as exc:
        raise ProfileError(f"{path}: time.zone {time.get('zone')!r} is not a time zone") from exc
    return Profile(
        name=path.stem,
        delimiter=str(data.get("delimiter", ",")),
        time_columns=tuple(time.get("columns") or ()),
        time_format=str(time.get("format", "iso")),
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


def _time(value: str, profile: Profile) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        if profile.time_format == "iso":
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        else:
            parsed = datetime.strptime(text, profile.time_format)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=profile.zone)
    return parsed.astimezone(UTC).timestamp()


def _host(url: str) -> str:
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


Record = tuple[int, dict[str, str]]


def _assemble(
    records: list[Record], profile: Profile, epoch_key: str | None, time_key: str | None
) -> tuple[pa.Table, pa.Table]:
    rows: dict[str, list[Any]] = {k: [] for k in (
        "line", "epoch", "client", "user", "status", "bytes_in", "bytes_out", "method",
        "host", "path")}  # fmt: skip
    refused_lines, reasons = [], []
    for line, record in records:
        seconds = None
        if epoch_key and record.get(epoch_key, "").strip():
            try:
                seconds = float(record[epoch_key])
            except ValueError:
                seconds = None
        if seconds is None and time_key:
            seconds = _time(record.get(time_key, ""), profile)
        url = record.get("url", "")
        host = (record.get("host") or _host(url)).strip().lower()
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
        records = []
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


def zscaler_kv(path: Path, profile: Profile | None = None) -> Parser:
    """Zscaler NSS feeds written as tab-separated key=value pairs."""
    chosen = profile or load_profile("zscaler-tsv")

    def parse(block: pa.Table) -> tuple[pa.Table, pa.Table]:
        records = []
        for line, raw in zip(block["line"].to_pylist(), block["raw"].to_pylist(), strict=True):
            pairs = dict(
                item.split("=", 1) for item in raw.rstrip("\r\n").split("\t") if "=" in item
            )
            lowered = {k.strip().lower(): v for k, v in pairs.items()}
            record = {}
            for field in FIELDS:
                for key in chosen.columns[field]:
                    if key.lower() in lowered:
                        record[field] = lowered[key.lower()]
                        break
            for key in chosen.time_columns:
                if key.lower() in lowered:
                    record["_time"] = lowered[key.lower()]
                    break
            records.append((line, record))
        return _assemble(records, chosen, "epoch", "_time")

    return parse
