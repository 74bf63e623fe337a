"""Keeping the risk register: references, and the defaults taken from published figures."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from hygeia.core import sequences
from hygeia.program.models import Risk

FIGURES = Path(__file__).resolve().parent.parent / "content" / "program" / "reference_figures.yaml"


def next_reference() -> str:
    return sequences.next_reference(Risk.objects, "reference", "R-", 4)


@cache
def reference_figures() -> dict[str, dict[str, Any]]:
    """Published figures (value, unit, label, source), editable in the data file."""
    figures: dict[str, dict[str, Any]] = yaml.safe_load(FIGURES.read_text(encoding="utf-8"))[
        "figures"
    ]
    return figures
