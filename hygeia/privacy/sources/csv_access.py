"""Access-log CSV/TSV exports, read through a declarative profile (content/csv_profiles/).

Columnar and streaming: pyarrow parses blocks of whole lines, the conversions run on whole
columns, and only the rare awkward row (bad UTF-8, an impossible date, a time that falls in a
daylight-saving change) is looked at one by one. A row is a line, numbered as in the file
(the header is line 1; blank lines are skipped): a quote left open or a row pyarrow cannot
parse costs that line only, and a line longer than BLOCK_BYTES is rejected and skipped. A
header that cannot be used leaves the file unread, and is reported so (`Unread`).

Local wall-clock times are converted with the profile's time zone. On the day clocks go back
an hour happens twice ("ambiguous"): the profile says whether to take the first, the second,
or quarantine the row. On the day clocks go forward an hour does not exist: the profile says
whether to read it as the standard time it must have meant (`shift_forward`, what a clock
that was not changed would show) or quarantine it. Both are counted in the report.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import yaml

from hygeia.lake.lines import LineBlock, count_lines, line_blocks
from hygeia.lake.ndjson import excerpt
from hygeia.lake.records import Location, Rejected, Tally, Unread
from hygeia.privacy.events import ACTIONS, EARLIEST, EVENTS, latest_allowed
from hygeia.privacy.resolve import resolve_mrns

PROFILES_DIR = Path(__file__).resolve().parents[2] / "content" / "csv_profiles"
FIELDS = (
    "event_id",
    "time",
    "user_login",
    "user_practitioner",
    "patient",
    "action",
    "subtype",
    "purpose_of_use",
    "break_glass",
    "resource_type",
    "source_system",
    "workstation",
    "network_address",
    "outcome",
)
REQUIRED = ("time", "user_login", "action")
MAX_VALUE_CHARS = 4096
BLOCK_BYTES = 8 << 20  # also the longest row accepted
SCAN_ROWS = 4096


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    columns: dict[str, str]  # Hygeia field -> source column
    delimiter: str = ","
    time_format: str = "iso8601"
    timezone: str = ""
    ambiguous: str = "earliest"
    nonexistent: str = "shift_forward"
    patient_id: str = "fhir_id"
    source_system: str = ""
    break_glass_values: tuple[str, ...] = ()
    actions: dict[str, str] = field(default_factory=dict)
    otherwise: str = "quarantine"
    path: str = ""

    def matches(self, header: list[str]) -> bool:
        return all(self.columns.get(f) in header for f in REQUIRED)


def _choice(value: Any, allowed: tuple[str, ...], what: str, where: str) -> str:
    if value not in allowed:
        raise ProfileError(f"{where}: {what} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def load_profile(source: Path) -> Profile:
    """Read and check a profile (YAML or TOML)."""
    where = str(source)
    try:
        text = source.read_text(encoding="utf-8")
        data = tomllib.loads(text) if source.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{where}: cannot be read ({type(exc).__name__})") from exc
    if not isinstance(data, dict):
        raise ProfileError(f"{where}: expected a mapping at the top level")
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise ProfileError(f"{where}: `columns` must map Hygeia fields to column names")
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise ProfileError(
            f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}"
        )
    missing = [f for f in REQUIRED if not columns.get(f)]
    if missing:
        raise ProfileError(f"{where}: `columns` must name the {', '.join(missing)} column(s)")
    timing = data.get("time") or {}
    time_format = str(timing.get("format", "iso8601"))
    zone = str(timing.get("timezone", ""))
    if time_format != "iso8601":
        if not zone:
            raise ProfileError(f"{where}: local time formats need `time.timezone`")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ProfileError(f"{where}: unknown time zone {zone!r}") from exc
    actions = data.get("actions") or {}
    mapping = {str(k): str(v) for k, v in (actions.get("map") or {}).items()}
    wrong = sorted({v for v in mapping.values() if v not in ACTIONS})
    if wrong:
        raise ProfileError(f"{where}: actions map to {', '.join(wrong)}; use {', '.join(ACTIONS)}")
    otherwise = _choice(
        actions.get("otherwise", "quarantine"), (*ACTIONS, "quarantine"), "actions.otherwise", where
    )
    delimiter = str(data.get("delimiter", ","))
    if len(delimiter) != 1:
        raise ProfileError(f"{where}: delimiter must be one character")
    return Profile(
        name=str(data.get("name") or source.stem),
        description=str(data.get("description", "")),
        columns={str(k): str(v) for k, v in columns.items() if v},
        delimiter=delimiter,
        time_format=time_format,
        timezone=zone,
        ambiguous=_choice(
            timing.get("ambiguous", "earliest"),
            ("earliest", "latest", "quarantine"),
            "time.ambiguous",
            where,
        ),
        nonexistent=_choice(
            timing.get("nonexistent", "shift_forward"),
            ("shift_forward", "quarantine"),
            "time.nonexistent",
            where,
        ),
        patient_id=_choice(
            data.get("patient_id", "fhir_id"), ("fhir_id", "mrn"), "patient_id", where
        ),
        source_system=str(data.get("source_system", "")),
        break_glass_values=tuple(str(v) for v in data.get("break_glass_values") or ()),
        actions=mapping,
        otherwise=otherwise,
        path=where,
    )


def shipped_profiles() -> list[Profile]:
    return [load_profile(p) for p in sorted(PROFILES_DIR.glob("*.yaml"))]


def find_profile(name_or_file: str) -> Profile:
    path = Path(name_or_file)
    if path.suffix in (".yaml", ".yml", ".toml") and path.exists():
        return load_profile(path)
    for profile in shipped_profiles():
        if profile.name == name_or_file:
            return profile
    names = ", ".join(p.name for p in shipped_profiles())
    raise ProfileError(f"no profile named {name_or_file!r} (shipped: {names}; or give a file)")


# --- reading ---------------------------------------------------------------------------------


def _strings(column: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, pa.Array]:
    """A binary column as strings, and a mask of the rows that are not UTF-8."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    array = pc.fill_null(array, b"")  # a column the profile names but the file lacks
    try:
        return array.cast(pa.string()), pa.repeat(pa.scalar(False), len(array))
    except pa.ArrowInvalid:
        values: list[str] = []
        bad: list[bool] = []
        for raw in array.to_pylist():
            try:
                values.append(raw.decode("utf-8"))
                bad.append(False)
            except UnicodeDecodeError:
                values.append("")
                bad.append(True)
        return pa.array(values, pa.string()), pa.array(bad)


