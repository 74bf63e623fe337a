"""What every detector is: metadata a privacy officer reads, one SQL query that both engines
run, and how its evidence becomes a strength (0-1) and a sentence.

A query reads the views `access` (one row per access event in the analysed period and its
history: event_id, t and local_t in epoch seconds, user_id, patient_id, action, break_glass,
is_export, department_key, duty, explained: 0 when nothing explains it, else the rank of the
best explanation, direct ones 1-3), `staff`, `patients` and `identity`, and returns the hit
columns below. It uses only SQL that DuckDB and Spark SQL both accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

HIT_COLUMNS = (
    "user_id",
    "patient_id",  # '' for behaviour of the user as a whole
    "first_t",
    "last_t",
    "events",
    "metric",  # the measured quantity (count, score, share)
    "baseline",  # what it is compared with (threshold, usual level)
    "detail",  # text evidence (matched fields, labels)
)
DAY = 86400
DIRECT = 3  # explanations ranked 1-3 name the user on the patient's care
WEAK = 6  # explained only by a weak routine of the user's role (explain.py)
# For a flagged record (VIP, sensitive, a colleague's, a neighbour's, the deceased's), a weak
# routine does not clear the access: it only lowers the alert's strength, so that what
# nothing explains ranks first. `baseline` is then 1 when every access was weakly explained.
LOOSE = f"a.explained IN (0, {WEAK})"
ONLY_WEAK = "CAST(min(CASE WHEN a.explained = 0 THEN 0 ELSE 1 END) AS DOUBLE)"
WEAK_FACTOR = 0.35
EPOCH_DAY = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Params:
    since_t: int  # alerts are raised for events from here on; earlier ones are history
    options: dict[str, float]
    labels: dict[str, tuple[str, ...]]

    def __getitem__(self, name: str) -> float:
        return self.options[name]


@dataclass(frozen=True)
class Hit:
    detector: str
    user_id: str
    patient_id: str
    first_t: int
    last_t: int
    events: int
    metric: float
    baseline: float
    detail: str
    # A user-level hit's evidence as records: the patients of the accesses `covers` selects
    # between first_t and last_t (run.covered_patients), so that the alert names them.
    patients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Detector:
    id: str
    title: str
    category: str  # the misuse category it looks for (the ground-truth vocabulary)
    severity: str  # low, medium, high, critical: how bad a true positive is
    level: str  # "patient" (one user, one patient) or "user" (the user's behaviour)
    description: str
    false_positives: str  # known legitimate causes, for the reviewer
    query: Callable[[Params], str]
    strength: Callable[[Hit], float]
    reason: Callable[[Hit], str]
    peer_relative: bool = False  # scored against how usual the hit is in the user's role
    # For a user-level detector: which of the user's accesses between a hit's first and last
    # event are its evidence (an SQL condition on the `access` row `a`). Their patients are
    # the records the alert names: a reviewer opens them, and a truth row naming one of them
    # is found by the alert.
    covers: str = ""
    # A lane of its own: hits a privacy office reviews in full, which the budget never cuts
    # and a role's routine never drops.
    lane: str = ""

    @property
    def folds(self) -> bool:
        """A hit on one record scored against the user's role (a flagged record opened, a
        colleague's, a neighbour's): when the same user has a behaviour alert, the hit is
        said there instead of raising an alert of its own."""
        return self.peer_relative and self.level == "patient"


def epoch_seconds(day: date) -> int:
    """Midnight UTC of `day`, in seconds since 1970: the unit every query compares."""
    return (day.toordinal() - EPOCH_DAY) * DAY


def local_day(column: str = "local_t") -> str:
    return f"CAST(floor({column} / {DAY}) AS BIGINT)"


def patient_level_sql(
    join: str, where: str, metric: str, detail: str, since: int, baseline: str = "0"
) -> str:
    """The common shape of a per-(user, patient) detector: accesses joined to some fact
    about the patient, grouped per pair."""
    return f"""
SELECT a.user_id, a.patient_id, min(a.t) AS first_t, max(a.t) AS last_t,
       count(*) AS events, CAST(max({metric}) AS DOUBLE) AS metric,
       CAST({baseline} AS DOUBLE) AS baseline, max({detail}) AS detail
FROM access a {join}
WHERE a.t >= {since} AND a.patient_id <> '' AND ({where})
GROUP BY a.user_id, a.patient_id
"""


def by_events(hit: Hit) -> float:
    """More accesses, stronger evidence: 0.6 for one, 1 from five."""
    return min(1.0, 0.5 + 0.1 * hit.events)


def loosely(strength: Callable[[Hit], float]) -> Callable[[Hit], float]:
    """A flagged-record detector's strength, lowered when only a weak routine explains."""
    return lambda hit: strength(hit) * (WEAK_FACTOR if hit.baseline >= 1 else 1.0)


def unexplained(hit: Hit) -> str:
    """What does not explain a flagged-record access, in words."""
    if hit.baseline >= 1:
        return (
            "no encounter, care team, appointment or department links the user to this "
            "patient; only what the user's role often does, for most patients, explains it"
        )
    return (
        "no encounter, care team, appointment or department links the user to this patient, "
        "and it is not what the user's role routinely does"
    )


def past_threshold(hit: Hit) -> float:
    """0.5 at the threshold, 1 at twice it."""
    if hit.baseline <= 0:
        return 1.0
    return max(0.0, min(1.0, 0.5 * hit.metric / hit.baseline))


def plural(count: float, word: str) -> str:
    number = int(count)
    return f"{number} {word}{'' if number == 1 else 's'}"


def quoted(values: Any) -> str:
    items = list(values) or ["\x00"]
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in items)
