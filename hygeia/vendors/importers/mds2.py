"""A manufacturer's completed MDS2 form (ANSI/NEMA HN 1-2019), as the spreadsheet they send.

Manufacturers lay the form out in different ways, so rows are found by their question id
(e.g. `AUTH-1`, `MPII-2.1`) wherever it sits; the answer is the first cell after it that reads
Yes, No, N/A or See Note, and the note the longest text after the answer. The question text
is taken from the file when the form's own text is there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone

from hygeia.vendors import questionnaire
from hygeia.vendors.importers.sheets import rows
from hygeia.vendors.models import Answer, Assessment, Product

QUESTION_ID = re.compile(r"^([A-Z]{3,4})-(\d+(?:\.\d+)*)$")
ANSWERS = {"yes": "yes", "no": "no", "n/a": "n/a", "na": "n/a", "see note": "see note"}


class Mds2Error(ValueError):
    pass


MDS2 = questionnaire.CONTENT / "mds2-2019.yaml"


def parse(
    name: str, handle: IO[bytes], size: int, form: questionnaire.Form | None = None
) -> dict[str, dict[str, Any]]:
    """{question id: {answer, note, text, line}} for every answered or listed question."""
    form = form or questionnaire.Form(questionnaire.load_file(MDS2))
    sections = {section for section, _, _ in form.sections}
    found: dict[str, dict[str, Any]] = {}
    for _sheet, line, cells in rows(name, handle, size):
        texts = ["" if c is None else str(c).strip() for c in cells]
        for position, text in enumerate(texts):
            match = QUESTION_ID.match(text)
            if not match or match.group(1) not in sections:
                continue
            rest = texts[position + 1 :]
            filled = [cell for cell in rest if cell]
            answer_at = next((i for i, cell in enumerate(rest) if cell.lower() in ANSWERS), None)
            item: dict[str, Any]
            if answer_at is not None:
                before, after = rest[:answer_at], rest[answer_at + 1 :]
                item = {
                    "answer": ANSWERS[rest[answer_at].lower()],
                    "text": max(before, key=len, default=""),
                    "note": max(after, key=len, default=""),
                }
            else:  # a free-text row (e.g. DOC-1 Manufacturer name): the last cell is the answer
                item = {
                    "answer": filled[-1] if len(filled) > 1 else None,
                    "text": filled[0] if filled else "",
                    "note": "",
                }
            found[text] = {
                "answer": item["answer"],
                "text": str(item["text"])[:1000],
                "note": str(item["note"])[:5000],
                "line": line,
            }
            break
    if not found:
        raise Mds2Error(f"{name}: no MDS2 question ids (like AUTH-1) found: is this an MDS2 form?")
    return found


def import_form(product: Product, name: str, handle: IO[bytes], size: int) -> Assessment:
    """The form becomes a submitted assessment of the product, ready for review."""
    from hygeia.vendors import assessments

    row = questionnaire.install(questionnaire.load_file(MDS2))
    form = questionnaire.form_for(row)
    found = parse(Path(name).name, handle, size, form)
    known = form.by_id
    with transaction.atomic():
        assessment = assessments.create(
            product.vendor, row, timezone.localdate(), product=product,
            reason=f"MDS2 form imported from {Path(name).name}",
        )  # fmt: skip
        Answer.objects.filter(assessment=assessment).delete()
        Answer.objects.bulk_create(
            Answer(
                assessment=assessment,
                question_id=qid,
                value=item["answer"],
                note=item["note"] if qid in known else f"{item['text']}\n{item['note']}".strip(),
            )
            for qid, item in found.items()
        )  # fmt: skip
        assessment.state = Assessment.State.SUBMITTED
        assessment.submitted_at = timezone.now()
        assessment.score = form.score(assessments.answers_of(assessment))
        assessment.save()
    return assessment
