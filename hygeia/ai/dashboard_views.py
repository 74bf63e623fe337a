"""The shadow-AI page (what people use, approved or not, and the review of each unapproved
service) and the AI governance dashboard."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hygeia.ai import inventory, web
from hygeia.ai.catalog import catalog
from hygeia.ai.models import AITool, AIToolChange, ShadowReview
from hygeia.core import charts
from hygeia.core.models import AuditEntry
from hygeia.core.permissions import has, require


@require("view_ai_inventory")
def shadow(request: HttpRequest) -> HttpResponse:
    rows = web.shadow_report(guard=False)
    reviews = {r.service: r for r in ShadowReview.objects.all()}
    chosen = next((u for u in rows if u.service == request.GET.get("service")), None)
    departments = web.departments() if chosen else {}
    people: list[dict[str, Any]] = []
    if chosen:
        for user, n in sorted(chosen.by_user.items(), key=lambda item: (-item[1], item[0])):
            people.append({"user": user, "requests": n, "department": departments.get(user, "")})
    return render(
        request,
        "ai/shadow.html",
        {
            "rows": [{"usage": u, "review": reviews.get(u.service)} for u in rows],
            "chosen": chosen,
            "people": people,
            "waiting": sum(1 for u in rows if not u.approved and u.service not in reviews),
            "decisions": ShadowReview.Decision.choices,
            "can_manage": has(request.user, "manage_ai_inventory"),
            "chart": charts.bars(
                "Requests to AI services, approved or not",
                [u.service for u in rows[:15]],
                {"requests": [u.requests for u in rows[:15]]},
            )
            if rows
            else None,
        },
    )


@require("manage_ai_inventory")
@require_POST
def review(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("service", "")
    decision = request.POST.get("decision", "")
    service = catalog().by_name().get(name)
    if service is None or decision not in ShadowReview.Decision.values:
        messages.error(request, "Choose a service seen in the logs and a decision.")
        return redirect("ai:shadow")
    actor = request.user.get_username()
    if (
        decision == ShadowReview.Decision.INVENTORIED
        and not AITool.objects.filter(name=service.name).exists()
    ):
        tool = AITool(
            name=service.name,
            vendor=service.vendor,
            state=AITool.State.PROPOSED,
            domains=[d for d in service.domains if "/" not in d],
            intended_use=f"Seen in use in the proxy logs ({service.category}); to be reviewed.",
        )
        inventory.save(tool, actor, "added from the shadow-AI review")
    ShadowReview.objects.update_or_create(
        service=service.name,
        defaults={
            "decision": decision,
            "note": request.POST.get("note", "").strip(),
            "reviewed_by": actor,
            "reviewed_at": timezone.now(),
        },
    )
    messages.success(request, f"{service.name}: {ShadowReview.Decision(decision).label.lower()}.")
    return redirect("ai:shadow")


def cycle_days() -> list[float]:
    """Days from request to approval, for entries approved through Hygeia."""
    requested = {c.tool_id: c.at for c in AIToolChange.objects.filter(summary="requested")}
    days = []
    for change in AIToolChange.objects.filter(summary__startswith="approved"):
        if change.tool_id in requested:
            days.append((change.at - requested[change.tool_id]).total_seconds() / 86400)
    return days


@require("view_ai_inventory")
def dashboard(request: HttpRequest) -> HttpResponse:
    states = Counter(AITool.objects.values_list("state", flat=True))
    tiers = Counter(t.effective_tier for t in AITool.objects.all())
    days = cycle_days()
    since = timezone.now() - timedelta(days=30)
    scans = AuditEntry.objects.filter(object_type="ai.phi_scan", at__gte=since)
    detections: Counter[str] = Counter()
    for entry in scans:
        detections.update(entry.details.get("counts", {}))
    rows = web.shadow_report(guard=False)
    guard_rows = web.guard_by_service(rows)  # once, for the services and the table
    risky = [u for u in rows if u.guard.get("flagged_users_with_large_uploads")]
    days_seen, approved_daily, unapproved_daily = web.daily_trend()
    state_labels = dict(AITool.State.choices)
    approved = {u.service: u.approved for u in rows}
    return render(
        request,
        "ai/dashboard.html",
        {
            "states": charts.bars(
                "AI inventory by state",
                [state_labels[s] for s in AITool.State.values],
                {"entries": [states.get(s, 0) for s in AITool.State.values]},
            ),
            "tiers": charts.bars(
                "AI inventory by risk tier",
                ["critical", "high", "moderate", "low"],
                {"entries": [tiers.get(t, 0) for t in ("critical", "high", "moderate", "low")]},
            ),
            "cycle": {
                "count": len(days),
                "median": round(statistics.median(days), 1) if days else None,
                "max": round(max(days), 1) if days else None,
            },
            "in_review": states.get(AITool.State.IN_REVIEW, 0),
            "shadow": {
                "services": len(rows),
                "unapproved": sum(1 for u in rows if not u.approved),
                "users": len({user for u in rows if not u.approved for user in u.users}),
            },
            "phi": {"scans": scans.count(), "findings": sum(detections.values())},
            "guard_rows": [
                {**r, "approved": approved.get(r["service"])} for r in guard_rows if r["with_phi"]
            ],
            "guard_days": web.GUARD_DAYS,
            "risky": risky,
            "detections": charts.bars(
                "PHI guard findings by type, last 30 days",
                list(detections),
                {"findings": list(detections.values())},
            )
            if detections
            else None,
            "trend": charts.lines(
                "Requests to AI services per day",
                days_seen,
                {"approved services": approved_daily, "unapproved services": unapproved_daily},
            )
            if days_seen
            else None,
            "total": sum(states.values()),
        },
    )