@dataclass
class _Batch:
    """One block's columns and the refusals found so far: (mask of rows, reason). A row is
    quarantined with the first reason that applies to it."""

    columns: dict[str, pa.Array]
    rows: pa.Array  # row numbers
    raw: pa.Table
    refusals: list[tuple[pa.Array, str]] = field(default_factory=list)

    def refuse(self, mask: pa.Array, reason: str) -> None:
        mask = pc.fill_null(mask, False)
        if pc.any(mask).as_py():
            self.refusals.append((mask, reason))

    def refuse_rows(self, indices: list[int], reason: str) -> None:
        if indices:
            mask = np.zeros(self.raw.num_rows, dtype=bool)
            mask[indices] = True
            self.refusals.append((pa.array(mask), reason))

    def refused(self) -> pa.Array | None:
        """Mask of the rows refused for any reason (None: none)."""
        if not self.refusals:
            return None
        combined = self.refusals[0][0]
        for mask, _ in self.refusals[1:]:
            combined = pc.or_(combined, mask)
        return combined

    def tally(self) -> dict[str, int]:
        """Refused rows counted by their first reason, without a step per row."""
        counts: dict[str, int] = {}
        taken = pa.array(np.zeros(self.raw.num_rows, dtype=bool))
        for mask, reason in self.refusals:
            fresh = pc.and_(mask, pc.invert(taken))
            found = pc.sum(fresh).as_py() or 0
            if found:
                counts[reason] = counts.get(reason, 0) + found
            taken = pc.or_(taken, mask)
        return counts

    def reasons(self, refused: pa.Array) -> Iterator[tuple[int, str]]:
        """(row index, first reason) for each refused row, in row order."""
        masks = [(mask.to_numpy(zero_copy_only=False), reason) for mask, reason in self.refusals]
        for index in pc.indices_nonzero(refused).to_pylist():
            yield index, next(reason for mask, reason in masks if mask[index])


