"""Test and training records: the charts EHR analysts, application trainers and clinical
educators open again and again to build, test and teach. Nobody's privacy is in them, and
left in they make every trainer a repeated look-up. They are recognised from the site's own
data, never from a name (a site's test patient may be called anything):

- opened in the period by at least `MIN_USERS` workforce users,
- on at least `MIN_DAYS` days, and on at least a quarter of the period's days (a training
  chart is used all month; a patient in the news draws a crowd for a few days),
- with at most `MAX_EPISODES` encounter, care-team period or appointment in the whole
  context (never, or hardly ever, treated),
- mostly (two thirds) by users whom no episode names anywhere (the analysts, trainers and
  educators, not the clinicians who treat),
- and carrying no flag (VIP, restricted, sensitive, deceased, a colleague's record): a
  flagged record is never taken for a test chart.

A reviewer marks a record as a test record (it is always left out) or as real (it never is),
in the audit trail (`hygeia privacy test-records`). Accesses to test records are left out of
the explanations, the detectors and the budget, and counted in the run's summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hygeia.privacy.detection.detectors.base import local_day
from hygeia.privacy.detection.engines import Engine
from hygeia.privacy.detection.episode_kinds import NOT_VISITS_SQL

MIN_USERS = 5
MIN_DAYS = 5
DAY_SHARE = 0.25
MAX_EPISODES = 1
UNNAMED_SHARE = 2 / 3
SCHEMA = pa.schema(
    [
        ("patient_id", pa.string()),
        ("users", pa.int64()),
        ("days", pa.int64()),
        ("episodes", pa.int64()),
        ("accesses", pa.int64()),
        ("decision", pa.string()),  # '' recognised from the data, 'test' marked by a reviewer
    ]
)


def candidates_sql(events_sql: str, period_days: int) -> str:
    """Patients that look like test or training records, with the figures that say so."""
    min_days = max(MIN_DAYS, int(period_days * DAY_SHARE + 0.999))
    return f"""
WITH ev AS ({events_sql}),
named AS (SELECT DISTINCT who AS user_id FROM links WHERE kind = 'user'),
per AS (
    SELECT ev.patient_id, count(*) AS accesses, count(DISTINCT ev.user_id) AS users,
           count(DISTINCT {local_day("ev.local_t")}) AS days,
           count(DISTINCT CASE WHEN n.user_id IS NULL THEN ev.user_id END) AS unnamed
    FROM ev LEFT JOIN named n ON n.user_id = ev.user_id
    WHERE ev.in_period = 1 AND ev.patient_id <> '' AND ev.user_id <> ''
    GROUP BY ev.patient_id
), treated AS (
    SELECT patient_id, count(*) AS episodes FROM episodes WHERE kind NOT IN ({NOT_VISITS_SQL})
    GROUP BY patient_id
)
SELECT per.patient_id, per.users, per.days, coalesce(t.episodes, 0) AS episodes,
       per.accesses
FROM per
JOIN patients p ON p.patient_id = per.patient_id
LEFT JOIN treated t ON t.patient_id = per.patient_id
WHERE per.users >= {MIN_USERS} AND per.days >= {min_days}
  AND coalesce(t.episodes, 0) <= {MAX_EPISODES}
  AND per.unnamed >= {UNNAMED_SHARE} * per.users
  AND NOT (p.vip OR p.restricted OR p.sensitive OR p.deceased OR p.employee)
"""


def learn(
    engine: Engine,
    events_sql: str,
    period_days: int,
    decisions: dict[str, str],
    path: Path,
) -> dict[str, int]:
    """Find the period's test records, apply the reviewers' decisions (patient -> 'test' or
    'real'), write them to `path` and register `practice_records`; returns the counts."""
    found: dict[str, dict[str, Any]] = {
        row["patient_id"]: {**row, "decision": ""}
        for row in engine.query(candidates_sql(events_sql, period_days)).to_pylist()
        if decisions.get(row["patient_id"]) != "real"
    }
    for patient, decision in decisions.items():
        if decision == "test":
            found.setdefault(
                patient,
                {
                    "patient_id": patient,
                    "users": 0,
                    "days": 0,
                    "episodes": 0,
                    "accesses": 0,
                },
            )["decision"] = "test"
    pq.write_table(
        pa.Table.from_pylist(list(found.values()), schema=SCHEMA), path, compression="zstd"
    )
    engine.parquet("practice_records", [path])
    return {
        "records": len(found),
        "recognised": sum(1 for r in found.values() if not r["decision"]),
        "accesses": sum(int(r["accesses"]) for r in found.values()),
    }


def without_them(events_sql: str) -> str:
    """`events_sql` without the accesses to test and training records."""
    return (
        f"SELECT * FROM ({events_sql}) r WHERE r.patient_id NOT IN "
        "(SELECT patient_id FROM practice_records)"
    )
