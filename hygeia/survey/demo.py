"""The survey part of `hygeia demo`: a closed edition last year and an open one this year,
answered by synthetic organizations (one region kept to four, so its figures are
suppressed), and the hospital's own answers with the profile filled in and Hygeia's
proposals waiting to be accepted."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from hygeia.core import audit
from hygeia.survey import benchmark, editions
from hygeia.survey import instrument as content
from hygeia.survey.models import Edition, Invitation, Participant

PLACES = [
    "Riverbend", "Lakeshore", "Cedar Valley", "Harbor Point", "Prairie Ridge", "Summit",
    "Bayside", "Granite Falls", "Mesa Verde", "Old Mill", "Sandhill", "Northwind", "Magnolia",
    "Copper Canyon", "Willow Creek", "Stonebridge", "Maple Grove", "Eastgate", "Silver Lake",
    "Pine Hollow", "Fairhaven", "Oak Hill", "Brookside", "Redwood Bay", "Juniper", "Highland Park",
]  # fmt: skip
KINDS = ["Community Hospital", "Health System", "Medical Center", "Regional Hospital",
         "Health Partners", "Clinic Network"]  # fmt: skip
WEST = {3, 8, 13, 23}  # four organizations: the report must suppress this region
ORGANIZATIONS = [
    (f"{place} {KINDS[i % len(KINDS)]}",
     f"{place.lower().replace(' ', '')}.example.org",
     "west" if i in WEST else ("northeast", "midwest", "south")[i % 3])
    for i, place in enumerate(PLACES)
]  # fmt: skip


def _answers(form: content.Instrument, figures: content.PeerFigures, region: str,
             rng: random.Random) -> dict[str, Any]:  # fmt: skip
    """Plausible synthetic answers: where a peer figure exists, drawn with its shares."""
    answers: dict[str, Any] = {"region": region}
    for question in form.questions:
        if question.id in answers:
            continue
        if question.id not in {q.id for q in form.visible(answers)}:
            continue
        options = list(question.option_labels())
        published = figures.for_question(question.id)
        weights = [(published[0].shares.get(v) if published else None) or 10.0 for v in options]
        if question.type == "multiple":
            chosen = [v for v, w in zip(options, weights, strict=True) if rng.random() < w / 100]
            answers[question.id] = chosen or [options[0]]
        elif question.type == "single":
            answers[question.id] = rng.choices(options, weights)[0]
    return answers


def _run(key: str, year: int, organizations: list[tuple[str, str, str]], submit: int,
         rng: random.Random) -> Edition:  # fmt: skip
    form, figures = content.bundled()
    edition = Edition.objects.create(
        key=key,
        title=f"Healthcare cybersecurity survey {year}",
        year=year,
        instrument=form.definition,
        closes_on=timezone.localdate() + timedelta(days=30),
    )
    for number, (name, domain, region) in enumerate(organizations):
        participant = Participant.objects.filter(email_domain=domain).first()
        if participant is None:
            participant = editions.register(name, f"security@{domain}")
        invitation, _ = Invitation.issue(
            timezone.now() + timedelta(days=120),
            edition=edition,
            participant=participant,
            email=participant.contact_email,
        )
        answers = _answers(form, figures, region, rng)
        editions.save(invitation, answers, submit=number < submit)
    return edition


def seed() -> dict[str, Any]:
    if Edition.objects.exists():
        return {"editions": Edition.objects.count()}
    rng = random.Random(2024)  # noqa: S311 - synthetic data
    this_year = timezone.localdate().year
    with audit.acting_as(audit.Actor(name="demo")), transaction.atomic():
        last = _run(str(this_year - 1), this_year - 1, ORGANIZATIONS[:20], 20, rng)
        editions.close(last)
        drafts = [o for o in ORGANIZATIONS if o[2] != "west"][-2:]
        current = _run(
            str(this_year),
            this_year,
            [o for o in ORGANIZATIONS if o not in drafts] + drafts,
            len(ORGANIZATIONS) - 2,
            rng,
        )
        own = benchmark.current()
        benchmark.save(
            own,
            {"role": "executive", "org_type": "hospital", "org_size": "medium",
             "region": "midwest", "it_budget_change": "increase"},
            accepted=[],
            user="demo",
        )  # fmt: skip
    return {
        "editions": 2,
        "responses": current.responses.filter(current__isnull=False).count(),
        "organizations": len(ORGANIZATIONS),
    }
