"""The security program's pages: frameworks, and the quantified risk register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hygeia.core import charts
from hygeia.core.permissions import has, require
from hygeia.program import frameworks, quant, registry, risks
from hygeia.program.board import money
from hygeia.program.models import Framework, Risk, Treatment


def exceedance_chart(title: str, results: dict[str, quant.Result]) -> Any:
    """Loss-exceedance curves: for each loss on the x axis, the chance (in %) of losing more
    than that in a year."""
    points = quant.curve_points(list(results.values()))
    return charts.lines(
        title,
        [money(x) for x in points],
        {name: [100 * p for p in result.exceedance(points)] for name, result in results.items()},
    )


class RiskForm(forms.ModelForm):
    class Meta:
        model = Risk
        fields = [
            "title", "description", "owner_name", "assets", "threat", "status", "likelihood",
            "impact", "lef_min", "lef_likely", "lef_max", "lm_min", "lm_likely", "lm_max",
            "findings",
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for prefix, label in (("lef", "Loss event frequency"), ("lm", "Loss magnitude")):
            low, likely, high = (data.get(f"{prefix}_{k}") for k in ("min", "likely", "max"))
            if None not in (low, likely, high):
                try:
                    quant.Range(low, likely, high)  # type: ignore[arg-type]
                except ValueError as exc:
                    raise forms.ValidationError(f"{label}: {exc}") from exc
        for name in ("likelihood", "impact"):
            if data.get(name) is not None and not 1 <= data[name] <= 5:
                self.add_error(name, "from 1 to 5")
        return data


class TreatmentForm(forms.ModelForm):
    class Meta:
        model = Treatment
        fields = ["title", "cost", "annual_cost", "frequency_reduction", "magnitude_reduction",
                  "status", "due_on"]  # fmt: skip
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("frequency_reduction", "magnitude_reduction"):
            value = data.get(name)
            if value is not None and not 0 <= value <= 1:
                self.add_error(name, "a share from 0 to 1 (e.g. 0.5 for half)")
        return data


def _structure(counts: dict[str, int]) -> str:
    """'6 functions, 22 categories, 106 subcategories'."""

    def plural(word: str, n: int) -> str:
        if n == 1:
            return word
        return (
            word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
        )

    return ", ".join(
        f"{n} {plural(level, n)}" for level, n in counts.items() if level != "assessable"
    )


@require("view_program")
def home(request: HttpRequest) -> HttpResponse:
    rows = [
        {"framework": f, "structure": _structure(frameworks.counts(f)),
         "assessable": f.requirements.filter(assessable=True).count()}
        for f in Framework.objects.all()
    ]  # fmt: skip
    return render(request, "program/home.html", {"rows": rows})


@require("view_program")
def framework_detail(request: HttpRequest, key: str) -> HttpResponse:
    framework = frameworks.latest(key)
    if framework is None:
        raise Http404("no such framework")
    nodes = framework.requirements.prefetch_related("maps_to__target", "mapped_from__source")
    return render(request, "program/framework.html", {"framework": framework, "nodes": nodes})


@require("view_program")
def risk_list(request: HttpRequest) -> HttpResponse:
    simulated, portfolio = risks.simulate_register()
    rows = sorted(simulated, key=lambda s: -s.before.ale)
    context = {
        "rows": [
            {"risk": s.risk, "ale": money(s.before.ale), "p90": money(s.before.percentile(90)),
             "p99": money(s.before.percentile(99)),
             "treated": money(s.after.ale) if s.after else "",
             "qualitative": s.risk.qualitative}
            for s in rows
        ],
        "portfolio": {k: money(v) for k, v in portfolio.summary().items() if k != "p_any_loss"},
        "chart": exceedance_chart(
            "Portfolio: chance of losing more than this in a year (%)",
            {"portfolio": portfolio},
        ) if simulated else None,
        "can_manage": has(request.user, "manage_program"),
        "breach_cost": registry.reference_figures()["healthcare_breach_cost"],
    }  # fmt: skip
    return render(request, "program/risks.html", context)


@require("manage_program")
def risk_edit(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    risk = get_object_or_404(Risk, reference=reference) if reference else Risk()
    form = RiskForm(request.POST or None, instance=risk)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if not saved.reference:
            saved.reference = registry.next_reference()
        saved.save()
        messages.success(request, f"{saved.reference} saved.")
        return redirect("program:risk", reference=saved.reference)
    return render(request, "program/risk_edit.html", {"form": form, "risk": risk})


@require("view_program")
def risk_detail(request: HttpRequest, reference: str) -> HttpResponse:
    risk = get_object_or_404(Risk, reference=reference)
    before = quant.simulate(risks.scenario(risk))
    results = {"today": before}
    pending = risk.treatments.exclude(status=Treatment.Status.DONE)
    if pending.exists():
        results["with planned treatments"] = quant.simulate(risks.scenario(risk, True))
    summaries = {name: {k: money(v) for k, v in r.summary().items() if k != "p_any_loss"}
                 for name, r in results.items()}  # fmt: skip
    return render(
        request,
        "program/risk.html",
        {
            "risk": risk,
            "summaries": summaries,
            "chance": f"{100 * before.summary()['p_any_loss']:.1f}%",
            "chart": exceedance_chart(
                f"{risk.reference}: chance of losing more than this in a year (%)", results
            ),
            "treatments": risk.treatments.all(),
            "controls": risk.controls.select_related("framework"),
            "form": TreatmentForm() if has(request.user, "manage_program") else None,
            "can_manage": has(request.user, "manage_program"),
        },
    )


@require("manage_program")
@require_POST
def treatment_add(request: HttpRequest, reference: str) -> HttpResponse:
    risk = get_object_or_404(Risk, reference=reference)
    form = TreatmentForm(request.POST)
    if form.is_valid():
        treatment = form.save(commit=False)
        treatment.risk = risk
        treatment.save()
        messages.success(request, "Treatment added.")
    else:
        problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
        messages.error(request, f"The treatment was not saved: {problems}")
    return redirect("program:risk", reference=risk.reference)
