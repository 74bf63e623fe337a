"""The security program in the JSON API: frameworks, the quantified register, assessment
scores — for GRC tools and board packs that pull rather than import."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from hygeia.core.permissions import need
from hygeia.program import assess, frameworks, risks
from hygeia.program.models import Framework, FrameworkAssessment

router = Router(tags=["security program"])


class FrameworkOut(Schema):
    id: str
    version: str
    title: str
    requirements: int
    levels: dict[str, int]


@router.get("/program/frameworks", response=list[FrameworkOut], summary="Loaded frameworks")
def list_frameworks(request: HttpRequest) -> list[dict[str, Any]]:
    need(request, "view_program")
    return [
        {"id": f.key, "version": f.version, "title": f.title,
         "requirements": f.requirements.filter(assessable=True).count(),
         "levels": frameworks.counts(f)}
        for f in Framework.objects.all()
    ]  # fmt: skip


class Figures(Schema):
    ale: float
    p50: float
    p90: float
    p99: float
    p_any_loss: float


class RiskOut(Schema):
    risk: str
    title: str
    ale: float
    p50: float
    p90: float
    p99: float
    p_any_loss: float
    treated: Figures | None = None
    reduction: float | None = None


class RegisterOut(Schema):
    seed: int
    years: int
    risks: list[RiskOut]
    portfolio: Figures


@router.get(
    "/program/risks",
    response=RegisterOut,
    summary="The risk register simulated: ALE and percentiles per risk and for the portfolio",
)
def register(request: HttpRequest, seed: int = 1, years: int = 100_000) -> dict[str, Any]:
    need(request, "view_program")
    years = max(1_000, min(years, 200_000))
    simulated, portfolio = risks.simulate_register(seed=seed, years=years)
    return {"seed": seed, "years": years, "risks": [s.row() for s in simulated],
            "portfolio": portfolio.summary()}  # fmt: skip


class GroupScore(Schema):
    ref: str
    title: str
    level: str
    assessed: int
    total: int
    implemented_share: float | None
    maturity: float | None


@router.get(
    "/program/assessments/{assessment_id}/scores",
    response=list[GroupScore],
    summary="An assessment's scores for the whole framework and each group",
)
def scores(request: HttpRequest, assessment_id: int) -> list[Any]:
    need(request, "view_program")
    return assess.scores(get_object_or_404(FrameworkAssessment, pk=assessment_id))
