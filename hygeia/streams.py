"""Imported files read as streams, so that memory does not grow with the file: JSON items one
at a time (ijson), CSV rows one at a time, and lists of problems that keep the first ones and
count the rest. Errors name the file's line, as reading it whole would."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import ijson

try:  # yajl's C parser: several times faster than the pure-Python one ijson falls back to
    _backend: Any = ijson.get_backend("yajl2_c")
except ImportError:  # pragma: no cover - depends on how ijson was built
    _backend = ijson

MAX_PROBLEMS = 100
MAX_LINE = 1 << 20  # characters in one line of a CSV file
CHUNK = 64 * 1024
NEWLINE = b"\n"

T = TypeVar("T")


def keep(problems: list[T], problem: T) -> int:
    """Append `problem` while fewer than MAX_PROBLEMS are kept; returns 1 when it was not
    kept (for the caller's count of those left out), else 0."""
    if len(problems) < MAX_PROBLEMS:
        problems.append(problem)
        return 0
    return 1


# --- JSON -------------------------------------------------------------------------------------


class JsonError(ValueError):
    """Text that is not JSON: 'line N: not valid JSON (why)'."""


class Container(str):
    """Stands for a top-level value that is an array or an object (not read)."""


ARRAY, OBJECT = Container("array"), Container("object")


@dataclass
class TopLevel:
    kind: str  # "object", "array" or "scalar"
    values: dict[str, Any] = field(default_factory=dict)  # key -> scalar, ARRAY or OBJECT
    complete: bool = False  # every top-level key was seen


class _Tracked:
    """A binary file as the parser reads it, counting lines so that an error can be placed."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.lines = 0  # newlines before `chunk`
        self.chunk = b""  # the last bytes handed to the parser
        self.ended = False

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson's probe for bytes or text
            return b""
        data = self.handle.read(size if 0 < size <= CHUNK else CHUNK)
        if data:
            self.lines += self.chunk.count(NEWLINE)
            self.chunk = data
        else:
            self.ended = True
        return data

    def line_of(self, message: str) -> str:
        """The line where the parser stopped. At the end of the file it is the last line.
        Otherwise yajl's message shows the text around the error, newlines as spaces, with a
        caret under it; that text is looked for in the last chunk read."""
        if self.ended:  # premature end, or text after the document
            return f"line {self.lines + self.chunk.rstrip().count(NEWLINE) + 1}"
        lines = message.split("\n")
        if len(lines) >= 3 and lines[2].rstrip().endswith("^"):
            shown = lines[1].lstrip(" ")
            caret = len(lines[2].rstrip()) - 1 - (len(lines[1]) - len(shown))
            flat = self.chunk.replace(b"\n", b" ").replace(b"\r", b" ")
            around = shown.encode("utf-8", "surrogateescape")
            at = flat.find(around) if around.strip() else -1
            if at >= 0 and flat.find(around, at + 1) < 0:
                offset = at + len(shown[: max(caret, 0)].encode("utf-8", "surrogateescape"))
                return f"line {self.lines + self.chunk[:offset].count(NEWLINE) + 1}"
        last = self.lines + self.chunk.count(NEWLINE) + 1
        return f"line {self.lines + 1}" + (f" to {last}" if last > self.lines + 1 else "")


def _message(exc: Exception) -> str:
    """yajl's message; bytes when the text it quotes is not UTF-8."""
    first = exc.args[0] if exc.args else ""
    if isinstance(first, bytes):
        return first.decode("utf-8", "surrogateescape")
    return str(first)


def _why(message: str) -> str:
    first = message.strip().split("\n")[0].rstrip(".")
    return first.split("error: ", 1)[-1] or "unreadable"


class JsonDocument:
    """A JSON file read as a stream; each call reads it again from the start."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _events(self, parse: Callable[[_Tracked], Iterator[T]]) -> Iterator[T]:
        with open(self.path, "rb") as handle:
            source = _Tracked(handle)
            try:
                yield from parse(source)
            except (ijson.JSONError, UnicodeDecodeError) as exc:
                message = _message(exc)
                raise JsonError(
                    f"{source.line_of(message)}: not valid JSON ({_why(message)})"
                ) from exc

    def items(self, prefix: str) -> Iterator[Any]:
        """The values at `prefix` (ijson's: "vulnerabilities.item" is each element of the
        top-level `vulnerabilities` array; "" is the whole document), one at a time. Numbers
        that are not integers are floats, as a whole-document parser gives them."""
        return self._events(lambda source: _backend.items(source, prefix, use_float=True))

    def first(self, prefix: str) -> Any:
        """The first value at `prefix`, or None; reading stops there."""
        return next(iter(self.items(prefix)), None)

    def top_level(self, enough: Callable[[dict[str, Any]], bool] | None = None) -> TopLevel:
        """The top-level keys with their scalar values (arrays and objects are skipped, as
        ARRAY or OBJECT). Reading stops as soon as `enough(values)` is true, so keys near the
        start of a big file cost little."""
        events = self._events(lambda source: _backend.basic_parse(source, use_float=True))
        depth, key = 0, ""
        top = TopLevel(kind="scalar")
        for event, value in events:
            if depth == 0:
                if event == "start_map":
                    top.kind, depth = "object", 1
                    continue
                top.kind = "array" if event == "start_array" else "scalar"
                return top
            if depth == 1:
                if event == "map_key":
                    key = value
                    continue
                if event == "end_map":
                    top.complete = True
                    return top
                if event in ("start_map", "start_array"):
                    top.values[key] = OBJECT if event == "start_map" else ARRAY
                    depth += 1
                else:
                    top.values[key] = value
                if enough is not None and enough(top.values):
                    return top
            elif event in ("start_map", "start_array"):
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
        return top


# --- CSV --------------------------------------------------------------------------------------


class TextFileError(ValueError):
    """A text file that cannot be read on: the message names the file and the line."""


def _lines(handle: IO[str], name: str) -> Iterator[str]:
    """The file's lines, each at most MAX_LINE characters and valid UTF-8 (the file is
    decoded with surrogateescape: a byte that is not UTF-8 becomes a lone surrogate, found
    here on its own line rather than somewhere in the decoder's chunk)."""
    number = 0
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise TextFileError(f"{name}: line {number}: longer than {MAX_LINE} characters")
        try:
            line.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise TextFileError(
                f"{name}: line {number}: not UTF-8 text (character {exc.start + 1})"
            ) from exc
        yield line


def csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) for each row of a UTF-8 CSV file (a byte-order mark is skipped), read
    one row at a time; `line` is the row's last line, as csv's line_num counts them. Raises
    TextFileError naming the file and the line for a line that is not UTF-8 or is too long,
    and for what csv cannot read (a field that runs over csv's size limit is most often a
    quote left open)."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, also when the caller stops early
    except OSError as exc:
        raise TextFileError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    with handle:
        yield from csv_stream_rows(handle, path.name)


def csv_stream_rows(
    handle: IO[bytes], name: str, delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """As csv_rows, from an open binary file (an upload) named `name`."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        reader = csv.reader(_lines(text, name), delimiter=delimiter)
        start = 1
        try:
            for row in reader:
                yield reader.line_num, row
                start = reader.line_num + 1
        except csv.Error as exc:
            why = str(exc)
            if "field larger than field limit" in why:
                why = (
                    f"a field longer than {csv.field_size_limit()} characters "
                    "(is a quote left open?)"
                )
            raise TextFileError(f"{name}: line {start}: {why}") from exc
    finally:
        text.detach()  # the caller owns the binary handle
