"""Keeping the risk register: references, and the defaults taken from published figures."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Max

from hygeia.program.models import Risk

FIGURES = Path(__file__).resolve().parent.parent / "content" / "program" / "reference_figures.yaml"


def next_reference() -> str:
    last = Risk.objects.filter(reference__startswith="R-").aggregate(m=Max("reference"))["m"]
    return f"R-{int(last[2:]) + 1 if last else 1:04d}"


@cache
def reference_figures() -> dict[str, dict[str, Any]]:
    """Published figures (value, unit, label, source), editable in the data file."""
    figures: dict[str, dict[str, Any]] = yaml.safe_load(FIGURES.read_text(encoding="utf-8"))[
        "figures"
    ]
    return figures
