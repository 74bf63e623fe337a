"""The review of learned explanations: what the latest detection runs mined from the site's
own accesses, in plain words with its figures, and a privacy officer's pin (always applies)
or rejection (never applies). Detection reads the decisions at its next run."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hygeia.core.forms import posted_id
from hygeia.core.permissions import has, insist, require
from hygeia.privacy import templates
from hygeia.privacy.models import ExplanationTemplate

PER_PAGE = 100
ACTIONS = {"pin": "pinned", "reject": "rejected", "release": ""}


@require("view_alerts")
def explanations(request: HttpRequest) -> HttpResponse:
    found = ExplanationTemplate.objects.all()
    group = request.GET.get("group", "").strip()
    decision = request.GET.get("decision", "")
    if group:
        found = found.filter(role_group__icontains=group)
    if decision in ("pinned", "rejected"):
        found = found.filter(decision=decision)
    elif decision == "learned":
        found = found.filter(decision="")
    if request.GET.get("absent") != "1":
        found = found.filter(Q(in_latest_run=True) | ~Q(decision=""))
    page = Paginator(found.order_by("role_group", "rank", "kind", "bin"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "privacy/explanations.html",
        {
            "page": page,
            "total": ExplanationTemplate.objects.count(),
            "groups": ExplanationTemplate.objects.values("role_group").distinct().count(),
            "filters": {
                "group": group,
                "decision": decision,
                "absent": request.GET.get("absent") == "1",
            },
            "may_decide": has(request.user, "review_explanations"),
        },
    )


@require_POST
@require("view_alerts")
def decide(request: HttpRequest) -> HttpResponse:
    insist(request.user, "review_explanations")
    action = request.POST.get("action", "")
    template = get_object_or_404(ExplanationTemplate, pk=posted_id(request.POST, "template"))
    if action not in ACTIONS:
        messages.error(request, "Choose pin, reject or release.")
        return redirect("alerts:explanations")
    templates.decide(template, ACTIONS[action], request.user.get_username())
    word = {"pin": "pinned", "reject": "rejected", "release": "released"}[action]
    messages.success(
        request, f"Explanation {word}; it takes effect at the next `hygeia privacy detect`."
    )
    return redirect("alerts:explanations")
