"""`hygeia privacy detect`: explain every access in a period, run every detector, score and
group what is left, and store the alerts for review.

Re-running a period replaces its unreviewed alerts and keeps the reviewed ones (their
disposition is what feeds the detectors back)."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction

from hygeia.lake.store import Lake
from hygeia.privacy.detection import accounts, explain, mining, practice_records
from hygeia.privacy.detection.config import Config, load
from hygeia.privacy.detection.detectors import DETECTORS, QUEUE, lane_of
from hygeia.privacy.detection.detectors.base import HIT_COLUMNS, Hit, Params, epoch_seconds
from hygeia.privacy.detection.engines import Engine, open_engine
from hygeia.privacy.detection.feedback import weights_path, with_weights
from hygeia.privacy.detection.prepare import CONTEXT_TABLES, Prepared, analysis_folder, prepare
from hygeia.privacy.detection.template_key import Key
from hygeia.privacy.events import EVENTS
from hygeia.privacy.models import Alert, AlertDetector, DetectionRun, Incident
from hygeia.privacy.record_lists import restricted_records, test_record_decisions
from hygeia.privacy.templates import decisions, remember

log = logging.getLogger(__name__)
SEVERITY_ORDER = ("low", "medium", "high", "critical")
Progress = Callable[[str, int, int], Any]  # (what is being done, step, steps)
Decisions = dict[Key, str]  # template key -> pinned / rejected
CHUNK_DAYS = 31  # days of events explained per step


@dataclass
class Scored:
    """An alert before it is stored."""

    user_id: str
    patient_id: str
    hits: list[Hit] = field(default_factory=list)
    score: float = 0.0
    severity: str = "low"
    reasons: list[str] = field(default_factory=list)
    folded: set[str] = field(default_factory=set)  # flagged records said in this alert

    @property
    def detectors(self) -> list[str]:
        return sorted({h.detector for h in self.hits})

    @property
    def patients(self) -> list[str]:
        """The records a user-level alert names: its evidence's and the flagged ones folded
        into it."""
        return sorted({p for h in self.hits for p in h.patients} | self.folded)

    @property
    def first_t(self) -> int:
        return min(h.first_t for h in self.hits)

    @property
    def last_t(self) -> int:
        return max(h.last_t for h in self.hits)

    @property
    def events(self) -> int:
        return max(h.events for h in self.hits)


@dataclass
class Outcome:
    run: DetectionRun
    alerts: list[Scored]
    hits: list[Hit]


def _day_of(path: Path) -> str:
    """The UTC day (ISO) of an event file, from its `day=` partition folder."""
    return path.parent.name.split("=", 1)[1]


def period(store: Lake, since: date | None, until: date | None) -> tuple[date, date]:
    """The days to raise alerts for: by default every day the store holds."""
    days = sorted({date.fromisoformat(_day_of(p)) for p in store.files(EVENTS)})
    first = since or (days[0] if days else date.today())
    last = until or ((days[-1] + timedelta(days=1)) if days else first + timedelta(days=1))
    if last <= first:
        raise ValueError(f"--until ({last}) must come after --since ({first})")
    return first, last


PEER_PRIOR = 5  # a role group counts as this many more users, none of them with the hit
ROUTINE_SHARE = 1 / 3  # behaviour this share of a role group shows is the role's routine
# (detector, user, weakly explained) -> factor, users of the role with such a hit, of
Peers = dict[tuple[str, str, bool], tuple[float, int, int]]


def _weak(hit: Hit) -> bool:
    return hit.baseline >= 1  # flagged-record detectors: every access weakly explained


def peer_factors(hits: list[Hit], role_of: dict[str, str], active: dict[str, int]) -> Peers:
    """For the detectors of flagged records: how usual the hit is among the user's role
    group. When most of a group's users open such records (billing, release of information
    handle every patient), one more does not say much: its strength is scaled by the share
    of the group (smoothed by `PEER_PRIOR`) that did not. Unexplained and weakly explained
    hits are compared with their own kind: that most billers open a colleague's record in
    the course of billing does not make an unexplained look at one usual."""
    users: dict[tuple[str, str, bool], set[str]] = defaultdict(set)
    for hit in hits:
        if DETECTORS[hit.detector].peer_relative:
            users[(hit.detector, role_of.get(hit.user_id, ""), _weak(hit))].add(hit.user_id)
    factors: Peers = {}
    for (detector, role, weak), members in users.items():
        size = max(active.get(role, 0), len(members))
        factor = max(0.05, 1.0 - len(members) / (size + PEER_PRIOR))
        for user in members:
            factors[(detector, user, weak)] = (factor, len(members), size)
    return factors


def routine(hits: list[Hit], peers: Peers) -> tuple[list[Hit], dict[str, int]]:
    """Behaviour that a large share of the user's role group shows (`ROUTINE_SHARE`, counted
    against the group smoothed by `PEER_PRIOR`) is that role's routine, and is not raised:
    the budget is a ceiling, not a quota, and a site with little misuse gets few alerts.
    Only user-level hits are dropped; a flagged record opened (VIP, sensitive) is a
    record-level hit and is never dropped this way. Returns the hits kept and, per
    detector, how many were dropped."""
    kept: list[Hit] = []
    dropped: Counter[str] = Counter()
    for hit in hits:
        detector = DETECTORS[hit.detector]
        if detector.level == "user" and detector.peer_relative:
            _, members, size = peers.get((hit.detector, hit.user_id, _weak(hit)), (1.0, 0, 0))
            if members >= ROUTINE_SHARE * (size + PEER_PRIOR):
                dropped[hit.detector] += 1
                continue
        kept.append(hit)
    return kept, dict(dropped)


def score(alert: Scored, config: Config, peers: Peers | None = None) -> None:
    remaining = 1.0
    worst = "low"
    peers = peers or {}
    notes = []
    for hit in alert.hits:
        detector = DETECTORS[hit.detector]
        weight = config.option(hit.detector, "weight", 0.5)
        factor, others, size = peers.get((hit.detector, hit.user_id, _weak(hit)), (1.0, 0, 0))
        if factor < 0.8:
            notes.append(
                f"{others} of the {size} active users of the same role had such an alert: "
                "scored lower, as usual for the role"
            )
        strength = max(0.0, min(1.0, detector.strength(hit))) * factor
        remaining *= 1.0 - weight * strength
        if SEVERITY_ORDER.index(detector.severity) > SEVERITY_ORDER.index(worst):
            worst = detector.severity
    alert.score = round(100.0 * (1.0 - remaining), 1)
    high, medium = config.severity.get("high", 80), config.severity.get("medium", 50)
    band = "high" if alert.score >= high else "medium" if alert.score >= medium else "low"
    if worst == "critical" and band == "high":
        band = "critical"
    alert.severity = band
    alert.reasons = [DETECTORS[h.detector].reason(h) for h in alert.hits] + sorted(set(notes))


def group(hits: list[Hit], config: Config, peers: Peers | None = None) -> list[Scored]:
    """Hits on one (user, patient) make one alert; a user's behaviour (browsing, exporting,
    odd hours, account misuse) makes one user-level alert, which then also counts the user's
    flagged-record hits (VIP, sensitive, ...) instead of raising one alert for each."""
    alerts: dict[tuple[str, str], Scored] = {}
    for hit in sorted(hits, key=lambda h: (h.user_id, h.patient_id, h.detector, h.first_t)):
        key = (hit.user_id, hit.patient_id)
        alerts.setdefault(key, Scored(*key)).hits.append(hit)
    folded: dict[str, Counter[str]] = defaultdict(Counter)
    for (user, patient), alert in list(alerts.items()):
        if (
            patient
            and (user, "") in alerts
            and all(DETECTORS[h.detector].folds for h in alert.hits)
        ):
            # Flagged records opened by a browsing, exporting or misused account belong to
            # that behaviour's review: said in its alert, not one alert each.
            folded[user].update(DETECTORS[h.detector].title.lower() for h in alert.hits)
            alerts[(user, "")].folded.add(patient)
            del alerts[(user, patient)]
    for alert in alerts.values():
        score(alert, config, peers)
        if not alert.patient_id and folded.get(alert.user_id):
            counts = folded[alert.user_id]
            alert.reasons.append(
                f"in the same period the user also opened {sum(counts.values())} flagged "
                "record(s) with nothing to explain them: "
                + ", ".join(f"{n} {title}" for title, n in sorted(counts.items()))
            )
    return sorted(alerts.values(), key=lambda a: (-a.score, a.user_id, a.patient_id))


def run_detectors(
    engine: Engine,
    config: Config,
    since_t: int,
    on_detector: Callable[[str], Any] | None = None,
) -> list[Hit]:
    hits: list[Hit] = []
    for detector in DETECTORS.values():
        if on_detector is not None:
            on_detector(detector.title)
        params = Params(since_t, config.detectors.get(detector.id, {}), config.labels)
        table = engine.query(detector.query(params)).select(list(HIT_COLUMNS))
        for row in table.to_pylist():
            hits.append(
                Hit(
                    detector=detector.id,
                    user_id=row["user_id"] or "",
                    patient_id=row["patient_id"] or "",
                    first_t=int(row["first_t"]),
                    last_t=int(row["last_t"]),
                    events=int(row["events"]),
                    metric=round(float(row["metric"] or 0), 6),
                    baseline=round(float(row["baseline"] or 0), 6),
                    detail=row["detail"] or "",
                )
            )
    return hits


def watched(events_sql: str) -> str:
    """The accesses detection looks at: the workforce's, to records that are not test or
    training charts."""
    return practice_records.without_them(accounts.workforce_only(events_sql))


def learn_templates(
    engine: Engine,
    prepared: Prepared,
    config: Config,
    since_t: int,
    decisions: Decisions | None = None,
) -> dict[str, Any]:
    """Mine the site's explanations (mining.py), regroup small role groups by behaviour, and
    register `staff` and `templates` for the explanation join; returns what was learned."""
    staff = pq.read_table(prepared.path("staff"))
    sampled = mining.sample(engine, watched(explain.events_sql(engine, since_t)), config.mining)
    groups = mining.regroup(engine, staff.to_pylist(), config.mining)
    roster = staff["role_group"].to_pylist()
    users = staff["user_id"].to_pylist()
    regrouped = [groups.get(u, g) for u, g in zip(users, roster, strict=True)]
    staff = staff.set_column(
        staff.schema.get_field_index("role_group"), "role_group", pa.array(regrouped, pa.string())
    )
    pq.write_table(staff, prepared.path("staff"), compression="zstd")
    engine.parquet("staff", [prepared.path("staff")])
    found = mining.candidates(engine) if sampled else []
    kinds = {
        r["kind"]
        for r in engine.query("SELECT DISTINCT kind FROM episodes").to_pylist()
        if r["kind"]
    }
    chosen = mining.strong(found, {*regrouped, ""}, kinds, config, decisions)
    mining.write(chosen, prepared.path("templates"))
    engine.parquet("templates", [prepared.path("templates")])
    if sampled:
        engine.keep(
            "mine_sample_groups",
            "SELECT m.*, coalesce(s.role_group, '') AS role_group "
            "FROM mine_sample m LEFT JOIN staff s ON s.user_id = m.user_id",
        )
        engine.keep("mine_explained", mining.best_sql("mine_sample_groups", config.mining))
        chosen = mining.weak(mining.candidates(engine, residual=True), chosen, config, decisions)
        mining.write(chosen, prepared.path("templates"))
        engine.parquet("templates", [prepared.path("templates")])
    mined = [t for t in chosen if t.status != "prior"]
    return {
        "sampled_accesses": sampled,
        "role_groups": len(set(regrouped)),
        "regrouped_users": sum(1 for a, b in zip(roster, regrouped, strict=True) if a != b),
        "candidates": len(found),
        "mined": len(mined),
    }


def analyse(
    store: Lake,
    engine: Engine,
    config: Config,
    since: date,
    until: date,
    progress: Progress | None = None,
    decisions: Decisions | None = None,
    restricted: tuple[str, ...] = (),
    test_records: dict[str, str] | None = None,
) -> tuple[list[Hit], dict[str, Any]]:
    """Every detector's hits for the period, and the explanation summary. Engine-neutral:
    the parity test runs this on DuckDB and on Spark and compares."""
    until_day = until.isoformat()
    files = [
        f
        for f in store.files(EVENTS)
        if _day_of(f) < until_day  # history before the period included
    ]
    if not files:
        raise ValueError("no access events in the store before --until: ingest some first")
    days = sorted({_day_of(f) for f in files})
    chunks = [days[i : i + CHUNK_DAYS] for i in range(0, len(days), CHUNK_DAYS)]
    steps = iter(range(1, 4 + len(chunks) + len(DETECTORS)))
    total = len(chunks) + len(DETECTORS) + 3

    started: dict[str, float] = {}

    def step(label: str) -> None:
        now = time.monotonic()
        for previous, at in started.items():  # the step before this one
            log.debug("%s took %.1f s", previous, now - at)
        started.clear()
        started[label] = now
        if progress is not None:
            progress(label, next(steps), total)

    step("preparing context")
    prepared = prepare(store, config, analysis_folder(store), restricted)
    for name in CONTEXT_TABLES:
        engine.parquet(name, [prepared.path(name)])
    engine.parquet("events", files, base=store.root / EVENTS.path)
    since_t = epoch_seconds(since)
    step("telling the workforce from other accounts")
    roster = set(pq.read_table(prepared.path("staff"), columns=["user_id"])["user_id"].to_pylist())
    kinds = accounts.learn(
        engine, explain.events_sql(engine, since_t, detail=True), roster, prepared.path("accounts")
    )
    accounts.keep_confidential_reads(engine, explain.events_sql(engine, since_t))
    practice = practice_records.learn(
        engine,
        accounts.workforce_only(explain.events_sql(engine, since_t)),
        (until - since).days,
        test_records or {},
        prepared.path("practice_records"),
    )
    step("learning what each role does")
    learned = learn_templates(engine, prepared, config, since_t, decisions)
    for number, chunk in enumerate(chunks):
        step(f"explaining accesses of {chunk[0]} to {chunk[-1]}")
        # A month at a time: the explanation join's working set stays bounded, however
        # long the history.
        last = date.fromisoformat(chunk[-1]) + timedelta(days=1)
        engine.view(
            "ev",
            watched(explain.events_sql(engine, since_t, (chunk[0], last.isoformat()))),
        )
        window = (epoch_seconds(date.fromisoformat(chunk[0])), epoch_seconds(last))
        (engine.append if number else engine.keep)("access", explain.access_sql(config, window))
    counts = {
        int(r["explained"]): int(r["n"]) for r in engine.query(explain.share_sql()).to_pylist()
    }
    accesses = sum(counts.values())
    role_groups = {
        r["role_group"]: int(r["n"])
        for r in engine.query(
            "SELECT role_group, count(DISTINCT user_id) AS n FROM access WHERE in_period = 1 "
            "GROUP BY role_group"
        ).to_pylist()
    }
    users = sum(role_groups.values())
    reasons = explain.reasons(config)
    titles = explain.titles(config)
    summary: dict[str, Any] = {
        "accesses": accesses,
        "users": int(users or 0),
        "explained": accesses - counts.get(0, 0),
        "explained_share": (
            round((accesses - counts.get(0, 0)) / accesses, 4) if accesses else 0.0
        ),
        "explained_by": {
            titles.get(reasons[rank - 1], reasons[rank - 1]): n
            for rank, n in sorted(counts.items())
            if rank > 0
        },
        "context": prepared.counts,
        "context_missing": prepared.missing,
        "unknown_labels": prepared.unknown_labels,
        "common_restricted": prepared.common_restricted,
        "accounts": kinds,
        "test_records": practice,
        "templates": learned,
        "role_groups": role_groups,
    }
    hits = run_detectors(engine, config, since_t, on_detector=step)
    return covered_patients(engine, hits, prepared.path("user_hits")), summary


def covered_patients(engine: Engine, hits: list[Hit], path: Path) -> list[Hit]:
    """User-level hits with the patients of their evidence (each detector's `covers`): the
    browsed, exported or odd-hour records, or every record a dead account opened. One query
    for all of them, joined on the hits written to `path`."""
    wanted = [h for h in hits if DETECTORS[h.detector].covers and not h.patient_id]
    if not wanted:
        return hits
    pq.write_table(
        pa.table(
            {
                "detector": [h.detector for h in wanted],
                "user_id": [h.user_id for h in wanted],
                "first_t": pa.array([h.first_t for h in wanted], pa.int64()),
                "last_t": pa.array([h.last_t for h in wanted], pa.int64()),
            }
        ),
        path,
    )
    engine.parquet("user_hits", [path])
    evidence = " OR ".join(
        f"(h.detector = '{d.id}' AND ({d.covers}))" for d in DETECTORS.values() if d.covers
    )
    rows = engine.query(
        f"""SELECT DISTINCT h.detector, h.user_id, h.first_t, a.patient_id
            FROM user_hits h JOIN access a
              ON a.user_id = h.user_id AND a.t >= h.first_t AND a.t <= h.last_t
            WHERE a.patient_id <> '' AND ({evidence})"""
    ).to_pylist()
    patients: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for row in rows:
        patients[(row["detector"], row["user_id"], int(row["first_t"]))].append(row["patient_id"])
    return [
        replace(h, patients=tuple(sorted(patients[key])))
        if not h.patient_id and (key := (h.detector, h.user_id, h.first_t)) in patients
        else h
        for h in hits
    ]


def _instant(t: int) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def in_lanes(alerts: list[Scored]) -> tuple[dict[str, list[Scored]], list[Scored]]:
    """Alerts with a hit of a lane's detector (restricted records), by lane, and the rest:
    a lane is reviewed in full, so the budget never cuts it."""
    lanes: dict[str, list[Scored]] = defaultdict(list)
    queue = []
    for alert in alerts:
        lane = lane_of(alert.detectors)
        if lane == QUEUE:
            queue.append(alert)
        else:
            lanes[lane].append(alert)
    return dict(lanes), queue


def within_budget(
    alerts: list[Scored], budget: float, users: int, days: int, floor: float = 0.0
) -> tuple[list[Scored], dict[str, Any]]:
    """The highest-scoring alerts, up to `budget` per 1,000 active users per day: the volume
    a privacy office can review. Scores rank alerts within this site's own candidates, so the
    cut follows the site's distribution rather than a fixed score; `floor` keeps a quiet
    site from filling its budget with evidence that was discounted away. Budget 0 raises
    every candidate, those under the floor too, for measuring recall."""
    ranked = sorted(alerts, key=lambda a: (-a.score, a.user_id, a.patient_id))
    if budget <= 0:
        return ranked, {
            "budget": 0,
            "allowed": None,
            "candidates": len(ranked),
            "floor": None,
            "score_cutoff": None,
        }
    allowed = max(1, math.ceil(budget * users / 1000 * max(days, 1)))
    kept = [a for a in ranked if a.score >= floor][:allowed]
    return kept, {
        "budget": budget,
        "allowed": allowed,
        "candidates": len(ranked),
        "floor": floor,
        "score_cutoff": kept[-1].score if kept and len(kept) < len(ranked) else None,
    }


def detect(
    store: Lake,
    since: date | None = None,
    until: date | None = None,
    engine_name: str = "duckdb",
    master: str = "local[*]",
    config_path: Path | None = None,
    progress: Progress | None = None,
    budget: float | None = None,
) -> Outcome:
    config = with_weights(load(config_path), weights_path(store.root.parent))
    first, last = period(store, since, until)
    started = datetime.now(UTC)
    engine = open_engine(engine_name, store, master)
    try:
        hits, summary = analyse(
            store,
            engine,
            config,
            first,
            last,
            progress,
            decisions(),
            restricted_records(),
            test_record_decisions(),
        )
    finally:
        engine.close()
    staff = pq.read_table(
        analysis_folder(store) / "staff.parquet",
        columns=["user_id", "practitioner_id", "department", "role_group"],
    ).to_pylist()
    role_of = {row["user_id"]: row["role_group"] for row in staff}
    peers = peer_factors(hits, role_of, summary["role_groups"])
    raised, summary["routine"] = routine(hits, peers)
    lanes, queue = in_lanes(group(raised, config, peers))
    alerts, summary["budget"] = within_budget(
        queue,
        config.budget if budget is None else budget,
        int(summary["users"]),
        (last - first).days,
        config.floor,
    )
    summary["lanes"] = {lane: len(found) for lane, found in lanes.items()}
    alerts = sorted(
        [*alerts, *(a for found in lanes.values() for a in found)],
        key=lambda a: (-a.score, a.user_id, a.patient_id),
    )
    roster = {row["user_id"]: (row["practitioner_id"], row["department"]) for row in staff}
    run = _store(alerts, first, last, engine_name, started, summary, roster)
    remember(run, analysis_folder(store) / "templates.parquet", config)
    from hygeia.privacy.notifications import announce

    announce(run.new_incidents)  # type: ignore[attr-defined]
    log.info("detection %s..%s: %d alerts", first, last, len(alerts))
    return Outcome(run, alerts, hits)


@transaction.atomic
def _store(
    alerts: list[Scored],
    since: date,
    until: date,
    engine: str,
    started: datetime,
    summary: dict[str, Any],
    roster: dict[str, tuple[str, str]],
) -> DetectionRun:
    run = DetectionRun.objects.create(
        started_at=started,
        since=since,
        until=until,
        engine=engine,
        events=summary["accesses"],
        explained=summary["explained"],
        alerts=len(alerts),
        summary=summary,
    )
    # Incidents first seen in this run, announced once the run is stored.
    run.new_incidents = []  # type: ignore[attr-defined]
    start, end = _instant(epoch_seconds(since)), _instant(epoch_seconds(until))
    # A re-run replaces what nobody has touched yet; alerts under review, in a case or
    # decided stay as the reviewers left them.
    Alert.objects.filter(
        first_event__gte=start, first_event__lt=end, disposition="", status=Alert.Status.NEW
    ).delete()
    Incident.objects.filter(
        first_event__gte=start, first_event__lt=end, alerts__isnull=True, cases__isnull=True
    ).delete()
    by_user: dict[str, list[Scored]] = defaultdict(list)
    for alert in alerts:
        by_user[alert.user_id].append(alert)
    period_label = f"{since.isoformat()}/{until.isoformat()}"
    for user, own in by_user.items():
        incident, created = Incident.objects.update_or_create(
            key=_key("incident", user, period_label),
            defaults={
                "user_id": user,
                "first_event": _instant(min(a.first_t for a in own)),
                "last_event": _instant(max(a.last_t for a in own)),
                "score": max(a.score for a in own),
                "severity": max((a.severity for a in own), key=SEVERITY_ORDER.index),
                "alert_count": len(own),
                "run": run,
            },
        )
        if created:
            run.new_incidents.append(incident)  # type: ignore[attr-defined]
        practitioner, department = roster.get(user, ("", ""))
        for alert in own:
            stored, _ = Alert.objects.update_or_create(
                key=_key("alert", alert.user_id, alert.patient_id, period_label),
                defaults={
                    "user_id": alert.user_id,
                    "practitioner_id": practitioner or "",
                    "department": department or "",
                    "patient_id": alert.patient_id,
                    "detectors": alert.detectors,
                    "score": alert.score,
                    "severity": alert.severity,
                    "reasons": alert.reasons,
                    "evidence": [
                        {
                            "detector": h.detector,
                            "first_event": _instant(h.first_t).isoformat(),
                            "last_event": _instant(h.last_t).isoformat(),
                            "events": h.events,
                            "metric": h.metric,
                            "baseline": h.baseline,
                            "detail": h.detail,
                        }
                        for h in alert.hits
                    ],
                    "first_event": _instant(alert.first_t),
                    "last_event": _instant(alert.last_t),
                    "events": alert.events,
                    "patients": alert.patients,
                    "incident": incident,
                    "run": run,
                },
            )
            AlertDetector.objects.filter(alert=stored).delete()
            AlertDetector.objects.bulk_create(
                AlertDetector(alert=stored, detector=name) for name in alert.detectors
            )
    run.finished_at = datetime.now(UTC)
    run.save(update_fields=["finished_at"])
    return run
