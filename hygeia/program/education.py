"""Workforce education: training completions from a learning system (CSV) and phishing
simulation results from GoPhish (its REST API with an API key, or its CSV exports); rates by
department and over time, repeat clickers, and training assigned to people who clicked.

A recipient's department comes from the staff roster when their e-mail or login is in it,
else from GoPhish's `position` field (often used for it), else "unknown".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hygeia.privacy.accesses import staff_departments
from hygeia.program.models import PhishingCampaign, PhishingResult, TrainingRecord
from hygeia.streams import TextFileError, csv_rows, keep

EVENTS = {  # GoPhish timeline messages -> what they tell about the recipient
    "email sent": "sent",
    "email opened": "opened",
    "clicked link": "clicked",
    "submitted data": "submitted",
    "email reported": "reported",
}
STATUS_IMPLIES = {  # a result's final status implies the earlier steps
    "email sent": {"sent"},
    "email opened": {"sent", "opened"},
    "clicked link": {"sent", "opened", "clicked"},
    "submitted data": {"sent", "opened", "clicked", "submitted"},
}
REMEDIAL_COURSE = "Recognizing phishing (assigned after a simulated phishing click)"


class EducationError(ValueError):
    """An import that cannot be done; the message names the file or the server."""


@dataclass
class Recipient:
    email: str
    department: str = ""
    steps: set[str] = field(default_factory=set)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def _read_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header (normalised), then the rows as (line, {column: value}), read one at a
    time. Errors (not UTF-8, a line too long, a quote left open) name the file and line."""
    rows = csv_rows(path)
    try:
        first = next(rows, None)
    except TextFileError as exc:
        raise EducationError(str(exc)) from exc
    header = [_norm(h) for h in first[1]] if first else []

    def records() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for line, row in rows:
                if row:
                    yield line, dict(zip(header, row, strict=False))
        except TextFileError as exc:
            raise EducationError(str(exc)) from exc

    return header, records()


