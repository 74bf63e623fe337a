"""The HIPAA breach notification clock (45 CFR 164.404-164.408) for a concluded breach, the
calendar of what is due, reminders, and the annual log of breaches under 500.

- Individuals: without unreasonable delay and no later than 60 days after discovery (164.404).
- Media: when more than 500 residents of one State or jurisdiction are affected, within the
  same 60 days (164.406).
- HHS: for 500 or more individuals, at the same time as the individual notices, i.e. within
  60 days of discovery; for fewer than 500, in the annual log submitted no later than 60 days
  after the end of the calendar year of discovery (164.408(c)).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet
from django.urls import reverse

from hygeia.core import notify
from hygeia.core.models import User
from hygeia.core.permissions import users_with
from hygeia.privacy.cases.models import BreachAssessment, ReminderSent

NOTICE_DAYS = 60
LARGE_BREACH = 500
MEDIA_THRESHOLD = 500  # "more than 500 residents of a State"
REMINDER_DAYS = (14, 7, 3, 1, 0)


@dataclass(frozen=True)
class Deadline:
    kind: str  # individuals | media | hhs | hhs_annual_log
    title: str
    due: date
    done_on: date | None
    citation: str
    case_number: str
    case_id: int

    @property
    def done(self) -> bool:
        return self.done_on is not None

    def days_left(self, today: date) -> int:
        return (self.due - today).days


def annual_log_due(year: int) -> date:
    """60 days after 31 December of `year`: 1 March, or 29 February when the next year is a
    leap year."""
    return date(year, 12, 31) + timedelta(days=NOTICE_DAYS)


def states_over_threshold(residents_by_state: dict[str, int]) -> list[str]:
    return sorted(s for s, n in residents_by_state.items() if int(n or 0) > MEDIA_THRESHOLD)


def deadlines(assessment: BreachAssessment) -> list[Deadline]:
    """What is due for this assessment; nothing unless it concluded a breach."""
    if assessment.conclusion != BreachAssessment.Conclusion.BREACH:
        return []
    case = assessment.case
    found = case.discovered_on
    sixty = found + timedelta(days=NOTICE_DAYS)
    due = [
        Deadline(
            "individuals",
            "Notify the individuals affected",
            sixty,
            assessment.individuals_notified_on,
            "45 CFR 164.404",
            case.number,
            case.pk,
        )
    ]
    over = states_over_threshold(assessment.residents_by_state or {})
    if over:
        due.append(
            Deadline(
                "media",
                f"Notify prominent media outlets in {', '.join(over)}",
                sixty,
                assessment.media_notified_on,
                "45 CFR 164.406",
                case.number,
                case.pk,
            )
        )
    if assessment.individuals_affected >= LARGE_BREACH:
        due.append(
            Deadline(
                "hhs",
                "Notify HHS (500 or more individuals)",
                sixty,
                assessment.hhs_notified_on,
                "45 CFR 164.408(b)",
                case.number,
                case.pk,
            )
        )
    else:
        due.append(
            Deadline(
                "hhs_annual_log",
                f"Report to HHS in the {found.year} annual log of breaches under 500",
                annual_log_due(found.year),
                assessment.hhs_notified_on,
                "45 CFR 164.408(c)",
                case.number,
                case.pk,
            )
        )
    return due


def breaches() -> QuerySet[BreachAssessment]:
    return BreachAssessment.objects.select_related("case").filter(
        conclusion=BreachAssessment.Conclusion.BREACH
    )


def all_deadlines(include_done: bool = True) -> list[Deadline]:
    found = [d for a in breaches() for d in deadlines(a) if include_done or not d.done]
    return sorted(found, key=lambda d: (d.due, d.case_number, d.kind))


LOG_COLUMNS = (
    "case",
    "date_of_breach",
    "date_of_discovery",
    "individuals_affected",
    "type_of_breach",
    "location_of_breached_information",
    "safeguards_in_place",
    "individual_notice_provided_on",
    "actions_taken",
    "hhs_reported_on",
)


def annual_log_rows(year: int) -> list[dict[str, str]]:
    """Breaches of fewer than 500 individuals discovered in `year`: what the HHS breach
    portal asks for each (without any patient identifier)."""
    rows = []
    for assessment in (
        breaches()
        .filter(case__discovered_on__year=year, individuals_affected__lt=LARGE_BREACH)
        .order_by("case__discovered_on", "case__number")
    ):
        case = assessment.case
        first = case.incidents.order_by("first_event").values_list("first_event", flat=True)
        breach_date = first[0].date().isoformat() if first else ""
        rows.append(
            {
                "case": case.number,
                "date_of_breach": breach_date,
                "date_of_discovery": case.discovered_on.isoformat(),
                "individuals_affected": str(assessment.individuals_affected),
                "type_of_breach": assessment.breach_type,
                "location_of_breached_information": assessment.location,
                "safeguards_in_place": assessment.safeguards,
                "individual_notice_provided_on": (
                    assessment.individuals_notified_on.isoformat()
                    if assessment.individuals_notified_on
                    else ""
                ),
                "actions_taken": assessment.actions_taken,
                "hhs_reported_on": (
                    assessment.hhs_notified_on.isoformat() if assessment.hhs_notified_on else ""
                ),
            }
        )
    return rows


def annual_log_csv(year: int) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LOG_COLUMNS)
    writer.writeheader()
    writer.writerows(annual_log_rows(year))
    return out.getvalue()


def _recipients() -> list[User]:
    """People who run cases and want deadline e-mails."""
    people = users_with("manage_cases", with_email=True)
    return [u for u in people if notify.preferences(u).deadlines]


def send_reminders(today: date) -> int:
    """E-mail each open deadline at 14, 7, 3, 1 and 0 days before it is due, and every day
    once overdue, each reminder once per person and day count; post the same to webhooks
    (`privacy.deadline`, retried on the next run until delivered). Returns e-mails sent."""
    sent = 0
    people = _recipients()
    for deadline in all_deadlines(include_done=False):
        left = deadline.days_left(today)
        if left not in REMINDER_DAYS and left >= 0:
            continue
        when = f"overdue by {-left} day(s)" if left < 0 else f"due in {left} day(s)"
        if left == 0:
            when = "due today"
        url = notify.link(reverse("cases:detail", kwargs={"number": deadline.case_number}))
        hook_key = f"{deadline.case_number}:{deadline.kind}:{left}:webhook"[:200]
        if not ReminderSent.objects.filter(key=hook_key).exists():
            delivered = notify.post_webhooks(
                "privacy.deadline",
                {
                    "case": deadline.case_number,
                    "kind": deadline.kind,
                    "title": deadline.title,
                    "due": deadline.due.isoformat(),
                    "days_left": left,
                    "citation": deadline.citation,
                    "url": url,
                },
            )
            if delivered and all(d.ok for d in delivered):
                ReminderSent.objects.create(key=hook_key)
        for person in people:
            key = f"{deadline.case_number}:{deadline.kind}:{left}:{person.pk}"[:200]
            if ReminderSent.objects.filter(key=key).exists():
                continue
            if notify.send_email(
                [person.email],
                f"{deadline.title} — case {deadline.case_number}, {when}",
                f"{deadline.title} ({deadline.citation}) for case {deadline.case_number} is "
                f"{when}: {deadline.due:%A %d %B %Y}.\n\n{url}\n",
            ):
                ReminderSent.objects.create(key=key)
                sent += 1
    return sent
