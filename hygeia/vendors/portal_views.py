"""The vendor portal: one assessment, opened by the link's token, no account.

Every page checks the token first; an unknown, expired or revoked token gets the same
"link not valid" page, so a guess learns nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hygeia.core import audit
from hygeia.core.questionnaire import posted_answers
from hygeia.vendors import assessments, questionnaire
from hygeia.vendors.models import CorrectiveAction, PortalLink


def _link(token: str) -> PortalLink | None:
    return assessments.find_link(token)


def _gone(request: HttpRequest) -> HttpResponse:
    return render(request, "vendors/portal_gone.html", status=404)


def _actor(link: PortalLink) -> audit.Actor:
    return audit.Actor(name=f"vendor:{link.email}"[:150])


def home(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(token)
    if link is None:
        return _gone(request)
    item = link.assessment
    form = questionnaire.form_for(item.questionnaire)
    if request.method == "POST":
        raw, notes = posted_answers(form, request.POST)
        try:
            result = assessments.save_answers(item, raw, notes, request.POST.get("submit") == "1")
        except assessments.AssessmentError as exc:
            messages.error(request, str(exc))
            return redirect("portal:home", token=token)
        audit.record(
            audit.Action.UPDATE,
            object_type="vendors.assessment",
            object_id=item.number,
            summary=f"vendor {'submitted' if result.submitted else 'saved'} {item.number}",
            actor=_actor(link),
        )
        for qid, error in result.errors.items():
            messages.error(request, f"{qid}: {error}")
        if result.submitted:
            messages.success(request, "Thank you: your answers were submitted.")
        elif request.POST.get("submit") == "1" and result.missing:
            messages.warning(
                request,
                "Not submitted yet: please answer " + ", ".join(result.missing[:15]) + ".",
            )
        else:
            messages.success(request, "Draft saved.")
        return redirect("portal:home", token=token)
    stored = {a.question_id: a for a in item.answers.all()}
    answers = {qid: a.value for qid, a in stored.items()}
    files = assessments.files_by_question(item)
    sections = form.layout(
        answers, lambda q: {"answer": stored.get(q.id), "files": files.get(q.id, [])}
    )
    return render(
        request,
        "vendors/portal.html",
        {
            "a": item,
            "link": link,
            "token": token,
            "sections": sections,
            "editable": item.open_for_vendor,
            "missing": [q.id for q in form.missing(answers, files)],
            "prefilled": any(a.prefilled for a in stored.values()),
            "actions": CorrectiveAction.objects.filter(finding__vendor=item.vendor)
            .exclude(status="verified")
            .select_related("finding"),
            "general_files": files.get("", []),
        },
    )


@require_POST
def upload(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(token)
    if link is None:
        return _gone(request)
    item = link.assessment
    upload_file = request.FILES.get("file")
    if not item.open_for_vendor:
        messages.error(request, "This assessment can no longer be changed.")
    elif upload_file is None:
        messages.error(request, "Choose a file.")
    else:
        try:
            saved = assessments.attach(
                item, request.POST.get("question_id", ""), upload_file.name or "file",
                upload_file, upload_file.size or 0, f"vendor {link.email}",
            )  # fmt: skip
        except assessments.AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            audit.record(
                audit.Action.CREATE,
                object_type="vendors.evidence",
                object_id=str(saved.pk),
                summary=f"vendor uploaded evidence to {item.number}",
                actor=_actor(link),
            )
            messages.success(request, f"{saved.name} uploaded.")
    return redirect("portal:home", token=token)


@require_POST
def update_action(request: HttpRequest, token: str, action_id: int) -> HttpResponse:
    link = _link(token)
    if link is None:
        return _gone(request)
    step = CorrectiveAction.objects.filter(
        pk=action_id, finding__vendor=link.assessment.vendor
    ).first()
    if step is None:
        return _gone(request)
    try:
        assessments.vendor_updates_action(
            link, step, request.POST.get("status", ""), request.POST.get("update", "")
        )
    except assessments.AssessmentError as exc:
        messages.error(request, str(exc))
    else:
        audit.record(
            audit.Action.UPDATE,
            object_type="vendors.correctiveaction",
            object_id=str(step.pk),
            summary="vendor updated a corrective action",
            actor=_actor(link),
        )
        messages.success(request, "Update recorded.")
    return redirect("portal:home", token=token)
