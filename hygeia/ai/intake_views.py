"""Intake pages: any staff member requests an AI tool (likely duplicates shown first) and
follows it; reviewers decide the current stage, comment, start re-reviews."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hygeia.ai import intake
from hygeia.ai.models import AITool
from hygeia.core.forms import posted_id
from hygeia.core.models import User
from hygeia.core.permissions import MissingPermission, has, require

LONG = {"rows": 3, "cols": 70}


class IntakeForm(forms.ModelForm):
    """What a requester can tell: the governance facts reviewers need first."""

    class Meta:
        model = AITool
        fields = (
            "name", "vendor", "kind", "department", "intended_use", "intended_users",
            "patient_population", "data_inputs", "phi_use", "output_type", "human_oversight",
            "decision_role", "clinical_risk_level", "patient_facing", "generative",
            "predictive", "third_party_dependencies", "regulatory_exposure",
        )  # fmt: skip
        labels = {
            "name": "Name of the AI tool or use",
            "data_inputs": "Data it takes in (say where PHI is involved)",
            "human_oversight": "How people check or override its output",
        }
        widgets = {
            name: forms.Textarea(attrs=LONG)
            for name in (
                "intended_use", "intended_users", "patient_population", "data_inputs",
                "output_type", "human_oversight", "third_party_dependencies",
                "regulatory_exposure",
            )
        }  # fmt: skip

    domains_text = forms.CharField(
        label="Web address(es) of the tool, if any (one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intended_use"].required = True

    def domains(self) -> list[str]:
        text = self.cleaned_data.get("domains_text", "")
        return [d.strip().lower() for d in text.splitlines() if d.strip()]


@require("submit_requests")
def request_tool(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    duplicates: list[intake.Similar] = []
    if request.method == "POST" and form.is_valid():
        tool = form.save(commit=False)
        tool.domains = form.domains()
        duplicates = intake.similar(tool.name, tool.vendor, tool.domains)
        if not duplicates or request.POST.get("confirm_new"):
            try:
                intake.submit(tool, request.user)
            except intake.IntakeError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Request {tool.reference} submitted for review.")
                return redirect("ai:my_requests")
    return render(request, "ai/request.html", {"form": form, "duplicates": duplicates})


@require("submit_requests")
def my_requests(request: HttpRequest) -> HttpResponse:
    mine = AITool.objects.filter(requester_id=request.user.pk).order_by("-created_at")
    rows = [{"tool": t, "stage": intake.current(t), "reviews": intake.reviews(t)} for t in mine]
    return render(request, "ai/my_requests.html", {"rows": rows})


def _tool(reference: str) -> AITool:
    return get_object_or_404(AITool, reference=reference)


@require("review_ai_requests")
@require_POST
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    tool = _tool(reference)
    stage = intake.current(tool)
    if stage is None:
        messages.error(request, "No stage is waiting for a decision.")
        return redirect("ai:detail", reference=tool.reference)
    try:
        intake.decide(
            stage,
            request.user,
            request.POST.get("decision", ""),
            request.POST.get("rationale", ""),
            request.POST.get("conditions", ""),
            request.POST.getlist("ticked"),
        )
    except intake.IntakeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{stage.title}: {intake.DECISIONS[stage.status].lower()}.")
    return redirect("ai:detail", reference=tool.reference)


@require("review_ai_requests")
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    tool = _tool(reference)
    stage = intake.current(tool)
    chosen = User.objects.filter(pk=posted_id(request.POST, "assignee"), is_active=True).first()
    if stage is None:
        messages.error(request, "No stage is waiting for a decision.")
    else:
        try:
            intake.assign(stage, chosen, request.user)
            messages.success(request, "Assignment saved.")
        except intake.IntakeError as exc:
            messages.error(request, str(exc))
    return redirect("ai:detail", reference=tool.reference)


def _may_follow(request: HttpRequest, tool: AITool) -> bool:
    return has(request.user, "review_ai_requests") or (
        tool.requester_id is not None and tool.requester_id == request.user.pk
    )


@require()
@require_POST
def comment(request: HttpRequest, reference: str) -> HttpResponse:
    tool = _tool(reference)
    if not _may_follow(request, tool):
        raise MissingPermission("review_ai_requests (or be the requester)")
    try:
        intake.comment(tool, request.user, request.POST.get("text", ""))
    except intake.IntakeError as exc:
        messages.error(request, str(exc))
    return redirect("ai:detail", reference=tool.reference)


@require()
@require_POST
def resubmit(request: HttpRequest, reference: str) -> HttpResponse:
    tool = _tool(reference)
    if not (_may_follow(request, tool) or has(request.user, "manage_ai_inventory")):
        raise MissingPermission("manage_ai_inventory (or be the requester)")
    try:
        intake.resubmit(tool, request.user)
        messages.success(request, "Resubmitted: the review starts again.")
    except intake.IntakeError as exc:
        messages.error(request, str(exc))
    return redirect("ai:detail", reference=tool.reference)


@require("manage_ai_inventory")
@require_POST
def re_review(request: HttpRequest, reference: str) -> HttpResponse:
    tool = _tool(reference)
    try:
        intake.start_re_review(tool, request.user)
        messages.success(request, "Re-review started.")
    except intake.IntakeError as exc:
        messages.error(request, str(exc))
    return redirect("ai:detail", reference=tool.reference)
