"""The alert queue's filters, orders and counts, shared by the web page and the JSON API.

Every order ends in the alert id so that pages never overlap, and each is served by an index
on the alert table (see the model), which keeps a page of a million alerts fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.models import Alert, AlertDetector, AlertTally

SEVERITIES = ("critical", "high", "medium", "low")
OPEN = (Alert.Status.NEW, Alert.Status.IN_REVIEW)
ORDERS: dict[str, tuple[str, ...]] = {
    "score": ("-score", "id"),
    "newest": ("-first_event", "id"),
    "oldest": ("first_event", "id"),
    "user": ("user_id", "-score", "id"),
    "department": ("department", "-score", "id"),
    "status": ("status", "-score", "id"),
}
ORDER_TITLES = {
    "score": "Highest score",
    "newest": "Newest",
    "oldest": "Oldest",
    "user": "User",
    "department": "Department",
    "status": "Status",
}


@dataclass
class Filters:
    """What the reviewer asked for; anything unrecognised is dropped, not an error, so an
    old bookmark still opens."""

    status: str = "open"  # a status, "open" (new or in review) or "all"
    detector: str = ""
    department: str = ""
    user: str = ""
    severity: str = ""
    min_score: float | None = None
    since: date | None = None
    until: date | None = None
    order: str = "score"
    problems: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> Filters:
        found = cls()
        status = str(params.get("status") or "open")
        found.status = status if status in ("open", "all", *Alert.Status.values) else "open"
        detector = str(params.get("detector") or "")
        found.detector = detector if detector in DETECTORS else ""
        found.department = str(params.get("department") or "").strip()[:200]
        found.user = str(params.get("user") or "").strip().lower()[:150]
        severity = str(params.get("severity") or "")
        found.severity = severity if severity in SEVERITIES else ""
        order = str(params.get("order") or "score")
        found.order = order if order in ORDERS else "score"
        raw_score = str(params.get("min_score") or "").strip()
        if raw_score:
            try:
                found.min_score = max(0.0, min(100.0, float(raw_score)))
            except ValueError:
                found.problems.append(f"minimum score {raw_score!r} is not a number")
        for name in ("since", "until"):
            raw = str(params.get(name) or "").strip()
            if raw:
                try:
                    setattr(found, name, date.fromisoformat(raw))
                except ValueError:
                    found.problems.append(f"{name} {raw!r} is not a date (YYYY-MM-DD)")
        return found

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for links that keep them)."""
        values = {
            "status": self.status,
            "detector": self.detector,
            "department": self.department,
            "user": self.user,
            "severity": self.severity,
            "min_score": "" if self.min_score is None else f"{self.min_score:g}",
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "order": self.order,
        }
        return {k: v for k, v in values.items() if v and (k, v) not in DEFAULTS}


DEFAULTS = {("status", "open"), ("order", "score")}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def alerts(filters: Filters) -> QuerySet[Alert]:
    found = Alert.objects.all()
    if filters.status == "open":
        found = found.filter(status__in=OPEN)
    elif filters.status != "all":
        found = found.filter(status=filters.status)
    if filters.detector:
        found = found.filter(
            id__in=AlertDetector.objects.filter(detector=filters.detector).values("alert_id")
        )
    if filters.department:
        found = found.filter(department=filters.department)
    if filters.user:
        found = found.filter(user_id=filters.user)
    if filters.severity:
        found = found.filter(severity=filters.severity)
    if filters.min_score is not None:
        found = found.filter(score__gte=filters.min_score)
    if filters.since:
        found = found.filter(first_event__gte=_start_of(filters.since))
    if filters.until:  # inclusive day
        found = found.filter(first_event__lt=_start_of(filters.until + timedelta(days=1)))
    return found.order_by(*ORDERS[filters.order])


RESTRICTED_LANE = "restricted_record"


def counts() -> dict[str, Any]:
    """Alerts by status, and open alerts by severity: the numbers above the queue, read from
    the trigger-kept tally."""
    by_status = {s: 0 for s in Alert.Status.values}
    open_by_severity = {s: 0 for s in SEVERITIES}
    for status, severity, n in AlertTally.objects.values_list("status", "severity", "n"):
        by_status[status] = by_status.get(status, 0) + n
        if status in OPEN:
            open_by_severity[severity] = open_by_severity.get(severity, 0) + n
    lane = AlertDetector.objects.filter(detector=RESTRICTED_LANE).values("alert_id")
    return {
        "by_status": by_status,
        "open": sum(by_status[s] for s in OPEN),
        "open_by_severity": open_by_severity,
        "total": sum(by_status.values()),
        # reviewed in full (the budget never cuts it), so it has its own count
        "restricted_open": Alert.objects.filter(status__in=OPEN, id__in=lane).count(),
    }


COUNT_CAP = 10_000  # beyond this a filtered total is "more than", not counted row by row


def matching(filters: Filters, found: QuerySet[Alert]) -> tuple[int, bool]:
    """How many alerts the filters match, and whether that is a floor (capped). Status and
    severity alone are answered exactly from the tally; other filters count at most
    COUNT_CAP rows, so that no page waits for a count of a million."""
    if not (
        filters.detector
        or filters.department
        or filters.user
        or filters.since
        or filters.until
        or filters.min_score is not None
    ):
        statuses = (
            OPEN
            if filters.status == "open"
            else Alert.Status.values
            if filters.status == "all"
            else (filters.status,)
        )
        tally = AlertTally.objects.filter(status__in=statuses)
        if filters.severity:
            tally = tally.filter(severity=filters.severity)
        return int(sum(tally.values_list("n", flat=True))), False
    n = found.order_by()[: COUNT_CAP + 1].count()
    return (COUNT_CAP, True) if n > COUNT_CAP else (n, False)


class CountedPaginator(Paginator):
    """A paginator told its count instead of asking the database for it."""

    def __init__(self, object_list: Any, per_page: int, known_count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = known_count

    @cached_property
    def count(self) -> int:
        return self.known_count
