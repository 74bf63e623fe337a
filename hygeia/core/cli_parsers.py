"""Building `hygeia` subcommands one way everywhere, so that each command's `--help` shows
its explanation (with its examples) as written."""

from __future__ import annotations

import argparse
import json
import os
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn


class Parser(argparse.ArgumentParser):
    """argparse, with a wrong argument said in one sentence (not the whole usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}; `{self.prog} --help` explains the arguments.\n")


def action(actions: Any, name: str, handler: Any, summary: str, details: str = "") -> Any:
    """A command that runs `handler`; its --help prints `details` (or the summary)."""
    parser = actions.add_parser(
        name,
        help=summary,
        description=details or summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def group(actions: Any, name: str, summary: str, details: str) -> Any:
    """A command made of actions (`hygeia vendors sbom add`); returns where they are added."""
    parser = actions.add_parser(
        name,
        help=summary,
        description=details,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser.add_subparsers(dest=f"{name}_action", metavar="ACTION", required=True)


def day(text: str) -> date:
    """An argparse type for YYYY-MM-DD that says so when the value is not one."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


SOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}$")


def source_name(text: str) -> str:
    """An argparse type for the name of a source system (--source): short and printable,
    since it becomes part of every record's identity and is shown on the Sources page."""
    if not SOURCE_NAME.match(text):
        raise argparse.ArgumentTypeError(
            f"{text[:120]!r} is not a source name: up to 100 letters, digits and . _ : / @ -, "
            "starting with a letter or digit (e.g. epic-east)"
        )
    return text


SECRET_FILE_LIMIT = 64 * 1024


def secret_file(name: str) -> str:
    """The secret held in a file, without its final line break. Any readable file will do,
    a FIFO or `/dev/fd/N` included (a shell's `<(...)`, a secret handed over a pipe), so it
    is read once, as a stream, and never stat-ed first."""
    from hygeia.core.cli_errors import UserError

    with open(name, "rb") as handle:  # an OSError names the file: the caller's guard says it
        data = handle.read(SECRET_FILE_LIMIT + 1)
    if len(data) > SECRET_FILE_LIMIT:
        raise UserError(f"{name} holds more than a secret ({SECRET_FILE_LIMIT} bytes or more).")
    try:
        return data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise UserError(f"{name} is not UTF-8 text.") from None


def _readable(text: str, folder_too: bool) -> str:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file or folder")
    if path.is_dir() and not folder_too:
        raise argparse.ArgumentTypeError(f"{text} is a folder: name a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: permission denied")
    return text


def input_file(text: str) -> str:
    """An argparse type for a file to read, checked before anything runs: a missing one is
    refused in one sentence and nothing is done (a FIFO or /dev/fd/N is a file here)."""
    return _readable(text, folder_too=False)


def input_path(text: str) -> str:
    """Like input_file, for commands that also read every file in a folder."""
    return _readable(text, folder_too=True)


def input_file_or_stdin(text: str) -> str:
    return text if text == "-" else input_file(text)


def print_rows(
    rows: list[dict[str, Any]],
    as_json: bool,
    empty: str,
    header: str,
    line: Callable[[dict[str, Any]], str],
    payload: Any = None,
) -> int:
    """What a listing command prints: with --json the rows (or `payload`) as one JSON
    document; otherwise a header and a line per row, or, with no rows, what to do first."""
    if as_json:
        print(json.dumps(rows if payload is None else payload, indent=2, default=str))
    elif not rows:
        print(empty)
    else:
        print(header)
        for row in rows:
            print(line(row))
    return 0