def _date(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%d-%b-%Y"):
        try:
            return datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date")


# --- training --------------------------------------------------------------------------------

TRAINING_COLUMNS = {
    "person": ("email", "user_email", "login", "user_id", "username", "employee_email"),
    "name": ("name", "full_name", "learner", "employee_name"),
    "department": ("department", "dept", "unit", "cost_center"),
    "course": ("course", "course_name", "course_title", "module", "training"),
    "assigned_on": ("assigned", "assigned_on", "assigned_date", "enrolled"),
    "due_on": ("due", "due_on", "due_date"),
    "completed_on": ("completed", "completed_on", "completion_date", "completed_date"),
}


def import_training(path: Path) -> dict[str, Any]:
    """read = stored + unchanged + rejected (the first rejected rows are listed, with their
    line; `rejected_omitted` counts the rest); re-importing the same export changes nothing."""
    header, rows = _read_csv(path)
    columns = {
        target: next((h for h in names if h in header), None)
        for target, names in TRAINING_COLUMNS.items()
    }
    if not columns["person"] or not columns["course"]:
        raise EducationError(
            f"{path.name}: needs a person column (email/login) and a course column"
        )
    counts: dict[str, Any] = {
        "file": path.name,
        "read": 0,
        "stored": 0,
        "unchanged": 0,
        "rejected": [],
        "rejected_omitted": 0,
    }
    with transaction.atomic():
        for line, row in rows:
            counts["read"] += 1
            values = {k: (row.get(c or "", "") or "").strip() for k, c in columns.items()}
            try:
                person, course = values["person"].lower(), values["course"]
                if not person or not course:
                    raise ValueError("no person or course")
                dates = {k: _date(values[k]) for k in ("assigned_on", "due_on", "completed_on")}
            except ValueError as exc:
                problem = {"line": line, "error": str(exc)}
                counts["rejected_omitted"] += keep(counts["rejected"], problem)
                continue
            _, created = TrainingRecord.objects.update_or_create(
                person=person[:254],
                course=course[:200],
                due_on=dates["due_on"],
                defaults={
                    "name": values["name"][:200],
                    "department": values["department"][:200],
                    "assigned_on": dates["assigned_on"],
                    "completed_on": dates["completed_on"],
                    "source": path.name[:300],
                },
            )
            counts["stored" if created else "unchanged"] += 1
    return counts


def completion(today: date) -> dict[str, Any]:
    """Share of training records due by today that are completed, overall and by department."""
    due = TrainingRecord.objects.filter(due_on__lte=today)
    by_department: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for department, completed in due.values_list("department", "completed_on"):
        cell = by_department[department or "unknown"]
        cell[0] += 1
        cell[1] += completed is not None
    total = sum(c[0] for c in by_department.values())
    done = sum(c[1] for c in by_department.values())
    return {
        "due": total,
        "completed": done,
        "rate": done / total if total else None,
        "by_department": {d: c[1] / c[0] for d, c in sorted(by_department.items())},
    }


# --- phishing --------------------------------------------------------------------------------


def _store_campaign(
    source: str,
    external_id: str,
    name: str,
    launched: datetime | None,
    recipients: Iterable[Recipient],
) -> dict[str, Any]:
    roster = staff_departments()
    with transaction.atomic():
        campaign, created = PhishingCampaign.objects.update_or_create(
            source=source,
            external_id=external_id[:60],
            defaults={"name": name[:200] or f"campaign {external_id}", "launched_at": launched},
        )
        stored = 0
        for recipient in recipients:
            email = recipient.email.strip().lower()
            if not email:
                continue
            department = (
                roster.get(email) or roster.get(email.split("@")[0]) or recipient.department
            )
            PhishingResult.objects.update_or_create(
                campaign=campaign,
                email=email[:254],
                defaults={
                    "department": (department or "unknown")[:200],
                    **{
                        step: step in recipient.steps
                        for step in ("sent", "opened", "clicked", "submitted", "reported")
                    },
                },
            )
            stored += 1
    return {"campaign": campaign.name, "new": created, "recipients": stored}


def _recipients(
    results: Iterable[dict[str, Any]], timeline: Iterable[dict[str, Any]]
) -> list[Recipient]:
    people: dict[str, Recipient] = {}
    for result in results:
        email = str(result.get("email", "")).strip().lower()
        if not email:
            continue
        person = people.setdefault(email, Recipient(email))
        person.department = str(result.get("position", "") or "")
        status = str(result.get("status", "")).strip().lower()
        person.steps |= STATUS_IMPLIES.get(status, set())
        if status == "email reported" or str(result.get("reported", "")).lower() in ("true", "1"):
            person.steps |= {"sent", "reported"}
    for event in timeline:
        email = str(event.get("email", "")).strip().lower()
        step = EVENTS.get(str(event.get("message", "")).strip().lower())
        if email and step:
            people.setdefault(email, Recipient(email)).steps.add(step)
            if step != "sent":
                people[email].steps.add("sent")
    return list(people.values())


def _when(value: Any) -> datetime | None:
    parsed = parse_datetime(str(value or ""))
    if parsed is None or parsed.year < 2000:  # GoPhish writes 0001-01-01 for "never"
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def import_gophish_api(url: str, api_key: str, timeout: float = 30) -> list[dict[str, Any]]:
    """Every campaign the API key can see, with its results and timeline."""
    base = url.rstrip("/")
    try:
        response = requests.get(
            f"{base}/api/campaigns/", headers={"Authorization": api_key}, timeout=timeout
        )
    except requests.RequestException as exc:
        raise EducationError(f"GoPhish at {base}: not reachable ({type(exc).__name__})") from exc
    if response.status_code in (401, 403):
        raise EducationError(f"GoPhish at {base}: the API key was refused")
    if response.status_code != 200:
        raise EducationError(f"GoPhish at {base}: HTTP {response.status_code}")
    try:
        campaigns = response.json()
    except ValueError as exc:
        raise EducationError(f"GoPhish at {base}: the answer is not JSON") from exc
    if not isinstance(campaigns, list):
        raise EducationError(f"GoPhish at {base}: expected a list of campaigns")
    return [
        _store_campaign(
            "gophish-api",
            str(c.get("id", "")),
            str(c.get("name", "")),
            _when(c.get("launch_date")) or _when(c.get("created_date")),
            _recipients(c.get("results") or [], c.get("timeline") or []),
        )
        for c in campaigns
        if isinstance(c, dict) and c.get("id") is not None
    ]


def import_gophish_csv(path: Path, campaign: str = "") -> dict[str, Any]:
    """A GoPhish CSV export: the results (email, status, position…) or the raw events
    (email, time, message…). The campaign is named by `campaign` or the file's name."""
    header, rows = _read_csv(path)
    name = campaign or path.stem
    if "email" not in header:
        raise EducationError(f"{path.name}: no email column: not a GoPhish export")
    earliest: list[datetime] = []

    def watch(column: str) -> Iterator[dict[str, str]]:
        """The rows, noting the earliest time in `column` on the way."""
        for _, row in rows:
            when = _when(row.get(column))
            if when and (not earliest or when < earliest[0]):
                earliest[:] = [when]
            yield row

    if "message" in header:
        recipients = _recipients([], watch("time"))
    elif "status" in header:
        recipients = _recipients(watch("send_date"), [])
    else:
        raise EducationError(
            f"{path.name}: neither a results export (status) nor raw events (message)"
        )
    launched = earliest[0] if earliest else None
    return _store_campaign("gophish-csv", name, name, launched, recipients)


@dataclass
class Rates:
    recipients: int
    clicked: int
    submitted: int
    reported: int

    @property
    def click_rate(self) -> float | None:
        return self.clicked / self.recipients if self.recipients else None

    @property
    def submit_rate(self) -> float | None:
        return self.submitted / self.recipients if self.recipients else None

    @property
    def report_rate(self) -> float | None:
        return self.reported / self.recipients if self.recipients else None


def _rates(results: Iterable[PhishingResult]) -> Rates:
    rows = [r for r in results if r.sent]
    return Rates(
        len(rows),
        sum(r.clicked for r in rows),
        sum(r.submitted for r in rows),
        sum(r.reported for r in rows),
    )


def rates_by_department(campaign: PhishingCampaign | None = None) -> dict[str, Rates]:
    results = PhishingResult.objects.all() if campaign is None else campaign.results.all()
    grouped: dict[str, list[PhishingResult]] = defaultdict(list)
    for result in results:
        grouped[result.department or "unknown"].append(result)
    return {department: _rates(rows) for department, rows in sorted(grouped.items())}


def rates_over_time() -> list[tuple[PhishingCampaign, Rates]]:
    campaigns = PhishingCampaign.objects.order_by("launched_at", "id").prefetch_related("results")
    return [(c, _rates(c.results.all())) for c in campaigns]


def repeat_clickers(minimum: int = 2) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    for email in PhishingResult.objects.filter(clicked=True).values_list("email", flat=True):
        counts[email] += 1
    return sorted(((e, n) for e, n in counts.items() if n >= minimum), key=lambda p: (-p[1], p[0]))


def assign_training(today: date, days: int = 30) -> int:
    """A short phishing course for everyone who clicked in a campaign and has not had it
    assigned since; returns how many were assigned."""
    assigned = 0
    already = set(
        TrainingRecord.objects.filter(course=REMEDIAL_COURSE).values_list("person", flat=True)
    )
    for email, department in (
        PhishingResult.objects.filter(clicked=True).values_list("email", "department").distinct()
    ):
        if email in already:
            continue
        TrainingRecord.objects.create(
            person=email,
            department=department,
            course=REMEDIAL_COURSE,
            assigned_on=today,
            due_on=today + timedelta(days=days),
            source="assigned after a phishing click",
        )
        already.add(email)
        assigned += 1
    return assigned
