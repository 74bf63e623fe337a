"""Vendor questionnaires: the bundled definitions, their loading and storing. The engine
(visibility, validation, scoring) is `hygeia.core.questionnaire`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from hygeia.core import questionnaire as engine
from hygeia.core.questionnaire import TYPES, DefinitionError, Question
from hygeia.vendors.models import Questionnaire

__all__ = ["TYPES", "DefinitionError", "Form", "Question", "form_for", "install", "load_file"]

CONTENT = Path(__file__).resolve().parent.parent / "content" / "vendors" / "questionnaires"


class Form(engine.Form):
    """A vendor questionnaire: questions may name the HHS CPG they evidence."""

    extra_keys = frozenset({"cpg"})


def load_file(path: Path) -> dict[str, Any]:
    definition = engine.read_mapping(
        path, ("key", "version", "title"), "a questionnaire definition"
    )
    Form(definition, path.name)  # raises on a broken definition
    return definition


def install(definition: dict[str, Any]) -> Questionnaire:
    """Store a definition (once per key and version: a published version never changes)."""
    with transaction.atomic():
        found, _ = Questionnaire.objects.get_or_create(
            key=str(definition["key"]),
            version=str(definition["version"]),
            defaults={
                "title": str(definition["title"])[:200],
                "source": str(definition.get("source", ""))[:200],
                "definition": definition,
            },
        )
    return found


def install_bundled() -> list[Questionnaire]:
    return [install(load_file(path)) for path in sorted(CONTENT.glob("*.yaml"))]


def form_for(questionnaire: Questionnaire) -> Form:
    return Form(questionnaire.definition, questionnaire.title)
