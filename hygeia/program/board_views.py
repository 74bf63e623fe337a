"""The budget page and the board report (HTML dashboard and PDF)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from hygeia.core import audit, charts
from hygeia.core.forms import posted_ids
from hygeia.core.models import Organization
from hygeia.core.permissions import has, insist, require
from hygeia.core.uploads import attachment
from hygeia.program import board, budget
from hygeia.program.models import BudgetLine, Requirement, Risk


@require("view_program")
def budget_view(request: HttpRequest) -> HttpResponse:
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else timezone.localdate().year
    if request.method == "POST":
        insist(request.user, "manage_program")
        try:
            amount = Decimal(request.POST.get("amount", "").replace(",", "").replace("$", ""))
            line = BudgetLine.objects.create(
                year=int(request.POST.get("year") or year),
                title=request.POST.get("title", "").strip()[:200] or "Untitled",
                kind=request.POST.get("kind", "project"),
                amount=amount,
                owner=request.POST.get("owner", "")[:200],
            )
        except (InvalidOperation, ValueError):
            messages.error(request, "Give the amount as a number.")
            return redirect(f"{request.path}?year={year}")
        line.risks.set(Risk.objects.filter(pk__in=posted_ids(request.POST, "risks")))
        refs = [r.strip() for r in request.POST.get("requirements", "").split(",") if r.strip()]
        line.requirements.set(Requirement.objects.filter(ref__in=refs))
        messages.success(request, f"{line.title} added.")
        return redirect(f"{request.path}?year={line.year}")
    aligned = budget.alignment(year)
    history = budget.year_over_year()
    return render(
        request,
        "program/budget.html",
        {
            "a": aligned,
            "lines": [(v, board.money(v.reduction),
                       f"{v.per_dollar:.2f}" if v.per_dollar is not None else "—")
                      for v in aligned["lines"]],
            "unaddressed": [(r, board.money(a)) for r, a in aligned["unaddressed"]],
            "history": history,
            "chart": charts.bars(
                "Security budget by year ($k)", [str(y) for y, _ in history],
                {"total": [float(v["total"]) / 1000 for _, v in history]},
            ) if history else None,
            "risks": Risk.objects.all(),
            "kinds": BudgetLine.Kind.choices,
            "can_manage": has(request.user, "manage_program"),
        },
    )  # fmt: skip


@require("view_program")
def budget_export(request: HttpRequest, year: int) -> HttpResponse:
    audit.record(audit.Action.EXPORT, object_type="program.budget", summary=f"budget {year} CSV")
    return attachment(
        budget.export_csv(year), f"security-budget-{year}.csv", "text/csv; charset=utf-8"
    )


@require("view_program")
def board_view(request: HttpRequest) -> HttpResponse:
    data = board.figures()
    return render(
        request,
        "program/board.html",
        {"d": data, "chart": charts.bars("Share of requirements met (%)",
                                         [n for n, _ in data.posture_bars],
                                         {"met": [round(v) for _, v in data.posture_bars]})
         if data.posture_bars else None},
    )  # fmt: skip


@require("view_program")
def board_pdf(request: HttpRequest) -> HttpResponse:
    data = board.figures()
    organization = Organization.objects.first()
    audit.record(audit.Action.EXPORT, object_type="program.board_report",
                 summary=f"board report {data.quarter} as PDF")  # fmt: skip
    return attachment(
        board.pdf(data, organization.name if organization else ""),
        f"board-report-{date.today().isoformat()}.pdf",
        "application/pdf",
    )
