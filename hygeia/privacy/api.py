"""The investigation workspace in the JSON API: the alert queue and triage, incidents, cases
and their decisions, notification deadlines, and a patient's accesses.

Same permissions and audit entries as the web pages. Patients appear masked unless the role
may see identifiers and the call asks for them with `reveal=true` (recorded).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from hygeia.core import audit
from hygeia.core.permissions import has, need
from hygeia.privacy import accesses, queue, reports
from hygeia.privacy.cases import breach, workflow
from hygeia.privacy.models import Alert, BreachAssessment, Case, Incident, Patient
from hygeia.privacy.phi import masked_patient

router = Router(tags=["privacy workspace"])
MAX_PAGE = 500


def _patients(request: HttpRequest, reveal: bool, ids: list[str]) -> dict[str, str]:
    show = reveal and has(request.user, "view_patient_identifiers")
    if show and any(ids):
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.reveal",
            summary=f"patient ids revealed through the API ({len(set(ids))})",
        )
    return {i: (i if show else masked_patient(i)) for i in ids if i}


class AlertOut(Schema):
    id: int
    score: float
    severity: str
    status: str
    disposition: str
    user_id: str
    department: str
    patient: str
    detectors: list[str]
    reasons: list[str]
    first_event: datetime
    last_event: datetime
    events: int
    incident_id: int | None


class AlertPage(Schema):
    count: int
    count_is_floor: bool
    counts: dict[str, Any]
    alerts: list[AlertOut]


class QueueQuery(Schema):
    status: str = "open"
    detector: str = ""
    department: str = ""
    user: str = ""
    severity: str = ""
    min_score: float | None = None
    since: date | None = None
    until: date | None = None
    order: str = "score"
    limit: int = 50
    offset: int = 0
    reveal: bool = False


def _alert(a: Alert, patients: dict[str, str]) -> dict[str, Any]:
    return {
        "id": a.pk,
        "score": a.score,
        "severity": a.severity,
        "status": a.status,
        "disposition": a.disposition,
        "user_id": a.user_id,
        "department": a.department,
        "patient": patients.get(a.patient_id, ""),
        "detectors": a.detectors,
        "reasons": a.reasons,
        "first_event": a.first_event,
        "last_event": a.last_event,
        "events": a.events,
        "incident_id": a.incident_id,
    }


@router.get("/alerts", response=AlertPage, summary="The alert queue, filtered and ordered")
def list_alerts(request: HttpRequest, params: Query[QueueQuery]) -> dict[str, Any]:
    need(request, "view_alerts")
    values = params.dict()
    filters = queue.Filters.parse({k: "" if v is None else str(v) for k, v in values.items()})
    if filters.problems:
        raise HttpError(422, "; ".join(filters.problems))
    found = queue.alerts(filters)
    offset, limit = max(params.offset, 0), max(1, min(params.limit, MAX_PAGE))
    page = list(found[offset : offset + limit])
    patients = _patients(request, params.reveal, [a.patient_id for a in page])
    if page:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.alerts",
            summary=f"alert queue (API): {len(page)} alerts",
            details={"alerts": [a.pk for a in page]},
        )
    total, capped = queue.matching(filters, found)
    return {
        "count": total,
        "count_is_floor": capped,
        "counts": queue.counts(),
        "alerts": [_alert(a, patients) for a in page],
    }


class TriageIn(Schema):
    alerts: list[int]
    action: str
    reason: str = ""


class TriageOut(Schema):
    changed: int


@router.post("/alerts/triage", response=TriageOut, summary="Triage many alerts at once")
def triage_alerts(request: HttpRequest, body: TriageIn) -> dict[str, int]:
    need(request, "triage_alerts")
    try:
        return {"changed": workflow.triage(body.alerts, body.action, request.user, body.reason)}
    except workflow.WorkflowError as exc:
        raise HttpError(422, str(exc)) from exc


class IncidentOut(Schema):
    id: int
    user_id: str
    score: float
    severity: str
    first_event: datetime
    last_event: datetime
    alerts: list[AlertOut]
    cases: list[str]
    other_incidents: list[int]


@router.get("/incidents/{incident_id}", response=IncidentOut, summary="One incident")
def get_incident(request: HttpRequest, incident_id: int, reveal: bool = False) -> dict[str, Any]:
    need(request, "view_alerts")
    found = get_object_or_404(Incident, pk=incident_id)
    own = list(found.alerts.order_by("-score", "id"))
    patients = _patients(request, reveal, [a.patient_id for a in own])
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.incident",
        object_id=found.pk,
        summary=f"incident of {found.user_id} (API)",
    )
    return {
        "id": found.pk,
        "user_id": found.user_id,
        "score": found.score,
        "severity": found.severity,
        "first_event": found.first_event,
        "last_event": found.last_event,
        "alerts": [_alert(a, patients) for a in own],
        "cases": list(found.cases.values_list("number", flat=True)),
        "other_incidents": list(
            Incident.objects.filter(user_id=found.user_id)
            .exclude(pk=found.pk)
            .values_list("pk", flat=True)[:50]
        ),
    }


class NoteOut(Schema):
    author: str
    kind: str
    text: str
    at: datetime


class DeadlineOut(Schema):
    case: str
    kind: str
    title: str
    due: date
    done_on: date | None
    citation: str


class CaseOut(Schema):
    number: str
    title: str
    status: str
    subjects: list[str]
    assignee: str
    created_at: datetime
    discovered_on: date
    disposition: str
    violation_category: str
    false_positive_reason: str
    rationale: str
    incidents: list[int]
    breach_conclusion: str
    deadlines: list[DeadlineOut]
    notes: list[NoteOut]


def _deadline(d: breach.Deadline) -> dict[str, Any]:
    return {
        "case": d.case_number,
        "kind": d.kind,
        "title": d.title,
        "due": d.due,
        "done_on": d.done_on,
        "citation": d.citation,
    }


def _case(case: Case, with_notes: bool = True) -> dict[str, Any]:
    assessment = BreachAssessment.objects.filter(case=case).first()
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "subjects": case.subjects,
        "assignee": case.assignee.username if case.assignee else "",
        "created_at": case.created_at,
        "discovered_on": case.discovered_on,
        "disposition": case.disposition,
        "violation_category": case.violation_category,
        "false_positive_reason": case.false_positive_reason,
        "rationale": case.disposition_rationale,
        "incidents": list(case.incidents.values_list("pk", flat=True)),
        "breach_conclusion": assessment.conclusion if assessment else "",
        "deadlines": [_deadline(d) for d in breach.deadlines(assessment)] if assessment else [],
        "notes": [
            {"author": n.author_name, "kind": n.kind, "text": n.text, "at": n.created_at}
            for n in case.notes.all()
        ]
        if with_notes
        else [],
    }


@router.get("/cases", response=list[CaseOut], summary="Cases, newest first")
def list_cases(
    request: HttpRequest, status: str = "", limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    need(request, "view_cases")
    found = Case.objects.select_related("assignee").order_by("-created_at", "-id")
    if status:
        found = found.filter(status=status)
    offset, limit = max(offset, 0), max(1, min(limit, MAX_PAGE))
    return [_case(c, with_notes=False) for c in found[offset : offset + limit]]


class CaseIn(Schema):
    incidents: list[int] = []
    alerts: list[int] = []
    title: str = ""


@router.post("/cases", response={201: CaseOut}, summary="Open a case from incidents or alerts")
def create_case(request: HttpRequest, body: CaseIn) -> tuple[int, dict[str, Any]]:
    need(request, "manage_cases")
    try:
        case = workflow.open_case(
            request.user,
            incidents=Incident.objects.filter(pk__in=body.incidents),
            alerts=Alert.objects.select_related("incident").filter(pk__in=body.alerts),
            title=body.title,
        )
    except workflow.WorkflowError as exc:
        raise HttpError(422, str(exc)) from exc
    return 201, _case(case)


@router.get("/cases/{number}", response=CaseOut, summary="One case with its history")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    need(request, "view_cases")
    case = get_object_or_404(Case, number=number)
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.case",
        object_id=case.number,
        summary=f"case {case.number} viewed (API)",
    )
    return _case(case)


class CaseChange(Schema):
    """One change: `note` (text), `status` (status), or `decide` (disposition, rationale,
    violation_category or false_positive_reason)."""

    action: str
    text: str = ""
    status: str = ""
    disposition: str = ""
    rationale: str = ""
    violation_category: str = ""
    false_positive_reason: str = ""


@router.post("/cases/{number}/changes", response=CaseOut, summary="Add a note, move or decide")
def change_case(request: HttpRequest, number: str, body: CaseChange) -> dict[str, Any]:
    need(request, "manage_cases")
    case = get_object_or_404(Case, number=number)
    try:
        if body.action == "note":
            workflow.add_note(case, request.user, body.text)
        elif body.action == "status":
            workflow.set_status(case, body.status, request.user)
        elif body.action == "decide":
            workflow.decide(
                case,
                request.user,
                body.disposition,
                body.rationale,
                body.violation_category,
                body.false_positive_reason,
            )
        else:
            raise workflow.WorkflowError("action must be note, status or decide")
    except workflow.WorkflowError as exc:
        raise HttpError(422, str(exc)) from exc
    case.refresh_from_db()
    return _case(case)


@router.get(
    "/breach/deadlines", response=list[DeadlineOut], summary="Breach notification deadlines"
)
def list_deadlines(request: HttpRequest, open_only: bool = True) -> list[dict[str, Any]]:
    need(request, "view_cases")
    return [_deadline(d) for d in breach.all_deadlines(include_done=not open_only)]


class AccessOut(Schema):
    date_time_local: str
    date_time_utc: str
    user: str
    user_name: str
    role: str
    department: str
    action: str
    what: str
    system: str
    explained: str
    explanation: str


@router.get(
    "/patients/{patient_id}/accesses",
    response=list[AccessOut],
    tags=["privacy"],
    summary="Every access to one patient's record in a period (the patient access report)",
)
def patient_accesses(
    request: HttpRequest, patient_id: uuid.UUID, since: date, until: date
) -> list[dict[str, str]]:
    need(request, "patient_access_reports")
    patient = get_object_or_404(Patient, pk=patient_id)
    if since > until:
        raise HttpError(422, "since is after until")
    try:
        report = reports.patient_access(patient, since, until)
    except accesses.NotPrepared as exc:
        raise HttpError(409, f"{exc}: run `hygeia privacy detect` first") from exc
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.patient_access_report",
        object_id=str(patient.pk),
        patient_ref=str(patient.pk),
        summary=f"patient access report {since}..{until} (API, {len(report.rows)} accesses)",
    )
    return [reports.row(r) for r in report.rows]
