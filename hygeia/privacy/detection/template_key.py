"""What identifies a learned explanation and how much of its role group it covers: shared by
the template detection mines (mining.Template) and the one a person reviews
(models.ExplanationTemplate), so that both name a template the same way."""

from __future__ import annotations

from typing import Any

Key = tuple[str, str, str, str, str]  # role group, kind, relation, scope, offset bin
FIELDS = ("role_group", "kind", "relation", "scope", "bin")


def key_of(row: dict[str, Any]) -> Key:
    """The key of a template given as a row (a query's, or a stored file's)."""
    return tuple(row[name] for name in FIELDS)  # type: ignore[return-value]


class TemplateFigures:
    """key and share, for any object with the template's fields."""

    role_group: Any
    kind: Any
    relation: Any
    scope: Any
    bin: Any
    events: Any
    group_events: Any

    @property
    def key(self) -> Key:
        return tuple(getattr(self, name) for name in FIELDS)  # type: ignore[return-value]

    @property
    def share(self) -> float:
        return self.events / self.group_events if self.group_events else 0.0
