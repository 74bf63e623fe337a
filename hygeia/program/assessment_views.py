"""Framework assessments: record where each requirement stands (with evidence), see the
scores, report against another framework; and the workforce education page."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hygeia.core import audit, charts, uploads
from hygeia.core.forms import posted_id
from hygeia.core.permissions import has, insist, require
from hygeia.program import assess, education, frameworks, operations, registry
from hygeia.program.models import (
    AssessmentItem,
    Framework,
    FrameworkAssessment,
    ProgramEvidence,
    Requirement,
)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


@require("view_program")
def assessment_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        insist(request.user, "manage_program")
        framework = Framework.objects.filter(pk=posted_id(request.POST, "framework")).first()
        scale = request.POST.get("scale", FrameworkAssessment.Scale.ZERO_FIVE)
        if framework is None or scale not in FrameworkAssessment.Scale.values:
            messages.error(request, "Choose a framework and a scale.")
            return redirect("program:assessments")
        created = FrameworkAssessment.objects.create(
            framework=framework, scale=scale,
            title=request.POST.get("title", "").strip()[:200]
            or f"{framework.title} {timezone.localdate():%Y}",
            owner_name=request.POST.get("owner", "")[:200],
        )  # fmt: skip
        return redirect("program:assessment", pk=created.pk)
    rows = []
    for item in FrameworkAssessment.objects.select_related("framework"):
        whole = assess.scores(item)[0]
        rows.append({"a": item, "whole": whole, "share": _share(whole.implemented_share)})
    return render(
        request,
        "program/assessments.html",
        {"rows": rows, "frameworks": Framework.objects.all(),
         "scales": FrameworkAssessment.Scale.choices,
         "can_manage": has(request.user, "manage_program")},
    )  # fmt: skip


@require("view_program")
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(FrameworkAssessment.objects.select_related("framework"), pk=pk)
    scores = assess.scores(item)
    recorded = {i.requirement_id: i for i in item.items.prefetch_related("files")}
    today = timezone.localdate()
    rows = []
    for requirement in item.framework.requirements.all():
        key = requirement.attributes.get("evidence")
        rows.append(
            {
                "r": requirement,
                "item": recorded.get(requirement.pk),
                "evidence": operations.evidence_for(key, today) if key else None,
            }
        )
    top = [s for s in scores if s.depth == 0]
    return render(
        request,
        "program/assessment.html",
        {
            "a": item,
            "whole": scores[0],
            "whole_share": _share(scores[0].implemented_share),
            "groups": [(s, _share(s.implemented_share)) for s in scores[1:]],
            "chart": charts.bars(
                "Share of requirements met, by group (%)",
                [s.ref or s.title for s in top],
                {"met": [round(100 * (s.implemented_share or 0)) for s in top]},
            ) if top else None,
            "rows": rows,
            "statuses": AssessmentItem.Status.choices,
            "maturities": range(0, item.maturity_max + 1),
            "others": Framework.objects.exclude(pk=item.framework_id),
            "can_manage": has(request.user, "manage_program"),
        },
    )  # fmt: skip


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@require("manage_program")
@require_POST
def assessment_item(request: HttpRequest, pk: int, requirement_id: int) -> HttpResponse:
    item = get_object_or_404(FrameworkAssessment, pk=pk)
    requirement = get_object_or_404(Requirement, pk=requirement_id)
    post = request.POST
    try:
        due = post.get("due_on", "")
        recorded = assess.record(
            item, requirement,
            status=post.get("status", ""),
            maturity=_int(post.get("maturity", "")),
            target_maturity=_int(post.get("target_maturity", "")),
            owner=post.get("owner", "")[:200], notes=post.get("notes", ""),
            links=post.get("links", ""),
            due_on=date.fromisoformat(due) if due else None,
        )  # fmt: skip
        upload = request.FILES.get("file")
        if upload is not None:
            assess.attach(recorded, upload.name or "evidence", upload, upload.size or 0,
                          request.user.get_username())  # fmt: skip
    except (assess.AssessError, ValueError) as exc:
        messages.error(request, f"{requirement.ref}: {exc}")
    else:
        messages.success(request, f"{requirement.ref} saved.")
    return redirect(f"{request.path.rsplit('/items/', 1)[0]}/#r{requirement.pk}")


@require("view_program")
def assessment_against(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    item = get_object_or_404(FrameworkAssessment.objects.select_related("framework"), pk=pk)
    target = frameworks.latest(key)
    if target is None:
        raise Http404("no such framework")
    carried = assess.carry(item, target)
    covered = [c for c in carried if c.share is not None]
    return render(
        request,
        "program/against.html",
        {"a": item, "target": target, "rows": [(c, _share(c.share)) for c in carried],
         "covered": len(covered), "total": len(carried),
         "share": _share(sum(c.share or 0 for c in covered) / len(covered) if covered else None)},
    )  # fmt: skip


@require("view_program")
def evidence_file(request: HttpRequest, file_id: int) -> FileResponse:
    item = get_object_or_404(ProgramEvidence, pk=file_id)
    audit.record(audit.Action.EXPORT, object_type="program.evidence", object_id=str(item.pk),
                 summary="program evidence downloaded")  # fmt: skip
    path = uploads.stored_path(assess.files_root(), item.stored_as)
    return uploads.download(path, item.name, "application/octet-stream")


@require("view_program")
def education_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    figures = registry.reference_figures()
    baselines = [figures[k] for k in ("phishing_click_untrained", "phishing_click_90_days",
                                      "phishing_click_one_year")]  # fmt: skip
    over_time = education.rates_over_time()
    latest = over_time[-1][0] if over_time else None
    departments = education.rates_by_department(latest) if latest else {}
    context: dict[str, Any] = {
        "completion": education.completion(today),
        "campaigns": [(c, r, _share(r.click_rate), _share(r.submit_rate), _share(r.report_rate))
                      for c, r in over_time],
        "latest": latest,
        "departments": [(d, r, _share(r.click_rate), _share(r.report_rate))
                        for d, r in departments.items()],
        "repeat": education.repeat_clickers()[:50],
        "baselines": baselines,
        "chart": charts.bars(
            f"Click rate by department — {latest.name if latest else ''} (%)",
            list(departments),
            {"clicked": [round(100 * (r.click_rate or 0), 1) for r in departments.values()]},
        ) if departments else None,
        "trend": charts.lines(
            "Click and report rates by campaign (%)",
            [c.name for c, _ in over_time],
            {"clicked": [round(100 * (r.click_rate or 0), 1) for _, r in over_time],
             "reported": [round(100 * (r.report_rate or 0), 1) for _, r in over_time],
             "baseline before training": [100 * baselines[0]["value"]] * len(over_time)},
        ) if len(over_time) > 1 else None,
        "can_manage": has(request.user, "manage_program"),
    }  # fmt: skip
    return render(request, "program/education.html", context)


@require("manage_program")
@require_POST
def education_import(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    upload = request.FILES.get("file")
    if upload is None or kind not in ("training", "gophish"):
        messages.error(request, "Choose what you import and the CSV file.")
        return redirect("program:education")
    with uploads.spooled([upload], "export.csv") as (path,):
        try:
            if kind == "training":
                counts = education.import_training(path)
                messages.success(
                    request,
                    f"{path.name}: {counts['read']} rows = {counts['stored']} stored + "
                    f"{counts['unchanged']} unchanged + "
                    f"{len(counts['rejected']) + counts['rejected_omitted']} rejected.",
                )
            else:
                summary = education.import_gophish_csv(path, request.POST.get("campaign", ""))
                messages.success(
                    request, f"{summary['campaign']}: {summary['recipients']} recipients."
                )
        except education.EducationError as exc:
            messages.error(request, str(exc))
    return redirect("program:education")


@require("manage_program")
@require_POST
def education_assign(request: HttpRequest) -> HttpResponse:
    assigned = education.assign_training(timezone.localdate())
    messages.success(request, f"Phishing training assigned to {assigned} people who clicked.")
    return redirect("program:education")
