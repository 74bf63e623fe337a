"""Who the insider-threat population is. An EHR's audit feed also carries accounts that are
not the workforce: patients and their proxies reading through a portal, interface engines,
reporting and other service accounts. Counted as staff, a parent reading a child's record
looks like a clerk browsing, and thousands of them grow the alert budget with them. They are
recognised from the data alone, with no vocabulary:

- on the roster: the workforce, whatever it does;
- not on the roster, most of its accesses through an audit source the roster hardly uses
  (under `OTHER_SOURCE_SHARE` of that source's accesses are the roster's, and under that
  share of the roster's accesses go through it): an account of another system (a patient
  portal, a partner's system);
- not on the roster, and only ever one family's records (at most `FAMILY` patients): a
  patient or proxy account;
- not on the roster, and active in at least `MACHINE_HOURS` of one day's 24 hours, or opening
  more records in one day than `MACHINE_MULTIPLE` times the busiest day of anyone on the
  roster: a service account or an interface (a nightly report reads hundreds of records in
  minutes), which no person's shift or pace covers;
- otherwise an account that works like the workforce but is missing from the roster: it stays
  in the population, and is itself a finding (the `unrostered_account` detector).

Without a roster nothing is classified: everyone is the workforce. Accounts outside the
workforce are kept out of mining, the detectors and the budget, and counted in the run's
summary, kind by kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from hygeia.privacy.detection.detectors.base import local_day
from hygeia.privacy.detection.engines import Engine

OTHER_SOURCE_SHARE = 0.05
FAMILY = 8  # a large family's records: parents and up to six children; an interface
# or a report reads thousands
MACHINE_HOURS = 20
MACHINE_MULTIPLE = 2
WORKFORCE, UNROSTERED = "workforce", "unrostered"
OUTSIDE = {
    "other_system": "accounts of another system (an audit source the roster hardly uses)",
    "single_family": "patient or proxy accounts (one family's records only)",
    "service": "service or interface accounts (around the clock, or faster than any person)",
}
OUTSIDE_SQL = ", ".join(f"'{kind}'" for kind in OUTSIDE)  # the kinds, as an SQL list
SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("kind", pa.string()),
        ("events", pa.int64()),
        ("patients", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Account:
    user_id: str
    kind: str
    events: int
    patients: int


def usage_sql(events_sql: str) -> str:
    """Per user and audit source: accesses in the period, and per user the distinct patients
    and the most hours of one local day it was active in."""
    return f"""
WITH ev AS ({events_sql}),
hours AS (
    SELECT user_id, max(h) AS busiest_day_hours, max(p) AS busiest_day_patients FROM (
        SELECT user_id, {local_day()} AS d,
               count(DISTINCT CAST(floor(local_t / 3600) AS BIGINT)) AS h,
               count(DISTINCT patient_id) AS p
        FROM ev WHERE in_period = 1 AND user_id <> '' GROUP BY user_id, {local_day()}) x
    GROUP BY user_id
), patients AS (
    SELECT user_id, count(DISTINCT patient_id) AS patients FROM ev
    WHERE in_period = 1 AND user_id <> '' AND patient_id <> '' GROUP BY user_id
)
SELECT s.user_id, s.source_system, s.events, coalesce(p.patients, 0) AS patients,
       h.busiest_day_hours, h.busiest_day_patients
FROM (SELECT user_id, coalesce(source_system, '') AS source_system, count(*) AS events
      FROM ev WHERE in_period = 1 AND user_id <> ''
      GROUP BY user_id, coalesce(source_system, '')) s
JOIN hours h ON h.user_id = s.user_id
LEFT JOIN patients p ON p.user_id = s.user_id
"""


def classify(rows: list[dict[str, Any]], roster: set[str]) -> list[Account]:
    """Every account active in the period, with its kind (see the module's docstring)."""
    events: dict[str, dict[str, int]] = defaultdict(dict)
    patients: dict[str, int] = {}
    hours: dict[str, int] = {}
    pace: dict[str, int] = {}
    for row in rows:
        user = str(row["user_id"])
        events[user][str(row["source_system"])] = int(row["events"])
        patients[user] = int(row["patients"])
        hours[user] = int(row["busiest_day_hours"])
        pace[user] = int(row.get("busiest_day_patients") or 0)
    rostered: dict[str, int] = defaultdict(int)
    every: dict[str, int] = defaultdict(int)
    for user, sources in events.items():
        for source, count in sources.items():
            every[source] += count
            if user in roster:
                rostered[source] += count
    # The roster hardly appears in it, and it carries hardly any of the roster's work: an
    # interface's volume does not make the EHR another system, nor does a small
    # department system the roster alone uses.
    roster_total = sum(rostered.values())
    roster_pace = max((pace[u] for u in pace if u in roster), default=0)
    other = {
        s
        for s, n in every.items()
        if rostered[s] < OTHER_SOURCE_SHARE * n and rostered[s] < OTHER_SOURCE_SHARE * roster_total
    }
    accounts = []
    for user, sources in events.items():
        total = sum(sources.values())
        if not roster or user in roster:
            kind = WORKFORCE
        elif sum(n for s, n in sources.items() if s in other) * 2 > total:
            kind = "other_system"
        elif patients[user] <= FAMILY:
            kind = "single_family"
        elif hours[user] >= MACHINE_HOURS or (
            roster_pace and pace[user] > MACHINE_MULTIPLE * roster_pace
        ):
            kind = "service"
        else:
            kind = UNROSTERED
        accounts.append(Account(user, kind, total, patients[user]))
    return accounts


def learn(engine: Engine, events_sql: str, roster: set[str], path: Path) -> dict[str, int]:
    """Classify the period's accounts, write them to `path` and register `accounts` (every
    account) for the detectors; returns how many of each kind."""
    found = classify(engine.query(usage_sql(events_sql)).to_pylist(), roster)
    pq.write_table(
        pa.Table.from_pylist([vars(a) for a in found], schema=SCHEMA), path, compression="zstd"
    )
    engine.parquet("accounts", [path])
    counts: dict[str, int] = defaultdict(int)
    for account in found:
        counts[account.kind] += 1
    return dict(sorted(counts.items()))


def keep_confidential_reads(engine: Engine, events_sql: str) -> None:
    """`outside_access`: what accounts outside the workforce opened of records labelled
    confidential (HL7 R or V). A portal hides those from proxies, so each such access is a
    finding of its own (`proxy_confidential`), while the rest of these accounts' work is left
    out of detection."""
    engine.keep(
        "outside_access",
        f"""SELECT ev.user_id, ev.patient_id, ev.t, x.kind
            FROM ({events_sql}) ev
            JOIN accounts x ON x.user_id = ev.user_id AND x.kind IN ({OUTSIDE_SQL})
            JOIN patients p ON p.patient_id = ev.patient_id AND p.confidential
            WHERE ev.in_period = 1""",
    )


def workforce_only(events_sql: str) -> str:
    """`events_sql` without the accounts that are not the workforce."""
    return (
        f"SELECT * FROM ({events_sql}) w WHERE w.user_id NOT IN "
        f"(SELECT user_id FROM accounts WHERE kind IN ({OUTSIDE_SQL}))"
    )
