"""Assessing against a framework: scores per group, and results carried to other frameworks
through the mappings (assess once, report against several)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from hygeia.core import uploads
from hygeia.program.models import (
    AssessmentItem,
    Framework,
    FrameworkAssessment,
    Mapping,
    ProgramEvidence,
    Requirement,
)

# How much of a requirement each status counts as met.
CREDIT = {"implemented": 1.0, "partial": 0.5, "not_implemented": 0.0}


class AssessError(ValueError):
    pass


def files_root() -> Path:
    return Path(settings.DATA_DIR) / "program-files"


def record(
    assessment: FrameworkAssessment, requirement: Requirement, **fields: Any
) -> AssessmentItem:
    if requirement.framework_id != assessment.framework_id or not requirement.assessable:
        raise AssessError(f"{requirement.ref} is not an assessable requirement of this framework")
    maturity, target = fields.get("maturity"), fields.get("target_maturity")
    for value in (maturity, target):
        if value is not None and not 0 <= int(value) <= assessment.maturity_max:
            raise AssessError(f"maturity goes from 0 to {assessment.maturity_max} on this scale")
    if fields.get("status", "") not in AssessmentItem.Status.values:
        raise AssessError("unknown status")
    item, _ = AssessmentItem.objects.get_or_create(assessment=assessment, requirement=requirement)
    for name, value in fields.items():
        setattr(item, name, value)
    item.updated_at = timezone.now()
    item.save()
    return item


def attach(
    item: AssessmentItem, name: str, handle: IO[bytes], size: int, by: str
) -> ProgramEvidence:
    try:
        saved = uploads.store(files_root(), str(item.assessment_id), name, handle, size)
    except ValidationError as exc:
        raise AssessError(" ".join(exc.messages)) from exc
    return ProgramEvidence.objects.create(
        item=item, name=saved.name, kind=saved.kind, size=saved.size, sha256=saved.sha256,
        stored_as=saved.stored_as, uploaded_by=by[:200],
    )  # fmt: skip


@dataclass
class Score:
    ref: str
    title: str
    level: str
    depth: int
    assessed: int
    total: int
    implemented_share: float | None  # 0-1, not-applicable left out
    maturity: float | None


def scores(assessment: FrameworkAssessment) -> list[Score]:
    """For every group of the framework (function, category…) and the whole: how much of its
    requirements is met, and their mean maturity."""
    requirements = list(assessment.framework.requirements.all())
    by_id = {r.pk: r for r in requirements}
    items = {i.requirement_id: i for i in assessment.items.all()}
    leaves_under: dict[int | None, list[int]] = defaultdict(list)
    depth: dict[int, int] = {}
    for requirement in requirements:
        parent, steps = requirement.parent_id, 0
        while parent is not None:
            steps += 1
            parent = by_id[parent].parent_id
        depth[requirement.pk] = steps
        if requirement.assessable:
            node: int | None = requirement.pk
            leaves_under[None].append(requirement.pk)
            while node is not None:
                node = by_id[node].parent_id
                if node is not None:
                    leaves_under[node].append(requirement.pk)
    result = []
    groups: list[tuple[int | None, str, str, str, int]] = [
        (None, "", assessment.framework.title, "framework", -1)
    ] + [(r.pk, r.ref, r.title, r.level, depth[r.pk]) for r in requirements if not r.assessable]
    for key, ref, title, level, d in groups:
        leaves = leaves_under[key]
        assessed = [items[x] for x in leaves if x in items and items[x].status]
        counted = [i for i in assessed if i.status in CREDIT]
        maturities = [i.maturity for i in assessed if i.maturity is not None]
        result.append(
            Score(
                ref=ref, title=title, level=level, depth=d, assessed=len(assessed),
                total=len(leaves),
                implemented_share=sum(CREDIT[i.status] for i in counted) / len(counted)
                if counted else None,
                maturity=sum(maturities) / len(maturities) if maturities else None,
            )
        )  # fmt: skip
    return result


@dataclass
class Carried:
    requirement: Requirement
    share: float | None
    sources: list[tuple[str, str]]  # (ref, status) of the assessed requirements it draws on


def carry(assessment: FrameworkAssessment, target: Framework) -> list[Carried]:
    """Each assessable requirement of `target`, with the share met derived from the assessed
    requirements mapped to it (either direction): assess once, report against several."""
    items = {
        i.requirement_id: i for i in assessment.items.select_related("requirement") if i.status
    }
    links: dict[int, set[int]] = defaultdict(set)
    for source_id, target_id in Mapping.objects.values_list("source_id", "target_id"):
        links[source_id].add(target_id)
        links[target_id].add(source_id)
    carried = []
    for requirement in target.requirements.filter(assessable=True):
        related = [items[x] for x in links[requirement.pk] if x in items]
        if target.pk == assessment.framework_id and requirement.pk in items:
            related = [items[requirement.pk]]
        counted = [i for i in related if i.status in CREDIT]
        carried.append(
            Carried(
                requirement,
                sum(CREDIT[i.status] for i in counted) / len(counted) if counted else None,
                sorted((i.requirement.ref, i.get_status_display()) for i in related),
            )
        )
    return carried
