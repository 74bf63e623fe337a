"""The policy library's pages, and the public acknowledgement page a staff member's link
opens (the link is the permission)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hygeia.core import audit
from hygeia.core.models import User
from hygeia.core.permissions import has, insist, require
from hygeia.program import policies
from hygeia.program.models import Acknowledgement, Policy, PolicyVersion, Requirement


@require("view_program")
def policy_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        insist(request.user, "manage_program")
        title = request.POST.get("title", "").strip()
        if not title:
            messages.error(request, "A policy needs a title.")
            return redirect("program:policies")
        policy = Policy.objects.create(
            reference=policies.next_reference(), title=title[:200],
            owner_name=request.POST.get("owner", "")[:200],
        )  # fmt: skip
        return redirect("program:policy", reference=policy.reference)
    rows = [{"p": p, "current": p.current} for p in Policy.objects.prefetch_related("versions")]
    return render(request, "program/policies.html",
                  {"rows": rows, "can_manage": has(request.user, "manage_program")})  # fmt: skip


@require("view_program")
def policy_detail(request: HttpRequest, reference: str) -> HttpResponse:
    policy = get_object_or_404(Policy, reference=reference)
    campaigns = [
        (c, policies.progress(c))
        for v in policy.versions.all()
        for c in v.campaigns.order_by("-created_at")
    ]
    return render(
        request,
        "program/policy.html",
        {"policy": policy, "versions": policy.versions.select_related("approved_by"),
         "campaigns": campaigns, "exceptions": policy.exceptions.select_related("approver"),
         "mapped": policy.requirements.select_related("framework"),
         "can_manage": has(request.user, "manage_program")},
    )  # fmt: skip


@require("manage_program")
@require_POST
def policy_action(request: HttpRequest, reference: str) -> HttpResponse:
    policy = get_object_or_404(Policy, reference=reference)
    post = request.POST
    action = post.get("action", "")
    try:
        if action == "version":
            policies.add_version(policy, post.get("version", ""), post.get("text", ""))
        elif action == "approve":
            version = get_object_or_404(PolicyVersion, pk=post.get("version") or 0, policy=policy)
            policies.approve(version, request.user)
        elif action == "launch":
            current = policy.current
            if current is None:
                raise policies.PolicyError("approve a version first")
            emails = post.get("emails", "").replace(",", "\n").split()
            if post.get("everyone"):
                emails += [u.email for u in User.objects.filter(is_active=True).exclude(email="")]
            campaign = policies.launch(current, emails, date.fromisoformat(post.get("due_on", "")))
            messages.info(request, f"Sent to {campaign.acks.count()} people.")
        elif action == "exception":
            policies.grant_exception(
                policy, request.user, post.get("scope", ""), post.get("reason", ""),
                date.fromisoformat(post.get("expires_on", "")),
            )  # fmt: skip
        elif action == "map":
            found = Requirement.objects.filter(
                framework__key=post.get("framework", ""), ref=post.get("ref", "").strip()
            ).first()
            if found is None:
                raise policies.PolicyError("no such requirement (framework key and ref)")
            policy.requirements.add(found)
        else:
            raise policies.PolicyError("unknown action")
    except (policies.PolicyError, ValueError) as exc:
        messages.error(request, str(exc) or "Check the dates.")
    else:
        messages.success(request, "Saved.")
    return redirect("program:policy", reference=policy.reference)


def acknowledge(request: HttpRequest, token: str) -> HttpResponse:
    ack: Acknowledgement | None = Acknowledgement.find(token, "campaign__version__policy")
    if ack is None:
        return render(request, "program/ack_gone.html", status=404)
    if request.method == "POST" and request.POST.get("read") == "yes":
        policies.acknowledge(ack)
        audit.record(
            audit.Action.UPDATE,
            object_type="program.acknowledgement",
            object_id=str(ack.pk),
            summary=f"{ack.campaign.version} acknowledged",
            actor=audit.Actor(name=f"staff:{ack.email}"[:150]),
        )
        return redirect("ack:policy", token=token)
    return render(request, "program/ack.html", {"ack": ack, "version": ack.campaign.version})
