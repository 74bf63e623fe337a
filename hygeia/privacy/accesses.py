"""Individual accesses read back from the event store, each with its explanation: the
timeline of an incident (one user's accesses around the alerts) and the patient access
report (every access to one patient's record in a period).

Uses the context flattened by the last detection run (`analysis/`), so that the
explanations shown are the ones the detectors saw; before any run there is nothing to
explain with, and the caller says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hygeia.lake.store import Lake
from hygeia.privacy.detection import explain
from hygeia.privacy.detection.config import load
from hygeia.privacy.detection.engines import DuckDBEngine
from hygeia.privacy.detection.prepare import TABLES, analysis_folder
from hygeia.privacy.detection.run import _day_of, epoch_seconds
from hygeia.privacy.events import EVENTS

MEMORY_LIMIT = "1GB"  # a web request shares the machine with everything else
ROW_LIMIT = 20_000


class NotPrepared(RuntimeError):
    """No detection has run yet, so accesses cannot be explained."""


@dataclass(frozen=True)
class Access:
    at: datetime
    local: datetime  # wall-clock time where the event was recorded
    user_id: str
    patient_id: str
    department: str
    user_name: str
    job_title: str
    action: str
    resource_type: str
    source_system: str
    workstation: str
    break_glass: bool
    explanation: str  # empty when unexplained

    @property
    def explained(self) -> bool:
        return bool(self.explanation)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def require_prepared(store: Lake) -> Path:
    """The analysis folder of the last detection run, or NotPrepared."""
    folder = analysis_folder(store)
    if not all((folder / f"{name}.parquet").exists() for name in TABLES):
        raise NotPrepared("no detection run has prepared the context yet")
    return folder


def lookup(
    store: Lake,
    since: date,
    until: date,
    user_id: str = "",
    patient_id: str = "",
    limit: int = ROW_LIMIT,
) -> tuple[list[Access], bool]:
    """Accesses of UTC days [since, until], oldest first, by one user and/or to one patient;
    and whether more than `limit` were found (the list is then cut)."""
    if not user_id and not patient_id:
        raise ValueError("name a user or a patient")
    folder = require_prepared(store)
    last = until + timedelta(days=1)
    files = [f for f in store.files(EVENTS) if since.isoformat() <= _day_of(f) < last.isoformat()]
    if not files:
        return [], False
    config = load(None)
    engine = DuckDBEngine(store, memory_limit=MEMORY_LIMIT)
    try:
        for name in TABLES:
            engine.parquet(name, [folder / f"{name}.parquet"])
        engine.parquet("events", files, base=store.root / EVENTS.path)
        wanted = []
        if user_id:
            wanted.append(f"user_id = {_literal(user_id.lower())}")
        if patient_id:
            wanted.append(f"patient_id = {_literal(patient_id)}")
        inner = explain.events_sql(
            engine, epoch_seconds(since), (since.isoformat(), last.isoformat()), detail=True
        )
        engine.view("ev", f"SELECT * FROM ({inner}) x WHERE {' AND '.join(wanted)}")
        rows = engine.query(
            f"SELECT a.*, coalesce(s.department, '') AS department, "
            f"coalesce(s.name, '') AS user_name, coalesce(s.job_title, '') AS job_title "
            f"FROM ({explain.access_sql(config, detail=True)}) a "
            f"LEFT JOIN staff s ON s.user_id = a.user_id "
            f"ORDER BY a.t, a.event_id LIMIT {int(limit) + 1}"
        ).to_pylist()
    finally:
        engine.close()
    reasons = explain.reasons(config)
    titles = explain.titles(config)
    found = [
        Access(
            at=datetime.fromtimestamp(r["t"], UTC),
            local=datetime.fromtimestamp(r["local_t"], UTC).replace(tzinfo=None),
            user_id=r["user_id"],
            patient_id=r["patient_id"],
            department=r["department"],
            user_name=r["user_name"],
            job_title=r["job_title"],
            action=r["action"] or "",
            resource_type=r["resource_type"] or "",
            source_system=r["source_system"] or "",
            workstation=r["workstation"] or r["network_address"] or "",
            break_glass=bool(r["break_glass"]),
            explanation=(
                titles.get(reasons[r["explained"] - 1], reasons[r["explained"] - 1])
                if r["explained"]
                else ""
            ),
        )
        for r in rows[:limit]
    ]
    return found, len(rows) > limit


def daily_volume(store: Lake, user_id: str, since: date, until: date) -> dict[str, object]:
    """The user's accesses per day against the median and 90th percentile of the users of
    the same department: the chart on an incident."""
    folder = analysis_folder(store)
    if not (folder / "staff.parquet").exists():
        raise NotPrepared("no detection run has prepared the context yet")
    last = until + timedelta(days=1)
    files = [f for f in store.files(EVENTS) if since.isoformat() <= _day_of(f) < last.isoformat()]
    if not files:
        return {"days": [], "user": [], "median": [], "p90": [], "department": ""}
    engine = DuckDBEngine(store, memory_limit=MEMORY_LIMIT)
    try:
        engine.parquet("staff", [folder / "staff.parquet"])
        engine.parquet("practitioners", [folder / "practitioners.parquet"])
        engine.parquet("events", files, base=store.root / EVENTS.path)
        me = _literal(user_id.lower())
        rows = engine.query(
            f"""
WITH ev AS (
    SELECT coalesce(nullif(lower(trim(e.user_login)), ''), p.user_id, '') AS user_id, e.day
    FROM events e LEFT JOIN practitioners p ON p.ref = e.user_practitioner
), per AS (
    SELECT ev.user_id, ev.day, count(*) AS n FROM ev GROUP BY ev.user_id, ev.day
), mine AS (SELECT department FROM staff WHERE user_id = {me} LIMIT 1)
SELECT per.day,
       max(CASE WHEN per.user_id = {me} THEN per.n END) AS user_n,
       quantile_cont(per.n, 0.5) FILTER (WHERE per.user_id <> {me}) AS median_n,
       quantile_cont(per.n, 0.9) FILTER (WHERE per.user_id <> {me}) AS p90_n,
       (SELECT department FROM mine) AS department
FROM per JOIN staff s ON s.user_id = per.user_id
WHERE s.department = (SELECT department FROM mine) OR per.user_id = {me}
GROUP BY per.day ORDER BY per.day"""
        ).to_pylist()
    finally:
        engine.close()
    return {
        "days": [r["day"].isoformat() for r in rows],
        "user": [int(r["user_n"] or 0) for r in rows],
        "median": [float(r["median_n"] or 0) for r in rows],
        "p90": [float(r["p90_n"] or 0) for r in rows],
        "department": rows[0]["department"] if rows else "",
    }


def staff_departments() -> dict[str, str]:
    """Login -> department, from the latest staff roster in the store (other modules use it
    to put people in departments: proxy-log users, phishing recipients)."""
    import pyarrow.parquet as pq

    from hygeia.privacy.ingest import lake

    staff = lake().root / "analysis" / "staff.parquet"
    try:
        stat = staff.stat()
    except FileNotFoundError:
        return {}
    # read once per version of the roster: the PHI guard asks on every scan
    key = (str(staff), stat.st_mtime_ns, stat.st_size)
    if _ROSTER.get("key") != key:
        table = pq.read_table(staff, columns=["user_id", "department"])
        _ROSTER["key"] = key
        _ROSTER["departments"] = dict(
            zip(table["user_id"].to_pylist(), table["department"].to_pylist(), strict=True)
        )
    return dict(_ROSTER["departments"])


_ROSTER: dict[str, Any] = {}
