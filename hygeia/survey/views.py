"""The survey's pages for the security office (self-benchmark) and for an organizer running
editions across organizations."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hygeia.core import audit
from hygeia.core.forms import posted_id
from hygeia.core.models import Organization
from hygeia.core.permissions import has, insist, require
from hygeia.core.questionnaire import posted_answers
from hygeia.core.uploads import attachment
from hygeia.survey import aggregate, benchmark, editions, report
from hygeia.survey import instrument as content
from hygeia.survey.models import Edition, Invitation, Response
from hygeia.survey.proposals import propose


@require("view_survey")
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "survey/home.html",
        {
            "self": benchmark.current(),
            "editions": [(e, editions.progress(e)) for e in Edition.objects.all()],
            "can_run": has(request.user, "run_survey"),
            "can_answer": has(request.user, "answer_survey"),
        },
    )


@require("view_survey")
def benchmark_view(request: HttpRequest) -> HttpResponse:
    instrument, _ = content.bundled()
    assessment = benchmark.current()
    proposals = propose(instrument.questions)  # once a request: each proposer reads records
    if request.method == "POST":
        insist(request.user, "answer_survey")
        raw, _ = posted_answers(instrument, request.POST)
        accepted = request.POST.getlist("accept")
        if request.POST.get("accept_all") == "1":
            accepted = list(proposals)
        errors = benchmark.save(assessment, raw, accepted, request.user.get_username(), proposals)
        audit.record(
            audit.Action.UPDATE,
            object_type="survey.self_assessment",
            object_id=str(assessment.year),
            summary=f"survey answers {assessment.year} saved",
        )
        for qid, error in errors.items():
            messages.error(request, f"{qid}: {error}")
        if not errors:
            messages.success(request, "Answers saved.")
        return redirect("survey:benchmark")
    rows = {r.question_id: r for r in benchmark.rows(assessment, proposals)}

    def benchmark_of(q: content.Question) -> dict[str, Any]:
        row = rows.get(q.id)
        return {
            "proposal": proposals.get(q.id),
            "proposal_label": q.answer_label(proposals[q.id].answer) if q.id in proposals else "",
            "accepted": assessment.accepted_proposals.get(q.id, ""),
            "row": row,
            "comparison": benchmark.comparison(row) if row else "",
            "chart": benchmark.chart(q, row) if row else None,
        }

    sections = instrument.layout(assessment.answers, benchmark_of)
    return render(
        request,
        "survey/benchmark.html",
        {
            "assessment": assessment,
            "instrument": instrument,
            "sections": sections,
            "pending": [q for q in proposals if q not in assessment.answers],
            "can_answer": has(request.user, "answer_survey"),
        },
    )


@require("view_survey")
def benchmark_pdf(request: HttpRequest) -> HttpResponse:
    organization = Organization.objects.first()
    audit.record(audit.Action.EXPORT, object_type="survey.benchmark", summary="benchmark PDF")
    return attachment(
        benchmark.pdf_report(organization.name if organization else ""),
        f"survey-benchmark-{timezone.localdate():%Y-%m-%d}.pdf",
        "application/pdf",
    )


@require("view_survey")
def edition_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        insist(request.user, "run_survey")
        try:
            year = int(request.POST.get("year", ""))
            edition = editions.create_edition(
                request.POST.get("key", "").strip() or str(year),
                request.POST.get("title", "").strip() or f"Healthcare cybersecurity survey {year}",
                year,
                date.fromisoformat(request.POST.get("closes_on", "")),
            )
        except (ValueError, editions.SurveyError) as exc:
            messages.error(request, str(exc) or "Give the year and the closing date.")
            return redirect("survey:editions")
        messages.success(request, f"{edition.title} opened.")
        return redirect("survey:edition", key=edition.key)
    return render(
        request,
        "survey/editions.html",
        {
            "editions": [(e, editions.progress(e)) for e in Edition.objects.all()],
            "can_run": has(request.user, "run_survey"),
            "this_year": timezone.localdate().year,
        },
    )


@require("view_survey")
def edition_detail(request: HttpRequest, key: str) -> HttpResponse:
    edition = get_object_or_404(Edition, key=key)
    responses = {r.participant_id: r for r in Response.objects.filter(edition=edition)}
    invitations = [
        (i, responses.get(i.participant_id))
        for i in Invitation.objects.filter(edition=edition).select_related("participant")
    ]
    return render(
        request,
        "survey/edition.html",
        {
            "edition": edition,
            "progress": editions.progress(edition),
            "invitations": invitations,
            "can_run": has(request.user, "run_survey"),
            "earlier": editions.not_invited(edition),
            "duplicate_warning": request.session.pop("survey_duplicate", None),
        },
    )


@require("run_survey")
@require_POST
def invite(request: HttpRequest, key: str) -> HttpResponse:
    edition = get_object_or_404(Edition, key=key)
    name = request.POST.get("name", "")
    email = request.POST.get("email", "").strip()
    try:
        if request.POST.get("participant"):  # registered for an earlier edition
            participant = get_object_or_404(
                editions.not_invited(edition), pk=posted_id(request.POST, "participant")
            )
            email = email or participant.contact_email
        else:
            participant = editions.register(name, email, request.POST.get("distinct") == "1")
        editions.invite(edition, participant, email)
    except editions.SurveyError as exc:
        if "possible duplicate" in str(exc):
            request.session["survey_duplicate"] = {"name": name, "email": email}
        messages.error(request, str(exc))
        return redirect("survey:edition", key=key)
    audit.record(
        audit.Action.CREATE,
        object_type="survey.invitation",
        object_id=str(participant.pk),
        summary=f"{participant.name} invited to {edition.key}",
    )
    messages.success(request, f"{participant.name} invited: the link was e-mailed to {email}.")
    return redirect("survey:edition", key=key)


@require("run_survey")
@require_POST
def reinvite(request: HttpRequest, key: str, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, edition__key=key)
    try:
        editions.invite(invitation.edition, invitation.participant, invitation.email)
    except editions.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"A new link was sent to {invitation.email}.")
    return redirect("survey:edition", key=key)


@require("run_survey")
@require_POST
def close(request: HttpRequest, key: str) -> HttpResponse:
    edition = get_object_or_404(Edition, key=key)
    try:
        count = editions.close(edition)
    except editions.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        audit.record(
            audit.Action.UPDATE,
            object_type="survey.edition",
            object_id=edition.key,
            summary=f"{edition.key} closed with {count} responses",
        )
        messages.success(request, f"Closed with {count} responses.")
    return redirect("survey:edition", key=key)


@require("view_survey")
def report_view(request: HttpRequest, key: str) -> HttpResponse:
    edition = get_object_or_404(Edition, key=key)
    return render(request, "survey/report.html", report.build(edition))


@require("view_survey")
def report_pdf(request: HttpRequest, key: str) -> HttpResponse:
    edition = get_object_or_404(Edition, key=key)
    audit.record(audit.Action.EXPORT, object_type="survey.report", summary=f"{key} report PDF")
    return attachment(report.pdf_report(edition), f"survey-report-{key}.pdf", "application/pdf")


@require("view_survey")
def aggregates_csv(request: HttpRequest, key: str) -> HttpResponse:
    edition = get_object_or_404(Edition, key=key)
    audit.record(audit.Action.EXPORT, object_type="survey.aggregates", summary=f"{key} CSV")
    text = aggregate.csv_text(edition, aggregate.aggregate(edition))
    return attachment(text.encode(), f"survey-aggregates-{key}.csv", "text/csv; charset=utf-8")
