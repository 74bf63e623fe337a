"""Rows of a spreadsheet the user hands us (XLSX or CSV/TSV), checked first like any upload
(type by content, size, zip-bomb ratio), with errors that name the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError

from hygeia.core.uploads import check_upload
from hygeia.streams import TextFileError, csv_stream_rows


class SheetError(ValueError):
    """The file cannot be read at all; the message names it."""


def rows(name: str, handle: IO[bytes], size: int) -> Iterator[tuple[str, int, list[Any]]]:
    """(sheet title, line number, cells) for every row of every sheet."""
    try:
        kind = check_upload(name, handle, size)
    except ValidationError as exc:
        raise SheetError(" ".join(exc.messages)) from exc
    if kind == "office":
        yield from _xlsx(name, handle)
    else:
        yield from _csv(name, handle)


def _csv(name: str, handle: IO[bytes]) -> Iterator[tuple[str, int, list[Any]]]:
    """Read a row at a time: a worker's memory does not grow with the file."""
    sample = handle.read(4096)
    handle.seek(0)
    delimiter = "\t" if sample.count(b"\t") > sample.count(b",") else ","
    try:
        for line, row in csv_stream_rows(handle, name, delimiter):
            yield "", line, row
    except TextFileError as exc:
        raise SheetError(str(exc)) from exc


def _xlsx(name: str, handle: IO[bytes]) -> Iterator[tuple[str, int, list[Any]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SheetError(f"{name}: not a readable XLSX workbook ({type(exc).__name__})") from exc
    try:
        for sheet in book.worksheets:
            for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
                yield sheet.title, number, list(row)
    finally:
        book.close()
