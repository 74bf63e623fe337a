"""The alert queue (filter, sort, bulk triage) and the incident page (reasons, timeline,
relationships, volume against peers, repeat behaviour).

Patients are masked on these pages until a reviewer who may see identifiers reveals them;
every page view is written to the audit trail with the alerts or incident shown.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hygeia.core import audit, charts
from hygeia.core.forms import posted_ids
from hygeia.core.permissions import has, require
from hygeia.privacy import accesses, queue
from hygeia.privacy.cases import workflow
from hygeia.privacy.cases.models import Case, Sanction
from hygeia.privacy.cases.vocabulary import vocabulary
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.ingest import lake
from hygeia.privacy.models import Alert, DetectionRun, Incident
from hygeia.privacy.phi import may_reveal, patient_labels, revealed, start_reveal

PER_PAGE = 50
TIMELINE_MARGIN = timedelta(days=1)


def _detector_titles(ids: list[str]) -> list[str]:
    return [DETECTORS[d].title if d in DETECTORS else d for d in ids]


@require("view_alerts")
def alerts(request: HttpRequest) -> HttpResponse:
    filters = queue.Filters.parse(request.GET)
    found = queue.alerts(filters)
    total, capped = queue.matching(filters, found)
    page = queue.CountedPaginator(found, PER_PAGE, total).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    labels = patient_labels(request, (a.patient_id for a in shown))
    rows = [
        {
            "alert": a,
            "patient": labels.get(a.patient_id, ""),
            "detectors": _detector_titles(a.detectors),
        }
        for a in shown
    ]
    if shown:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.alerts",
            summary=f"alert queue page {page.number}: {len(shown)} alerts"
            + (" (identifiers revealed)" if revealed(request) else " (masked)"),
            details={"alerts": [a.pk for a in shown], "filters": filters.query()},
        )
    return render(
        request,
        "privacy/alerts.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": urlencode(filters.query()),
            "counts": queue.counts(),
            "capped": capped,
            "run": DetectionRun.objects.first(),
            "detectors": sorted((d.id, d.title) for d in DETECTORS.values()),
            "severities": queue.SEVERITIES,
            "statuses": Alert.Status.choices,
            "orders": queue.ORDER_TITLES,
            "triage_actions": workflow.TRIAGE_ACTIONS,
            "can_triage": has(request.user, "triage_alerts"),
            "can_open_case": has(request.user, "manage_cases"),
            "can_reveal": may_reveal(request.user) and not revealed(request),
            "revealed": revealed(request),
        },
    )


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@require("triage_alerts")
@require_POST
def triage(request: HttpRequest) -> HttpResponse:
    ids = posted_ids(request.POST, "alert")
    action = request.POST.get("action", "")
    back = _back(request, "/alerts/")
    if not ids:
        messages.error(request, "Select at least one alert first.")
        return redirect(back)
    if action == "open_case":
        if not has(request.user, "manage_cases"):
            messages.error(request, "Your role cannot open cases.")
            return redirect(back)
        try:
            case = workflow.open_case(
                request.user, alerts=Alert.objects.select_related("incident").filter(pk__in=ids)
            )
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect(back)
        messages.success(request, f"Case {case.number} opened.")
        return redirect("cases:detail", number=case.number)
    try:
        changed = workflow.triage(ids, action, request.user, request.POST.get("reason", ""))
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    skipped = len(ids) - changed
    messages.success(
        request,
        f"{changed} alert{'s' if changed != 1 else ''}: {workflow.TRIAGE_ACTIONS[action].lower()}."
        + (f" {skipped} in a case left to the case." if skipped else ""),
    )
    return redirect(back)


@require("view_patient_identifiers")
@require_POST
def reveal(request: HttpRequest) -> HttpResponse:
    back = _back(request, "/alerts/")
    start_reveal(request, back.split("?")[0])
    return redirect(back)


@require("view_alerts")
def incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    found = get_object_or_404(Incident.objects.select_related("run"), pk=incident_id)
    own_alerts = list(found.alerts.order_by("-score", "id"))
    since = (found.first_event - TIMELINE_MARGIN).date()
    until = (found.last_event + TIMELINE_MARGIN).date()
    problem = ""
    timeline: list[accesses.Access] = []
    cut = False
    volume: dict[str, object] = {}
    try:
        timeline, cut = accesses.lookup(lake(), since, until, user_id=found.user_id, limit=2000)
        volume = accesses.daily_volume(lake(), found.user_id, since - timedelta(days=13), until)
    except accesses.NotPrepared as exc:
        problem = f"The timeline needs a detection run: {exc}."
    flagged = {a.patient_id for a in own_alerts if a.patient_id}
    flagged |= {p for a in own_alerts if not a.patient_id for p in a.patients}
    labels = patient_labels(request, flagged | {t.patient_id for t in timeline})
    chart = None
    if volume.get("days"):
        chart = charts.lines(
            f"Daily accesses by {found.user_id} against {volume['department'] or 'peers'}",
            volume["days"],  # type: ignore[arg-type]
            {
                found.user_id: volume["user"],  # type: ignore[dict-item]
                "department median": volume["median"],  # type: ignore[dict-item]
                "department 90th percentile": volume["p90"],  # type: ignore[dict-item]
            },
        )
    relationships = [
        {
            "patient": labels.get(t.patient_id, ""),
            "explanation": t.explanation,
            "at": t.at,
        }
        for t in timeline
        if t.patient_id in flagged and t.explained
    ]
    evidence = [
        {
            "alert": a,
            "patient": labels.get(a.patient_id, ""),
            "records": 0 if a.patient_id else len(a.patients),
            "hits": [
                {
                    **h,
                    "title": DETECTORS[h["detector"]].title
                    if h.get("detector") in DETECTORS
                    else h.get("detector", ""),
                }
                for h in a.evidence
            ],
        }
        for a in own_alerts
    ]
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.incident",
        object_id=found.pk,
        summary=f"incident of {found.user_id}: {len(own_alerts)} alerts, "
        f"{len(timeline)} accesses" + (" (identifiers revealed)" if revealed(request) else ""),
    )
    return render(
        request,
        "privacy/incident.html",
        {
            "incident": found,
            "evidence": evidence,
            "detector_titles": {d.id: d.title for d in DETECTORS.values()},
            "timeline": [
                {
                    "access": t,
                    "patient": labels.get(t.patient_id, ""),
                    "flagged": t.patient_id in flagged,
                }
                for t in timeline
            ],
            "cut": cut,
            "problem": problem,
            "chart": chart,
            "relationships": relationships,
            "others": Incident.objects.filter(user_id=found.user_id)
            .exclude(pk=found.pk)
            .prefetch_related("cases")
            .order_by("-last_event")[:20],
            "cases": Case.objects.filter(incidents=found),
            "sanctions": Sanction.objects.filter(user_id=found.user_id).select_related("case"),
            "sanction_titles": vocabulary().sanctions,
            "can_open_case": has(request.user, "manage_cases")
            and not Case.objects.filter(incidents=found)
            .exclude(status=Case.Status.CLOSED)
            .exists(),
            "can_reveal": may_reveal(request.user) and not revealed(request),
            "revealed": revealed(request),
        },
    )


@require("manage_cases")
@require_POST
def open_case(request: HttpRequest, incident_id: int) -> HttpResponse:
    found = get_object_or_404(Incident, pk=incident_id)
    try:
        case = workflow.open_case(
            request.user, incidents=[found], title=request.POST.get("title", "")
        )
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("alerts:incident", incident_id=found.pk)
    messages.success(request, f"Case {case.number} opened.")
    return redirect("cases:detail", number=case.number)
