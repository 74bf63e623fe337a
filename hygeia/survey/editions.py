"""Running the survey across organizations: editions, participants (with duplicate
detection), respondent links, drafts, submission, amendments and closing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hygeia.core import notify
from hygeia.core.names import similarity
from hygeia.survey import instrument as content
from hygeia.survey.models import Edition, Invitation, Participant, Response, ResponseVersion

SIMILAR_NAME = 0.86
LINK_DAYS_AFTER_CLOSE = 90  # participants download their response and benchmark afterwards
PUBLIC_MAIL_DOMAINS = frozenset(
    {"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "aol.com"}
)


class SurveyError(ValueError):
    """An action refused; the message says why."""


def create_edition(key: str, title: str, year: int, closes_on: date) -> Edition:
    instrument, _ = content.bundled()
    if closes_on <= timezone.localdate():
        raise SurveyError("the closing date must be in the future")
    if Edition.objects.filter(key=key).exists():
        raise SurveyError(f"an edition {key} exists already")
    return Edition.objects.create(
        key=key, title=title, year=year, closes_on=closes_on, instrument=instrument.definition
    )


def instrument_of(edition: Edition) -> content.Instrument:
    return content.Instrument(edition.instrument, edition.title)


def domain_of(email: str) -> str:
    domain = email.rsplit("@", 1)[-1].strip().lower()
    return "" if domain in PUBLIC_MAIL_DOMAINS else domain


def possible_duplicates(name: str, email: str) -> list[Participant]:
    """Organizations already registered under a similar name or the same e-mail domain
    (public mail services aside): one organization should answer once per edition."""
    domain = domain_of(email)
    found = []
    for other in Participant.objects.all():
        if (domain and other.email_domain == domain) or similarity(
            name, other.name
        ) >= SIMILAR_NAME:
            found.append(other)
    return found


def register(name: str, email: str, confirmed_distinct: bool = False) -> Participant:
    """A new participant; refused when it looks like one already registered, unless the
    organizer confirms it is another organization."""
    name = " ".join(name.split())[:200]
    if not name or "@" not in email:
        raise SurveyError("give the organization's name and a contact e-mail address")
    similar = possible_duplicates(name, email)
    if similar and not confirmed_distinct:
        raise SurveyError(
            "possible duplicate of "
            + ", ".join(f"{p.name} ({p.email_domain or p.contact_email})" for p in similar)
            + ": invite that organization instead, or confirm this is another organization"
        )
    return Participant.objects.create(
        name=name,
        email_domain=domain_of(email)[:200],
        contact_email=email.strip().lower(),
        confirmed_distinct=bool(similar),
    )


def not_invited(edition: Edition) -> Any:
    """Organizations registered earlier (for other editions) and not yet invited to this one."""
    return Participant.objects.exclude(invitations__edition=edition).order_by("name")


def respondent_url(token: str) -> str:
    return notify.link(reverse("respond:home", kwargs={"token": token}))


def invite(edition: Edition, participant: Participant, email: str = "") -> str:
    """E-mail the organization its respondent link (a new one replaces an unused one)."""
    if edition.status != Edition.Status.OPEN:
        raise SurveyError("the edition is closed")
    email = (email or participant.contact_email).strip().lower()
    expires = timezone.now() + timedelta(
        days=(edition.closes_on - timezone.localdate()).days + LINK_DAYS_AFTER_CLOSE
    )
    with transaction.atomic():
        Invitation.objects.filter(edition=edition, participant=participant).delete()
        try:
            _, token = Invitation.issue(
                expires, edition=edition, participant=participant, email=email
            )
        except IntegrityError as exc:  # pragma: no cover - the delete above makes room
            raise SurveyError("this organization is already invited") from exc
    notify.send_email(
        [email],
        f"{edition.title}: your organization's response",
        f"{participant.name} is invited to answer the {edition.title}, by "
        f"{edition.closes_on:%Y-%m-%d}. One response per organization; drafts are saved.\n\n"
        f"{respondent_url(token)}\n\nThe link is for your organization only: do not forward it.\n",
    )
    return token


@dataclass
class SaveResult:
    errors: dict[str, str]
    missing: list[str]
    version: ResponseVersion | None


def response_for(invitation: Invitation) -> Response:
    found, _ = Response.objects.get_or_create(
        edition=invitation.edition, participant=invitation.participant
    )
    return found


def answers_of(response: Response) -> dict[str, Any]:
    """The answers being worked on: the draft, else the submitted version."""
    if response.draft or response.current is None:
        return dict(response.draft)
    return dict(response.current.answers)


def save(invitation: Invitation, raw: dict[str, Any], submit: bool, reason: str = "") -> SaveResult:
    """Keep a draft; submitting checks the answers and freezes them as a version. After the
    first submission, a new submission is an amendment and needs a reason."""
    edition = invitation.edition
    if edition.status != Edition.Status.OPEN:
        raise SurveyError("the edition is closed: responses can no longer change")
    form = instrument_of(edition)
    with transaction.atomic():
        response = Response.objects.select_for_update().get(pk=response_for(invitation).pk)
        answers = answers_of(response)
        errors = form.merge(answers, raw)
        visible = {q.id for q in form.visible(answers)}
        answers = {k: v for k, v in answers.items() if k in visible}  # skipped: not kept
        missing = [q.id for q in form.missing(answers)]
        response.draft = answers
        version = None
        if submit and not errors and not missing:
            if response.current and not reason.strip():
                raise SurveyError("say why the submitted response is amended")
            if response.current and response.current.answers == answers:
                raise SurveyError("nothing changed since the last submission")
            number = response.versions.count() + 1
            version = ResponseVersion.objects.create(
                response=response, number=number, answers=answers, reason=reason.strip()[:2000]
            )
            response.current = version
            response.draft = {}
        response.save()
    return SaveResult(errors, missing, version)


def close(edition: Edition) -> int:
    """Close the edition: drafts stay drafts and are not counted. Returns the responses."""
    if edition.status == Edition.Status.CLOSED:
        raise SurveyError("the edition is closed already")
    edition.status = Edition.Status.CLOSED
    edition.closed_at = timezone.now()
    edition.save()
    return edition.responses.filter(current__isnull=False).count()


def progress(edition: Edition) -> dict[str, int]:
    invited = edition.invitations.count()
    responses = edition.responses.all()
    done = responses.filter(current__isnull=False).count()
    return {
        "invited": invited,
        "started": responses.count() - done,
        "submitted": done,
        "amended": ResponseVersion.objects.filter(response__edition=edition, number__gt=1)
        .values("response")
        .distinct()
        .count(),
    }
