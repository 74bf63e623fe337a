"""The survey in the JSON API: our benchmark and an edition's published aggregates, for
dashboards and for an association publishing its results elsewhere."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from hygeia.core.permissions import need
from hygeia.survey import aggregate, benchmark
from hygeia.survey.models import Edition

router = Router(tags=["survey"])


class BenchmarkRow(Schema):
    question_id: str
    answer: Any = None
    evidence: str
    proposed: bool
    peer: list[dict[str, Any]]
    statements: list[dict[str, Any]]


@router.get(
    "/survey/benchmark",
    response=list[BenchmarkRow],
    summary="Our survey answers (or Hygeia's proposals) against published peer figures",
)
def survey_benchmark(request: HttpRequest) -> list[dict[str, Any]]:
    need(request, "view_survey")
    return [row.as_json() for row in benchmark.rows()]


class CellOut(Schema):
    question_id: str
    dimension: str
    segment: str
    segment_label: str
    n: int | None
    counts: dict[str, int] | None
    shares: dict[str, float] | None
    suppressed: bool
    reason: str


@router.get(
    "/survey/editions/{edition}/aggregate",
    response=list[CellOut],
    summary="An edition's results per question and segment; small cells suppressed",
)
def survey_aggregate(request: HttpRequest, edition: str) -> list[dict[str, Any]]:
    need(request, "view_survey")
    found = get_object_or_404(Edition, key=edition)
    return [cell.as_json() for cell in aggregate.aggregate(found)]
