"""CSA Consensus Assessments Initiative Questionnaire (CAIQ) v4, from a spreadsheet the user
supplies (a provider's completed CAIQ, or the blank one from CSA). Hygeia ships none of CSA's
content: the questionnaire is built from the file, sectioned by CCM domain, and the provider's
answers, when present, become a submitted assessment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from hygeia.vendors import questionnaire
from hygeia.vendors.importers.sheets import rows
from hygeia.vendors.models import Answer, Assessment, Questionnaire, Vendor

QUESTION_ID = re.compile(r"^[A-Z&]{2,4}-\d{2}(\.\d+)?$")
ANSWERS = {"yes": "yes", "no": "no", "na": "n/a", "n/a": "n/a", "not applicable": "n/a"}
COLUMNS = {
    "question id": "id",
    "question": "text",
    "csp caiq answer": "answer",
    "csp implementation description": "note",
    "ccm domain title": "domain",
    "ssrm control ownership": "ownership",
}


class CaiqError(ValueError):
    pass


def parse(name: str, handle: IO[bytes], size: int) -> tuple[str, list[dict[str, Any]]]:
    """(version found in the file, [{id, text, answer, note, domain}])."""
    version = "4"
    header: dict[str, int] | None = None
    items: list[dict[str, Any]] = []
    for sheet, _line, cells in rows(name, handle, size):
        texts = ["" if c is None else str(c).strip() for c in cells]
        if header is None or sheet != header.get("__sheet__"):
            lowered = {t.lower(): i for i, t in enumerate(texts)}
            if "question id" in lowered and "question" in lowered:
                header = {COLUMNS[k]: i for k, i in lowered.items() if k in COLUMNS}
                header["__sheet__"] = sheet  # type: ignore[assignment]
                found = re.search(r"v?(4\.\d+(\.\d+)?)", sheet, re.I)
                version = found.group(1) if found else version
            continue
        cell = {
            k: texts[i] if i < len(texts) else "" for k, i in header.items() if k != "__sheet__"
        }
        if not QUESTION_ID.match(cell.get("id", "")):
            continue
        items.append(cell)
    if not items:
        raise CaiqError(
            f"{name}: no CAIQ questions found (a 'Question ID' column with ids like A&A-01.1)"
        )
    return version, items


def import_file(
    name: str, handle: IO[bytes], size: int, vendor: Vendor | None = None
) -> tuple[Questionnaire, Assessment | None]:
    version, items = parse(Path(name).name, handle, size)
    sections: dict[str, dict[str, Any]] = {}
    for item in items:
        code = item["id"].split("-")[0]
        section = sections.setdefault(
            code, {"id": code, "title": item.get("domain") or code, "questions": []}
        )
        section["questions"].append({"id": item["id"], "type": "yes_no", "text": item["text"]})
    definition = {
        "key": "caiq",
        "version": f"v{version}",
        "title": f"CSA CAIQ v{version}",
        "source": f"imported from {Path(name).name}",
        "sections": list(sections.values()),
    }
    questionnaire.Form(definition, name)
    row = questionnaire.install(definition)
    answered = [i for i in items if i.get("answer", "").lower() in ANSWERS]
    if vendor is None or not answered:
        return row, None
    from hygeia.vendors import assessments

    with transaction.atomic():
        assessment = assessments.create(
            vendor, row, timezone.localdate(), reason=f"CAIQ imported from {Path(name).name}"
        )
        Answer.objects.filter(assessment=assessment).delete()
        Answer.objects.bulk_create(
            Answer(
                assessment=assessment,
                question_id=i["id"],
                value=ANSWERS[i["answer"].lower()],
                note=i.get("note", "")[:5000],
            )
            for i in answered
        )
        assessment.state = Assessment.State.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.score = questionnaire.form_for(row).score(assessments.answers_of(assessment))
        assessment.save()
    return row, assessment
