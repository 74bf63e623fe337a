"""The breach assessment: the four factors and the conclusion, the notice deadlines of
45 CFR 164.404-164.408, the calendar, reminders over real SMTP, the annual log."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from hygeia.core.models import NotificationPreference
from hygeia.privacy.cases import breach, workflow
from hygeia.privacy.cases.models import BreachAssessment
from tests.conftest import signed_in_client
from tests.privacy.cases.conftest import make_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("po", "Privacy Officer")


def concluded(
    officer, key: str, discovered: date, affected: int, states=None, conclusion: str = "breach"
) -> BreachAssessment:
    case = workflow.open_case(
        officer, incidents=[make_incident(key, f"u-{key}", (f"a-{key}", "p"))]
    )
    case.discovered_on = discovered
    case.save()
    return BreachAssessment.objects.create(
        case=case,
        conclusion=conclusion,
        individuals_affected=affected,
        residents_by_state=states or {},
        rationale="r",
    )


def kinds(assessment):
    return {d.kind: d.due for d in breach.deadlines(assessment)}


def test_small_breach_individual_notice_and_the_annual_log(officer):
    a = concluded(officer, "s", date(2026, 3, 10), 3)
    assert kinds(a) == {"individuals": date(2026, 5, 9), "hhs_annual_log": date(2027, 3, 1)}


def test_annual_log_due_date_after_a_leap_year_end():
    assert breach.annual_log_due(2027) == date(2028, 2, 29)
    assert breach.annual_log_due(2026) == date(2027, 3, 1)


def test_large_breach_hhs_within_sixty_days_and_media_only_over_500_in_a_state(officer):
    a = concluded(officer, "l", date(2026, 1, 1), 900, {"IL": 501, "WI": 399})
    assert kinds(a) == {
        "individuals": date(2026, 3, 2),
        "media": date(2026, 3, 2),
        "hhs": date(2026, 3, 2),
    }
    assert "IL" in breach.deadlines(a)[1].title and "WI" not in breach.deadlines(a)[1].title
    b = concluded(officer, "m", date(2026, 1, 1), 500, {"IL": 500})
    assert kinds(b) == {"individuals": date(2026, 3, 2), "hhs": date(2026, 3, 2)}


def test_no_deadline_without_a_breach(officer):
    for conclusion in ("", "low_probability", "exception"):
        assert (
            breach.deadlines(
                concluded(officer, f"n{conclusion}", date(2026, 1, 1), 10, conclusion=conclusion)
            )
            == []
        )


def test_assessment_form_validates_before_concluding(officer):
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    client = signed_in_client(officer)
    url = f"/cases/{case.number}/breach/"
    future = (date.today() + timedelta(days=3)).isoformat()
    page = client.post(
        url,
        {
            "conclusion": "breach",
            "discovered_on": future,
            "individuals_affected": "x",
            "states": "IL 5, nonsense",
        },
    ).content.decode()
    for problem in (
        "cannot be in the future",
        "whole number",
        "not &#x27;STATE=COUNT&#x27;",
        "rate all four factors",
        "needs its rationale",
    ):
        assert problem in page
    assert not BreachAssessment.objects.exists()
    form = {
        "discovered_on": "2026-02-01",
        "phi_nature": "Diagnoses of one patient",
        "phi_nature_risk": "high",
        "recipient": "A coworker",
        "recipient_risk": "medium",
        "acquired": "Viewed for 3 minutes",
        "acquired_risk": "high",
        "mitigation": "Attestation signed",
        "mitigation_risk": "medium",
        "conclusion": "breach",
        "rationale": "Presumed breach not rebutted.",
        "individuals_affected": "1",
        "states": "OH=1",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    saved = BreachAssessment.objects.get()
    assert saved.conclusion == "breach" and saved.residents_by_state == {"OH": 1}
    case.refresh_from_db()
    assert case.discovered_on == date(2026, 2, 1)
    page = client.get(url).content.decode()
    assert "2026-04-02" in page and "45 CFR 164.404" in page
    calendar = client.get("/cases/deadlines/?month=2026-04").content.decode()
    assert case.number in calendar and "individuals" in calendar
    auditor = signed_in_client(officer.__class__.objects.create_user("aud"))
    assert auditor.post(url, form).status_code == 403


def test_annual_log_lists_small_breaches_of_the_year_without_patients(officer, make_user):
    concluded(officer, "a", date(2026, 3, 1), 4)
    concluded(officer, "b", date(2026, 7, 1), 800)  # large: reported separately
    concluded(officer, "c", date(2025, 12, 30), 2)  # another year
    concluded(officer, "d", date(2026, 5, 1), 2, conclusion="low_probability")
    client = signed_in_client(make_user("aud", "Auditor"))
    response = client.get("/cases/breach-log/2026.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["date_of_discovery"] for r in rows] == ["2026-03-01"]
    assert rows[0]["individuals_affected"] == "4" and rows[0]["date_of_breach"] == "2025-11-01"
    assert tuple(rows[0]) == breach.LOG_COLUMNS


def test_reminders_go_once_to_people_who_want_them(officer, make_user, smtp):
    a = concluded(officer, "r", date(2026, 1, 1), 3)  # individuals due 2026-03-02
    quiet = make_user("po2", "Privacy Officer")
    NotificationPreference.objects.create(user=quiet, deadlines=False)
    make_user("aud", "Auditor")  # does not work cases
    assert breach.send_reminders(date(2026, 2, 20)) == 0  # 10 days before: not a reminder day
    assert breach.send_reminders(date(2026, 2, 23)) == 1  # 7 days before
    ((to, body),) = smtp.messages
    assert to == ["po@example.org"] and "due in 7 day(s)" in body and a.case.number in body
    assert breach.send_reminders(date(2026, 2, 23)) == 0  # once
    assert breach.send_reminders(date(2026, 3, 4)) == 1  # overdue by 2 days
    assert "overdue by 2 day(s)" in smtp.messages[-1][1]
    a.individuals_notified_on = date(2026, 3, 4)
    a.save()
    assert breach.send_reminders(date(2026, 3, 5)) == 0


def test_reminders_without_smtp_send_nothing(officer, settings):
    settings.EMAIL_HOST = ""
    concluded(officer, "r", date(2026, 1, 1), 3)
    assert breach.send_reminders(date(2026, 2, 23)) == 0
