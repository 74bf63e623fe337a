"""Case pages: the list, one case (history, evidence, reviewers, decision, sanctions), the
breach assessment, the deadline calendar, the annual log, and the outside reviewer's page."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hygeia.core import audit, notify, uploads
from hygeia.core.models import User
from hygeia.core.permissions import has, insist, require
from hygeia.core.uploads import attachment
from hygeia.privacy.cases import breach, workflow
from hygeia.privacy.cases.models import BreachAssessment, Case, CaseAttachment, ReviewerInvite
from hygeia.privacy.cases.vocabulary import vocabulary
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.models import Alert
from hygeia.privacy.phi import may_reveal, patient_labels, revealed

PER_PAGE = 50


@require("view_cases")
def cases(request: HttpRequest) -> HttpResponse:
    found = Case.objects.select_related("assignee")
    status = request.GET.get("status", "open")
    if status == "open":
        found = found.exclude(status=Case.Status.CLOSED)
    elif status in Case.Status.values:
        found = found.filter(status=status)
    if request.GET.get("mine") and request.user.is_authenticated:
        found = found.filter(assignee=request.user)
    page = Paginator(found.order_by("-created_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "privacy/cases.html",
        {
            "page": page,
            "status": status,
            "statuses": Case.Status.choices,
            "counts": {s: Case.objects.filter(status=s).count() for s in Case.Status.values},
            "query": f"status={status}",
        },
    )


def _case(number: str) -> Case:
    return get_object_or_404(Case.objects.select_related("assignee"), number=number)


def _record_view(case: Case, what: str, request: HttpRequest) -> None:
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.case",
        object_id=case.number,
        summary=f"case {case.number}: {what}"
        + (" (identifiers revealed)" if revealed(request) else ""),
    )


def case_context(case: Case, request: HttpRequest) -> dict[str, Any]:
    """What a case page shows; the outside reviewer sees the same facts, masked."""
    alerts = list(Alert.objects.filter(incident__cases=case).order_by("-score", "id"))
    labels = patient_labels(request, (a.patient_id for a in alerts))
    words = vocabulary()
    return {
        "case": case,
        "incidents": case.incidents.order_by("-score"),
        "alerts": [
            {
                "alert": a,
                "patient": labels.get(a.patient_id, ""),
                "detectors": [DETECTORS[d].title if d in DETECTORS else d for d in a.detectors],
            }
            for a in alerts
        ],
        "notes": case.notes.all(),
        "attachments": case.attachments.order_by("uploaded_at"),
        "words": words,
        "disposition_title": (
            words.dispositions[case.disposition].title if case.disposition else ""
        ),
        "category_title": words.violation_categories.get(case.violation_category, "")
        or words.false_positive_reasons.get(case.false_positive_reason, ""),
        "sanctions": case.sanctions.all(),
        "assessment": BreachAssessment.objects.filter(case=case).first(),
    }


@require("view_cases")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    context = case_context(case, request)
    assessment = context["assessment"]
    context.update(
        {
            "transitions": [
                (s, Case.Status(s).label) for s in workflow.TRANSITIONS.get(case.status, ())
            ],
            "invites": case.invites.order_by("-created_at"),
            "can_manage": has(request.user, "manage_cases"),
            "assignable": User.objects.filter(is_active=True, groups__name="Privacy Officer")
            .distinct()
            .order_by("username"),
            "deadlines": breach.deadlines(assessment) if assessment else [],
            "today": timezone.localdate(),
            "can_reveal": may_reveal(request.user) and not revealed(request),
            "revealed": revealed(request),
            "new_link": request.session.pop("hygeia_new_reviewer_link", ""),
        }
    )
    _record_view(case, "viewed", request)
    return render(request, "privacy/case_detail.html", context)


def _date(value: str, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default


@require("manage_cases")
@require_POST
def update(request: HttpRequest, number: str) -> HttpResponse:
    """Every change to a case, one form each: note, status, assignment, decision, sanction,
    outside reviewer invitation or revocation."""
    case = _case(number)
    post = request.POST
    action = post.get("action", "")
    try:
        if action == "note":
            workflow.add_note(case, request.user, post.get("text", ""))
            messages.success(request, "Note added.")
        elif action == "status":
            workflow.set_status(case, post.get("status", ""), request.user)
            messages.success(request, f"Case is now {case.get_status_display().lower()}.")
        elif action == "assign":
            chosen = User.objects.filter(pk=post.get("assignee") or 0, is_active=True).first()
            workflow.assign(case, chosen, request.user)
            messages.success(request, "Assignment saved.")
        elif action == "decide":
            workflow.decide(
                case,
                request.user,
                post.get("disposition", ""),
                post.get("rationale", ""),
                post.get("violation_category", ""),
                post.get("false_positive_reason", ""),
            )
            messages.success(request, "Decision recorded; the detectors learn from it.")
        elif action == "sanction":
            when = _date(post.get("effective_on", ""), timezone.localdate())
            workflow.add_sanction(
                case,
                request.user,
                post.get("subject", ""),
                post.get("kind", ""),
                when or timezone.localdate(),
                post.get("note", ""),
            )
            messages.success(request, "Sanction recorded.")
        elif action == "invite":
            invite, token = workflow.invite_reviewer(
                case, request.user, post.get("name", ""), post.get("email", "")
            )
            # Shown once on the next page, for the case where e-mail is not configured.
            request.session["hygeia_new_reviewer_link"] = notify.link(
                reverse("review:case", kwargs={"token": token})
            )
            sent = " and e-mailed" if notify.email_enabled() else ""
            messages.success(request, f"Invitation for {invite.name} created{sent}.")
        elif action == "revoke":
            invite = get_object_or_404(ReviewerInvite, pk=post.get("invite") or 0, case=case)
            workflow.revoke_invite(invite, request.user)
            messages.success(request, "Link revoked.")
        else:
            messages.error(request, "Unknown change.")
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect("cases:detail", number=case.number)


@require("manage_cases")
@require_POST
def attach(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a file to attach.")
    else:
        try:
            workflow.attach(
                case, upload.name or "file", upload, upload.size or 0, request.user.get_username()
            )
            messages.success(request, f"{upload.name} attached.")
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
    return redirect("cases:detail", number=case.number)


@require("view_cases")
def download(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    case = _case(number)
    attachment = get_object_or_404(CaseAttachment, pk=attachment_id, case=case)
    path = workflow.attachment_path(attachment)
    if not path.exists():
        raise Http404("the file is missing from the case-file folder")
    _record_view(case, f"attachment {attachment.pk} downloaded", request)
    return uploads.download(path, attachment.name)


RATING_FIELDS = ("phi_nature_risk", "recipient_risk", "acquired_risk", "mitigation_risk")
TEXT_FIELDS = (
    "phi_nature",
    "recipient",
    "acquired",
    "mitigation",
    "rationale",
    "breach_type",
    "location",
    "safeguards",
    "actions_taken",
)
DATE_FIELDS = ("individuals_notified_on", "media_notified_on", "hhs_notified_on")


def _parse_states(text: str) -> tuple[dict[str, int], list[str]]:
    """'IL=620, WI 12' -> {'IL': 620, 'WI': 12}."""
    found: dict[str, int] = {}
    problems = []
    for part in text.replace(";", ",").replace("\n", ",").split(","):
        part = part.strip()
        if not part:
            continue
        state, _, count = part.replace("=", " ").replace(":", " ").rpartition(" ")
        state = state.strip().upper()
        if not state or not count.strip().isdigit():
            problems.append(f"{part!r} is not 'STATE=COUNT'")
            continue
        found[state] = found.get(state, 0) + int(count)
    return found, problems


@require("view_cases")
def assessment(request: HttpRequest, number: str) -> HttpResponse:
    case = _case(number)
    current = BreachAssessment.objects.filter(case=case).first() or BreachAssessment(case=case)
    problems: list[str] = []
    if request.method == "POST":
        insist(request.user, "manage_cases")
        post = request.POST
        for name in TEXT_FIELDS:
            setattr(current, name, post.get(name, "").strip())
        for name in RATING_FIELDS:
            value = post.get(name, "")
            setattr(current, name, value if value in BreachAssessment.Rating.values else "")
        for name in DATE_FIELDS:
            setattr(current, name, _date(post.get(name, "")))
        conclusion = post.get("conclusion", "")
        count = post.get("individuals_affected", "0").strip() or "0"
        if not count.isdigit():
            problems.append("individuals affected must be a whole number")
        else:
            current.individuals_affected = int(count)
        current.residents_by_state, state_problems = _parse_states(post.get("states", ""))
        problems += state_problems
        discovered = _date(post.get("discovered_on", ""))
        if discovered is None:
            problems.append("the date of discovery is required (YYYY-MM-DD)")
        elif discovered > timezone.localdate():
            problems.append("the date of discovery cannot be in the future")
        if conclusion and conclusion not in BreachAssessment.Conclusion.values:
            problems.append("unknown conclusion")
        if conclusion:
            missing = [n for n in RATING_FIELDS if not getattr(current, n)]
            if missing:
                problems.append("rate all four factors before concluding")
            if not current.rationale:
                problems.append("the conclusion needs its rationale")
            if conclusion == "breach" and current.individuals_affected < 1:
                problems.append("a breach affects at least one individual")
        if not problems:
            current.conclusion = conclusion
            current.assessed_by = request.user.get_username()
            current.assessed_at = timezone.now()
            current.save()
            if discovered and case.discovered_on != discovered:
                case.discovered_on = discovered
                case.save()
            workflow._log(
                case,
                request.user,
                "system",
                f"Breach assessment saved: {current.get_conclusion_display()}.",
            )
            if conclusion == "breach":
                notify.post_webhooks(
                    "privacy.breach_concluded",
                    {
                        "case": case.number,
                        "individuals_affected": current.individuals_affected,
                        "deadlines": [
                            {"kind": d.kind, "due": d.due.isoformat()}
                            for d in breach.deadlines(current)
                        ],
                    },
                )
            messages.success(request, "Assessment saved.")
            return redirect("cases:assessment", number=case.number)
    _record_view(case, "breach assessment viewed", request)
    return render(
        request,
        "privacy/breach_assessment.html",
        {
            "case": case,
            "a": current,
            "ratings": BreachAssessment.Rating.choices,
            "conclusions": BreachAssessment.Conclusion.choices,
            "states": ", ".join(f"{k}={v}" for k, v in (current.residents_by_state or {}).items()),
            "deadlines": breach.deadlines(current) if current.pk else [],
            "problems": problems,
            "can_manage": has(request.user, "manage_cases"),
            "today": timezone.localdate(),
        },
    )


@require("view_cases")
def deadlines(request: HttpRequest) -> HttpResponse:
    """A month of notification deadlines, with everything still open listed below."""
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    found = breach.all_deadlines()
    by_day: dict[date, list[breach.Deadline]] = {}
    for d in found:
        by_day.setdefault(d.due, []).append(d)
    weeks = [
        [
            {"day": day, "items": by_day.get(day, []), "in_month": day.month == first.month}
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "privacy/deadlines.html",
        {
            "weeks": weeks,
            "first": first,
            "previous": previous,
            "following": following,
            "open": [d for d in found if not d.done],
            "today": today,
            "years": sorted({d.due.year - 1 for d in found if d.kind == "hhs_annual_log"}),
        },
    )


@require("view_cases")
def annual_log(request: HttpRequest, year: int) -> HttpResponse:
    audit.record(
        audit.Action.EXPORT,
        object_type="privacy.breach_log",
        object_id=year,
        summary=f"annual log of breaches under 500, {year}",
    )
    return attachment(
        breach.annual_log_csv(year), f"breaches-under-500-{year}.csv", "text/csv; charset=utf-8"
    )


# --- the outside reviewer ----------------------------------------------------------------


@never_cache
def review(request: HttpRequest, token: str) -> HttpResponse:
    """One case, masked, for the holder of a valid link; a statement can be added."""
    invite = workflow.find_invite(token)
    if invite is None:
        return render(request, "privacy/review_gone.html", status=404)
    case = invite.case
    if request.method == "POST":
        try:
            workflow.reviewer_statement(invite, request.POST.get("text", ""))
            messages.success(request, "Thank you: your statement was added to the case.")
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("review:case", token=token)
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.case",
        object_id=case.number,
        summary=f"case {case.number} viewed by outside reviewer {invite.name} (masked)",
        actor=audit.Actor(name=f"reviewer:{invite.email}"[:150]),
    )
    context = case_context(case, request)
    context.update({"invite": invite, "statements": case.notes.filter(kind="reviewer")})
    return render(request, "privacy/review.html", context)
