"""The AI inventory pages: the list with counts and filters, one entry (facts, risk tier,
HTI-1 source attributes with their completeness, the governance checklist, history), editing,
CSV/JSON import and export, and CHAI model cards in and out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hygeia.ai import content, intake, inventory, modelcard
from hygeia.ai.models import AITool
from hygeia.core import audit
from hygeia.core.permissions import MissingPermission, has, require
from hygeia.core.search import search_text
from hygeia.core.uploads import attachment

TIERS = ("critical", "high", "moderate", "low")


@require("view_ai_inventory")
def tools(request: HttpRequest) -> HttpResponse:
    found = AITool.objects.select_related("owner")
    state = request.GET.get("state", "")
    tier = request.GET.get("tier", "")
    kind = request.GET.get("kind", "")
    query = search_text(request.GET)
    if state in AITool.State.values:
        found = found.filter(state=state)
    if tier in TIERS:
        found = found.filter(Q(risk_tier_override=tier) | Q(risk_tier_override="", risk_tier=tier))
    if kind in AITool.Kind.values:
        found = found.filter(kind=kind)
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(vendor__icontains=query) | Q(reference__iexact=query)
        )
    by_state = dict(AITool.objects.values_list("state").annotate(n=Count("id")))
    return render(
        request,
        "ai/tools.html",
        {
            "tools": found.order_by("name", "reference")[:500],
            "states": AITool.State.choices,
            "kinds": AITool.Kind.choices,
            "tiers": TIERS,
            "by_state": [
                (label, by_state.get(value, 0), value) for value, label in AITool.State.choices
            ],
            "filters": {"state": state, "tier": tier, "kind": kind, "q": query},
            "can_manage": has(request.user, "manage_ai_inventory"),
            "total": AITool.objects.count(),
        },
    )


def _tool(reference: str) -> AITool:
    return get_object_or_404(AITool.objects.select_related("owner", "parent"), reference=reference)


def hti1_status(tool: AITool) -> dict[str, Any]:
    """The source attributes due for the tool's DSI type, answered or missing."""
    if not tool.dsi_type:
        return {"due": [], "answered": 0, "missing": [], "complete": True}
    due = content.hti1()[tool.dsi_type]
    answers = tool.hti1 or {}
    missing = [a for a in due if not str(answers.get(a.id, "")).strip()]
    return {
        "due": [(a, answers.get(a.id, "")) for a in due],
        "answered": len(due) - len(missing),
        "missing": missing,
        "complete": not missing,
    }