def _local_times(
    batch: _Batch, profile: Profile, ctx: Any, con: duckdb.DuckDBPyConnection
) -> tuple[pa.Array, pa.Array]:
    text = batch.columns["time"]
    # DuckDB's strptime is strict (30 February is refused, not rolled over) and fast.
    con.register("times", pa.table({"t": text}))
    try:
        pattern = profile.time_format.replace("'", "''")
        naive = (
            con.sql(f"SELECT try_strptime(trim(t), '{pattern}') AS ts FROM times")  # noqa: S608
            .to_arrow_table()["ts"]
            .combine_chunks()
            .cast(pa.timestamp("us"))
        )
    finally:
        con.unregister("times")
    zone = profile.timezone
    early = pc.assume_timezone(naive, zone, ambiguous="earliest", nonexistent="earliest")
    late = pc.assume_timezone(naive, zone, ambiguous="latest", nonexistent="latest")
    odd = pc.fill_null(pc.not_equal(early, late), False)
    chosen = late if profile.ambiguous == "latest" else early
    if pc.any(odd).as_py():
        # Only the rows in a changed hour are looked at one by one.
        indices = pc.indices_nonzero(odd).to_pylist()
        walls = pc.take(naive, pa.array(indices)).to_pylist()
        current = pc.take(chosen, pa.array(indices)).to_pylist()
        tz = ZoneInfo(zone)
        repeated: list[int] = []
        missing: list[int] = []
        for position, (index, wall) in enumerate(zip(indices, walls, strict=True)):
            exists = (
                wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
            )
            if exists:
                repeated.append(index)
            else:
                missing.append(index)
                if profile.nonexistent != "quarantine":
                    # fold=0: the offset in force before the change, i.e. standard time
                    current[position] = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
        if repeated:
            ctx.note("ambiguous local times (clocks went back)", len(repeated))
        if missing:
            ctx.note("non-existent local times (clocks went forward)", len(missing))
        if profile.ambiguous == "quarantine":
            batch.refuse_rows(
                repeated, f"local time falls in the repeated hour when clocks went back in {zone}"
            )
        if profile.nonexistent == "quarantine":
            batch.refuse_rows(missing, f"local time does not exist in {zone} (clocks went forward)")
        chosen = pc.replace_with_mask(
            chosen.cast(pa.timestamp("us", tz="UTC")),
            odd,
            pa.array(current, pa.timestamp("us", tz="UTC")),
        )
    offsets = pc.divide(
        pc.cast(pc.subtract(naive, pc.cast(chosen, pa.timestamp("us"))), pa.int64()), 60_000_000
    )
    return chosen, offsets


