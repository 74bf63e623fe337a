"""Human references that count up within a prefix: AI-0007, C-2026-0012, VA-2026-0003."""

from __future__ import annotations

from typing import Any


def next_reference(queryset: Any, field: str, prefix: str, width: int) -> str:
    """One more than the highest reference under `prefix` in `queryset` (1 when there is
    none). Pass a `select_for_update()` queryset to hold the row while the new one is saved."""
    last = (
        queryset.filter(**{f"{field}__startswith": prefix})
        .order_by(f"-{field}")
        .values_list(field, flat=True)
        .first()
    )
    tail = last[len(prefix) :] if last else ""
    return f"{prefix}{int(tail) + 1 if tail.isdigit() else 1:0{width}d}"
