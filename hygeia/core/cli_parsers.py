"""Building `hygeia` subcommands one way everywhere, so that each command's `--help` shows
its explanation (with its examples) as written."""

from __future__ import annotations

import argparse
from typing import Any


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