def _iso_times(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    trimmed = pc.utf8_trim_whitespace(text)
    values: list[datetime | None] = []
    offsets: list[int | None] = []
    try:
        utc = pc.cast(trimmed, pa.timestamp("us", tz="UTC"))
        naive_ok = pc.match_substring_regex(trimmed, r"(Z|[+-]\d\d:?\d\d)$")
        if not pc.all(naive_ok).as_py():
            raise pa.ArrowInvalid("missing offsets")
        suffix = pc.extract_regex(trimmed, r"(?P<sign>[+-])(?P<h>\d\d):?(?P<m>\d\d)$")
        for item in suffix.to_pylist():
            if item is None:
                offsets.append(0)
            else:
                minutes = int(item["h"]) * 60 + int(item["m"])
                offsets.append(-minutes if item["sign"] == "-" else minutes)
        return utc, pa.array(offsets, pa.int64())
    except pa.ArrowInvalid:
        pass
    for raw in trimmed.to_pylist():
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            values.append(None)
            offsets.append(None)
            continue
        delta = parsed.utcoffset()
        values.append(parsed.astimezone(UTC))
        offsets.append(int(delta.total_seconds() // 60) if delta is not None else 0)
    return pa.array(values, pa.timestamp("us", tz="UTC")), pa.array(offsets, pa.int64())


CONTENT_PARTS = (
    "source_system",
    "time_text",
    "user_login",
    "patient_text",
    "subtype",
    "workstation",
)


def _event_ids(batch: pa.Table, has_own_id: bool, con: duckdb.DuckDBPyConnection) -> pa.Array:
    """stable_id for every row, computed by DuckDB (SHA-256, first 32 hex): from the export's
    own id and the UTC day when the row has one (an id reused another day is another event),
    else from the row's identifying content."""
    content = ", ".join(f"coalesce(CAST({p} AS VARCHAR), '')" for p in CONTENT_PARTS)
    by_content = f"left(sha256(concat_ws(chr(31), 'csv-row', {content})), 32)"
    if has_own_id:
        day = "strftime(timezone('UTC', occurred_utc), '%Y-%m-%d')"
        by_own = (
            f"left(sha256(concat_ws(chr(31), 'csv-event', source_system, source_id, {day})), 32)"
        )
        expression = f"CASE WHEN source_id <> '' THEN {by_own} ELSE {by_content} END"
    else:
        expression = by_content
    # In small batches, so that DuckDB spreads the hashing over its threads.
    con.register("rows", pa.Table.from_batches(batch.to_batches(max_chunksize=SCAN_ROWS)))
    try:
        query = f"SELECT {expression} AS id FROM rows"  # noqa: S608 (built from constants)
        return con.sql(query).to_arrow_table()["id"].combine_chunks()
    finally:
        con.unregister("rows")


def read(path: Path, profile: Profile, ctx: Any) -> Iterator[pa.Table | Rejected | Unread]:
    """Every row of an access-log export as canonical events (Arrow tables) or rejections;
    a file whose header cannot be used is reported as unread."""
    name = str(path)
    con = duckdb.connect(config={"threads": 2})
    try:
        yield from _read_blocks(name, path, profile, ctx, con)
    finally:
        con.close()
    if ctx.on_position is not None:
        ctx.on_position(path.stat().st_size)


def _read_blocks(
    name: str, path: Path, profile: Profile, ctx: Any, con: duckdb.DuckDBPyConnection
) -> Iterator[pa.Table | Rejected | Unread]:
    """The file in blocks of whole lines (over-long lines rejected and skipped, a broken
    compressed stream reported), each parsed by pyarrow; the header is line 1."""
    header: list[str] = []
    lines_read = line_blocks(path, BLOCK_BYTES, BLOCK_BYTES, ctx.on_position, utf8=False)
    for item in lines_read:
        if not isinstance(item, LineBlock):
            yield item
            continue
        lines = item.table
        if not header:
            header, problem = _header(lines, profile)
            if problem:
                size = path.stat().st_size
                yield Unread(Location(name, 1), problem, size, count_lines(path, after=1))
                return
            lines = lines.slice(1)
        yield from _block(name, lines, header, profile, ctx, con)


def _header(lines: pa.Table, profile: Profile) -> tuple[list[str], str]:
    """The column names in line 1, or why nothing after it can be read."""
    if lines["line"][0].as_py() != 1:
        return [], "the header (line 1) is blank or too long; nothing after it is read"
    raw = lines["raw"][0].as_py()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], f"the header is not UTF-8 (byte {exc.start}); nothing after it is read"
    try:
        names = pcsv.read_csv(
            pa.BufferReader(text.encode()),
            parse_options=pcsv.ParseOptions(delimiter=profile.delimiter),
        ).column_names
    except pa.ArrowInvalid as exc:
        return [], f"the header is not CSV ({_arrow_problem(exc)}); nothing after it is read"
    absent = [c for f, c in profile.columns.items() if f in REQUIRED and c not in names]
    if absent:
        return [], f"header lacks the column(s) {', '.join(absent)}; nothing after it is read"
    return names, ""


def _block(
    name: str,
    lines: pa.Table,
    header: list[str],
    profile: Profile,
    ctx: Any,
    con: duckdb.DuckDBPyConnection,
) -> Iterator[pa.Table | Rejected]:
    """One block of whole lines as events and rejections. A row is a line (exports do not
    break values over lines): a quote left open must not take the lines after it into its
    row, as pyarrow would, so a stretch of lines that does not parse into as many rows is
    parsed again in halves, down to the line at fault, which is then a row of its own."""
    if not lines.num_rows:
        return
    raw = lines["raw"].combine_chunks()
    _, offsets_buffer, data = raw.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32)[raw.offset : raw.offset + len(raw) + 1]
    numbers = lines["line"].to_numpy()
    read_options = pcsv.ReadOptions(
        column_names=header, use_threads=False, block_size=len(data) + 1
    )
    convert_options = pcsv.ConvertOptions(
        column_types=dict.fromkeys(profile.columns.values(), pa.binary()),
        include_columns=list(dict.fromkeys(profile.columns.values())),
        include_missing_columns=True,
        strings_can_be_null=False,
    )

    def parse(low: int, high: int) -> tuple[pa.Table | None, list[int], str]:
        """Lines low..high-1 parsed: the rows, the indexes (into the region) of the rows
        pyarrow could not take, and its error when it gave up."""
        invalid: list[int] = []

        def on_invalid(row: Any) -> str:
            invalid.append((row.number or 1) - 1)
            return "skip"

        region = data.slice(offsets[low], offsets[high] - offsets[low])
        try:
            table = pcsv.read_csv(
                pa.BufferReader(region),
                read_options=read_options,
                parse_options=pcsv.ParseOptions(
                    delimiter=profile.delimiter, invalid_row_handler=on_invalid
                ),
                convert_options=convert_options,
            )
        except (pa.ArrowInvalid, OSError) as exc:
            return None, [], _arrow_problem(exc)
        return table, invalid, ""

    refused: list[Rejected] = []
    tables: list[pa.Table] = []
    kept: list[np.ndarray] = []
    pending = [(0, lines.num_rows)]  # regions still to parse, the next one last
    while pending:
        low, high = pending.pop()
        table, invalid, problem = parse(low, high)
        count = high - low
        if count > 1 and (table is None or table.num_rows + len(invalid) != count):
            middle = (low + high) // 2
            pending += [(middle, high), (low, middle)]
            continue
        if table is None:  # a line pyarrow cannot parse at all
            invalid, problem = [0], f"unreadable row ({problem})"
        for index in invalid:
            line = low + index if count > 1 else low  # a lone CR makes rows of one line
            text = data.slice(offsets[line], offsets[line + 1] - offsets[line]).to_pybytes()
            reason = problem or "wrong number of columns"
            refused.append(Rejected(Location(name, int(numbers[line])), reason, excerpt(text)))
        if table is not None and table.num_rows:
            if count > 1:
                kept.append(numbers[low + np.delete(np.arange(count), invalid)])
            else:
                kept.append(np.repeat(numbers[low], table.num_rows))
            tables.append(table)
    if tables:
        rows = pa.concat_tables(tables).combine_chunks()
        yield from _convert(name, rows, np.concatenate(kept), profile, ctx, con)
    yield from refused  # after the rows they sit among: the ingest counts those first


def _arrow_problem(exc: Exception) -> str:
    """pyarrow's message up to its first colon: the rest can quote the row itself."""
    return str(exc).split(":", 1)[0][:200]


def _convert(
    name: str,
    raw: pa.Table,
    numbers: np.ndarray,
    profile: Profile,
    ctx: Any,
    con: duckdb.DuckDBPyConnection,
) -> Iterator[pa.Table | Rejected]:
    count = raw.num_rows
    batch = _Batch({}, pa.array(numbers, pa.int64()), raw)
    for hygeia_field, source_column in profile.columns.items():
        values, bad = _strings(raw[source_column])
        batch.refuse(bad, f"column {source_column} is not UTF-8")
        too_long = pc.greater(pc.utf8_length(values), MAX_VALUE_CHARS)
        batch.refuse(
            too_long, f"column {source_column} is longer than {MAX_VALUE_CHARS} characters"
        )
        batch.columns[hygeia_field] = values
    for hygeia_field in REQUIRED:
        empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(batch.columns[hygeia_field])), 0)
        batch.refuse(empty, f"column {profile.columns[hygeia_field]} is empty")

    if profile.time_format == "iso8601":
        times, offsets = _iso_times(batch.columns["time"])
    else:
        times, offsets = _local_times(batch, profile, ctx, con)
    batch.refuse(
        pc.is_null(times), f"column {profile.columns['time']} is not a time in the profile's format"
    )
    latest = latest_allowed()
    absurd = pc.or_(pc.less(times, pa.scalar(EARLIEST)), pc.greater(times, pa.scalar(latest)))
    batch.refuse(pc.fill_null(absurd, False), "time is outside 1990 to next year")

    source_actions = pc.utf8_trim_whitespace(batch.columns["action"])
    keys = pa.array(list(profile.actions), pa.string())
    mapped = pc.take(
        pa.array(list(profile.actions.values()), pa.string()), pc.index_in(source_actions, keys)
    )
    known_action = pc.is_in(source_actions, pa.array(ACTIONS, pa.string()))
    mapped = pc.if_else(pc.and_(pc.is_null(mapped), known_action), source_actions, mapped)
    unmapped = pc.is_null(mapped)
    if profile.otherwise == "quarantine":
        batch.refuse(
            unmapped, f"action not in the profile's map (column {profile.columns['action']})"
        )
    elif pc.any(unmapped).as_py():
        ctx.note(f"unmapped actions read as {profile.otherwise}", pc.sum(unmapped).as_py())
    actions = pc.fill_null(mapped, profile.otherwise)

    empty = pa.repeat(pa.scalar("", pa.string()), count)

    def column(field_name: str) -> pa.Array:
        return pc.utf8_trim_whitespace(batch.columns.get(field_name, empty))

    patient = column("patient")
    if profile.patient_id == "mrn":
        identifier = patient
        refs = resolve_mrns(patient, ctx)
    else:
        identifier = empty
        refs = pc.if_else(
            pc.equal(patient, ""), "", pc.binary_join_element_wise("Patient/", patient, "")
        )
    system = (
        column("source_system")
        if "source_system" in profile.columns
        else pa.repeat(pa.scalar(profile.source_system or profile.name, pa.string()), count)
    )
    purposes = column("purpose_of_use")
    break_glass = pc.is_in(
        column("break_glass"), pa.array(profile.break_glass_values or ["\x00"], pa.string())
    )
    no_purpose = pa.repeat(pa.scalar([], pa.list_(pa.string())), count)
    purpose_lists = pc.if_else(pc.equal(purposes, ""), no_purpose, pc.split_pattern(purposes, "|"))

    table = pa.table(
        {
            "occurred_utc": times,
            "utc_offset_minutes": offsets,
            "user_login": column("user_login"),
            "user_practitioner": column("user_practitioner"),
            "patient_ref": refs,
            "patient_identifier": identifier,
            "action": actions,
            "subtype": column("subtype") if "subtype" in profile.columns else source_actions,
            "purpose_of_use": purpose_lists,
            "break_glass": break_glass,
            "resource_type": column("resource_type"),
            "outcome": column("outcome"),
            "source_system": system,
            "network_address": column("network_address"),
            "workstation": column("workstation"),
            "source_file": pa.repeat(pa.scalar(name, pa.string()), count),
            "source_line": batch.rows,
            "extra": empty,
            "source_format": pa.repeat(pa.scalar(f"csv:{profile.name}", pa.string()), count),
            "ingest_id": pa.repeat(pa.scalar(ctx.token, pa.string()), count),
            "source_id": column("event_id"),
            "time_text": column("time"),
            "patient_text": patient,
        }
    )
    refused = batch.refused()
    ctx.accept(count - (pc.sum(refused).as_py() or 0 if refused is not None else 0))
    if refused is not None and not ctx.wants_content:
        yield Tally(name, batch.tally())
        table = table.filter(pc.invert(refused))
    elif refused is not None:
        for index, reason in batch.reasons(refused):
            cells = [batch.raw[c][index].as_py() or b"" for c in batch.raw.column_names]
            content = profile.delimiter.join(c.decode("utf-8", "replace") for c in cells)
            yield Rejected(Location(name, int(numbers[index])), reason, content[:4096])
        table = table.filter(pc.invert(refused))
    if table.num_rows == 0:
        return
    ids = _event_ids(table, "event_id" in profile.columns, con)
    table = table.drop_columns(["source_id", "time_text", "patient_text"])
    table = table.append_column("event_id", ids)
    table = table.append_column(
        "day", pc.cast(pc.cast(table["occurred_utc"], pa.timestamp("us")), pa.date32())
    )
    yield table.select(EVENTS.schema.names).cast(EVENTS.schema)
