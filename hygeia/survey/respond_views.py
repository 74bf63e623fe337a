"""The respondent's pages, reached only through the organization's link: answer (drafts
saved), submit, amend while the edition is open, and download the organization's own
response and benchmark."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from hygeia.core import audit
from hygeia.core.questionnaire import posted_answers
from hygeia.core.uploads import attachment
from hygeia.survey import editions, report
from hygeia.survey.models import Edition, Invitation, Response


def _invitation(token: str) -> Invitation | None:
    found: Invitation | None = Invitation.find(token, "edition", "participant")
    return found


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "survey/respond_gone.html", status=404)


def _actor(invitation: Invitation) -> audit.Actor:
    return audit.Actor(name=f"respondent:{invitation.email}"[:150])


def _downloaded(invitation: Invitation, response: Response, what: str) -> None:
    audit.record(
        audit.Action.EXPORT,
        object_type="survey.response",
        object_id=str(response.pk),
        summary=f"respondent downloaded their {what}",
        actor=_actor(invitation),
    )


def home(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    if invitation is None:
        return _gone(request)
    edition = invitation.edition
    form = editions.instrument_of(edition)
    response = editions.response_for(invitation)
    if request.method == "POST":
        raw, _ = posted_answers(form, request.POST)
        submit = request.POST.get("submit") == "1"
        try:
            result = editions.save(invitation, raw, submit, request.POST.get("reason", ""))
        except editions.SurveyError as exc:
            messages.error(request, str(exc))
            return redirect("respond:home", token=token)
        for qid, error in result.errors.items():
            messages.error(request, f"{form.by_id[qid].text} {error}")
        if result.version is not None:
            audit.record(
                audit.Action.UPDATE,
                object_type="survey.response",
                object_id=str(response.pk),
                summary=f"{edition.key} response version {result.version.number} submitted",
                actor=_actor(invitation),
            )
            messages.success(request, "Thank you: your organization's response was submitted.")
        elif submit and result.missing:
            messages.warning(
                request,
                "Not submitted yet: please answer "
                + "; ".join(form.by_id[q].text for q in result.missing[:10]),
            )
        else:
            messages.success(request, "Draft saved.")
        return redirect("respond:home", token=token)
    return render(
        request,
        "survey/respond.html",
        {
            "invitation": invitation,
            "edition": edition,
            "response": response,
            "versions": response.versions.all(),
            "sections": form.layout(editions.answers_of(response)),
            "open": edition.status == Edition.Status.OPEN,
            "token": token,
        },
    )


def response_csv(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    if invitation is None:
        return _gone(request)
    response = editions.response_for(invitation)
    form = editions.instrument_of(invitation.edition)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["version", "submitted_at", "digest", "question_id", "question", "answer"])
    for version in response.versions.all():
        for question in form.questions:
            if question.id in version.answers:
                writer.writerow(
                    [version.number, version.submitted_at.isoformat(), version.digest,
                     question.id, question.text,
                     question.answer_label(version.answers[question.id], "; ")]
                )  # fmt: skip
    _downloaded(invitation, response, "response")
    return attachment(
        out.getvalue(), f"{invitation.edition.key}-our-response.csv", "text/csv; charset=utf-8"
    )


def benchmark_pdf(request: HttpRequest, token: str) -> HttpResponse:
    invitation = _invitation(token)
    if invitation is None:
        return _gone(request)
    response = editions.response_for(invitation)
    if response.current is None:
        messages.error(request, "Submit your response first.")
        return redirect("respond:home", token=token)
    _downloaded(invitation, response, "benchmark")
    return attachment(
        report.participant_pdf(response),
        f"{invitation.edition.key}-our-benchmark.pdf",
        "application/pdf",
    )
