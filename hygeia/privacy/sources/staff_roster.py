"""The HR staff roster (CSV): who works here, where, since when, and until when.

Each roster file is kept as a snapshot: a termination date often arrives weeks after the fact,
so detectors must be able to ask what the roster said on a given day. Re-ingesting the same
file stores nothing new; a changed roster is a new snapshot. Columns beyond the documented ones
are kept (as JSON in `extra`).

A quoted value may run over lines (an address), but a quote left open must not take the rows
after it: a row that spans lines and then cannot be used is refused on its first line alone,
and the lines after it are read again (`_rows`). A header that cannot be read leaves the file
unread, and is reported so.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from hygeia.lake.lines import count_lines
from hygeia.lake.records import Location, Parsed, RecordError, Rejected, Unread

COLUMNS = (
    "employee_id",
    "user_id",
    "practitioner_id",
    "family_name",
    "given_name",
    "birth_date",
    "address_line",
    "city",
    "state",
    "postal_code",
    "department",
    "job_title",
    "hire_date",
    "termination_date",
    "shift",
)
OPTIONAL = {"practitioner_id", "shift", "termination_date"}
REQUIRED_COLUMNS = [c for c in COLUMNS if c not in {"practitioner_id", "shift"}]
MAX_FIELD_CHARS = 1000
csv.field_size_limit(1 << 20)


@dataclass(frozen=True)
class StaffRecord:
    employee_id: str
    user_id: str
    practitioner_id: str
    family_name: str
    given_name: str
    birth_date: date | None
    address_line: str
    city: str
    state: str
    postal_code: str
    department: str
    job_title: str
    hire_date: date | None
    termination_date: date | None
    shift: str
    extra: dict[str, str]
    snapshot: str  # sha-256 of the roster file: rows of one snapshot share it


def is_roster(header: list[str]) -> bool:
    return set(REQUIRED_COLUMNS) <= {h.strip().lower() for h in header}


def _date(value: str, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RecordError(f"{column} is not a date (YYYY-MM-DD)") from exc


def parse(row: dict[str, str], snapshot: str) -> StaffRecord:
    for column, value in row.items():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RecordError(f"{column} is not UTF-8") from exc
        if len(value) > MAX_FIELD_CHARS:
            raise RecordError(f"{column} is longer than {MAX_FIELD_CHARS} characters")
    for column in ("employee_id", "user_id"):
        if not row.get(column):
            raise RecordError(f"{column} is empty")
    known = {c: row.get(c, "") for c in COLUMNS}
    extra = {k: v for k, v in row.items() if k not in COLUMNS}
    return StaffRecord(
        **{c: known[c] for c in COLUMNS if not c.endswith(("_date",))},  # type: ignore[arg-type]
        birth_date=_date(known["birth_date"], "birth_date"),
        hire_date=_date(known["hire_date"], "hire_date"),
        termination_date=_date(known["termination_date"], "termination_date"),
        extra=extra,
        snapshot=snapshot,
    )


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Lines:
    """The file's lines for the csv reader: lines to read again come first, and those of the
    row being read are kept (`taken`). Unlike a generator, it can go on after the end of the
    file has been reached once, when lines are handed back."""

    def __init__(self, handle: TextIO) -> None:
        self.lines = enumerate(handle, 1)
        self.again: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        item = self.again.popleft() if self.again else next(self.lines)
        self.taken.append(item)
        return item[1]


def _rows(handle: TextIO, delimiter: str) -> Iterator[tuple[int, list[str] | str, str]]:
    """(first line, cells or why they cannot be read, text) for each row. The first row sets
    the width; a later row that spans lines and cannot be read or has not that width (a quote
    left open took the lines after it) is refused on its first line alone, and the lines
    after that one are read again."""
    lines = _Lines(handle)
    reader = csv.reader(lines, delimiter=delimiter)
    width = 0
    while True:
        lines.taken.clear()
        try:
            cells: list[str] | str = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            cells = f"unreadable CSV row ({exc})"
        line, first = lines.taken[0]
        if width and len(lines.taken) > 1 and (isinstance(cells, str) or len(cells) != width):
            lines.again.extendleft(reversed(lines.taken[1:]))
            yield line, "a quote is not closed on this line", first
            continue
        width = width or (len(cells) if isinstance(cells, list) else 0)
        yield line, cells, "".join(text for _, text in lines.taken)


def read(path: Path) -> Iterator[Parsed[StaffRecord] | Rejected | Unread]:
    name = str(path)
    snapshot = file_digest(path)
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        delimiter = "\t" if "\t" in handle.readline() else ","
        handle.seek(0)
        rows = _rows(handle, delimiter)
        first = next(rows, None)
        if first is None:
            yield Rejected(Location(name, 1), "no header row")
            return
        _, cells, text = first
        if isinstance(cells, str) or text.count("\n") > 1:
            yield Unread(
                Location(name, 1),
                "the header row cannot be read (a quote left open?); nothing after it is read",
                path.stat().st_size,
                count_lines(path, after=1),
            )
            return
        header = [h.strip().lower() for h in cells]
        for line, cells, text in rows:
            where = Location(name, line)
            content = text.rstrip("\r\n")[:4096].encode("utf-8", "replace").decode()
            if isinstance(cells, str):
                yield Rejected(where, cells, content)
                continue
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield Rejected(
                    where, f"{len(cells)} columns where the header has {len(header)}", content
                )
                continue
            row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
            try:
                record = parse(row, snapshot)
            except RecordError as exc:
                yield Rejected(where, str(exc), content)
                continue
            if record.employee_id in seen:
                yield Rejected(
                    where,
                    f"employee_id repeated (first on line {seen[record.employee_id]})",
                    content,
                )
                continue
            seen[record.employee_id] = where.line
            yield Parsed(where, record)


def as_row(record: StaffRecord) -> dict[str, Any]:
    row = asdict(record)
    row["extra"] = json.dumps(record.extra, sort_keys=True) if record.extra else ""
    return row