@require()
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Readers of the inventory, and the requester of this entry, see it."""
    tool = _tool(reference)
    is_requester = tool.requester_id is not None and tool.requester_id == request.user.pk
    if not (has(request.user, "view_ai_inventory") or is_requester):
        raise MissingPermission("view_ai_inventory (or be the requester)")
    model = content.risk()
    sections = [
        (title, [(item, (tool.checklist or {}).get(item.id, {})) for item in items])
        for _, title, items in content.checklist()
    ]
    return render(
        request,
        "ai/tool.html",
        {
            "tool": tool,
            "points": model.points(tool.risk_answers()),
            "review_months": model.review_months(tool.effective_tier),
            "genai_titles": [model.genai_risks.get(t, t) for t in tool.genai_risks],
            "genai_risks": model.genai_risks,
            "hti1": hti1_status(tool),
            "sections": sections,
            "changes": tool.changes.all()[:100],
            "can_manage": has(request.user, "manage_ai_inventory"),
            "statuses": CHECK_STATUSES,
            "reviews": intake.reviews(tool),
            "current": intake.current(tool),
            "decisions": intake.DECISIONS,
            "can_review": has(request.user, "review_ai_requests"),
            "can_comment": has(request.user, "review_ai_requests") or is_requester,
            "can_resubmit": tool.state == AITool.State.PROPOSED
            and tool.reviews.exists()
            and (is_requester or has(request.user, "manage_ai_inventory")),
            "comments": tool.comments.all(),
            "reviewers": intake.reviewers() if has(request.user, "review_ai_requests") else [],
        },
    )


class ToolForm(forms.ModelForm):
    class Meta:
        model = AITool
        fields = ("parent", "owner", *inventory.EDITABLE_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 2, "cols": 70})
            for name in (
                "intended_use", "intended_users", "patient_population", "data_inputs",
                "output_type", "human_oversight", "third_party_dependencies",
                "regulatory_exposure", "risk_tier_reason", "conditions", "decision_rationale",
                "data_retention", "subprocessors",
            )
        }  # fmt: skip

    risk_tier_override = forms.ChoiceField(
        choices=[("", "as computed"), *((t, t) for t in TIERS)], required=False
    )
    genai = forms.MultipleChoiceField(
        label="NIST AI 600-1 risks",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    domains_text = forms.CharField(
        label="Web domains (one per line)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        genai = self.fields["genai"]
        assert isinstance(genai, forms.MultipleChoiceField)
        genai.choices = list(content.risk().genai_risks.items())
        if self.instance.pk:
            self.fields["genai"].initial = self.instance.genai_risks
            self.fields["domains_text"].initial = "\n".join(self.instance.domains)
            parent = self.fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)
            parent.queryset = AITool.objects.exclude(pk=self.instance.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("risk_tier_override") and not data.get("risk_tier_reason"):
            self.add_error("risk_tier_reason", "Say why the computed tier is overridden.")
        return data


@require("manage_ai_inventory")
def edit(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    tool = _tool(reference) if reference else AITool()
    form = ToolForm(request.POST or None, instance=tool)
    if request.method == "POST" and form.is_valid():
        tool = form.save(commit=False)
        tool.genai_risks = form.cleaned_data["genai"]
        tool.domains = [
            d.strip().lower() for d in form.cleaned_data["domains_text"].splitlines() if d.strip()
        ]
        inventory.save(tool, request.user.get_username())
        messages.success(request, f"{tool.reference} saved.")
        return redirect("ai:detail", reference=tool.reference)
    return render(request, "ai/edit.html", {"form": form, "tool": tool})


CHECK_STATUSES = (("", "not assessed"), ("met", "met"), ("partial", "partly met"),
                  ("not_met", "not met"), ("na", "not applicable"))  # fmt: skip


@require("manage_ai_inventory")
@require_POST
def documentation(request: HttpRequest, reference: str) -> HttpResponse:
    """Save the HTI-1 source attributes and the governance checklist."""
    tool = _tool(reference)
    answers = dict(tool.hti1 or {})
    for attrs in content.hti1().values():
        for attribute in attrs:
            key = f"hti1-{attribute.id}"
            if key in request.POST:
                answers[attribute.id] = request.POST[key].strip()
    tool.hti1 = {k: v for k, v in answers.items() if v}
    checks = dict(tool.checklist or {})
    allowed = {value for value, _ in CHECK_STATUSES}
    for _, _, items in content.checklist():
        for item in items:
            status = request.POST.get(f"check-{item.id}")
            if status is None:
                continue
            evidence = request.POST.get(f"evidence-{item.id}", "").strip()
            checks[item.id] = {"status": status if status in allowed else "", "evidence": evidence}
    tool.checklist = checks
    inventory.save(tool, request.user.get_username(), "documentation updated")
    messages.success(request, "Documentation saved.")
    return redirect("ai:detail", reference=tool.reference)


@require("view_ai_inventory")
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "json"):
        raise Http404("inventory.csv or inventory.json")
    found = AITool.objects.order_by("reference")
    audit.record(audit.Action.EXPORT, object_type="ai.inventory", summary=f"AI inventory ({fmt})")
    if fmt == "csv":
        return attachment(
            inventory.export_csv(found), "ai-inventory.csv", "text/csv; charset=utf-8"
        )
    return attachment(inventory.export_json(found), "ai-inventory.json", "application/json")


@require("manage_ai_inventory")
@require_POST
def import_file(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a CSV, JSON or model card (XML) file.")
        return redirect("ai:tools")
    name = upload.name or "upload"
    if name.lower().endswith(".xml") and (upload.size or 0) > modelcard.MAX_BYTES:
        # a card is read whole, as one XML tree: its own bound keeps that small
        messages.error(
            request,
            f"{name} ({(upload.size or 0) / 2**20:.1f} MB) is larger than the "
            f"{modelcard.MAX_BYTES // 2**20} MB a model card may be.",
        )
        return redirect("ai:tools")
    data = upload.read()
    actor = request.user.get_username()
    if name.lower().endswith(".xml"):
        try:
            imported = modelcard.import_card(data, name, actor)
        except modelcard.ModelCardError as exc:
            messages.error(request, str(exc))
            return redirect("ai:tools")
        messages.success(
            request,
            f"{imported.tool.reference} {'added' if imported.created else 'updated'} from {name}.",
        )
        return redirect("ai:detail", reference=imported.tool.reference)
    report = inventory.import_file(name, data, actor)
    if not report.ok:
        for error in report.errors[:10]:
            messages.error(request, error)
        return redirect("ai:tools")
    messages.success(
        request,
        f"{name}: {report.created} added, {report.updated} updated, {report.unchanged} unchanged.",
    )
    return redirect("ai:tools")


@require("view_ai_inventory")
def card(request: HttpRequest, reference: str) -> HttpResponse:
    tool = _tool(reference)
    return attachment(modelcard.export(tool), f"{tool.reference}-model-card.xml", "application/xml")
