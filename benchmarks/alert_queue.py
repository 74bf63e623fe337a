"""How fast a page of the alert queue is served with a million alerts on PostgreSQL, against
a reference measured in the same run: the page's own row query sent straight to the
database (no Django, no template, no counts, no audit entry).

Each request is a real GET through Django (session, permission, filters, the counts above
the queue, the audited page view, the template) by a signed-in Privacy Officer. The mix is
what reviewers do: the default queue, each filter, each order, and the first 20 pages.

Run:  make bench   (or: .venv/bin/python benchmarks/alert_queue.py --alerts 1000000)
It creates (and at the end drops) the PostgreSQL database `hygeia_queue_bench` on
$BENCH_PG (default postgres://postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DETECTORS = (
    "self",
    "family",
    "coworker",
    "neighbour",
    "vip",
    "sensitive",
    "deceased",
    "break_glass",
    "surge",
    "curiosity",
    "repeat",
    "export",
    "terminated",
    "dormant",
    "unusual_hours",
)
STATUSES = (("closed", 0.70), ("new", 0.20), ("in_review", 0.05), ("in_case", 0.05))
SEVERITIES = (("low", 0.45), ("medium", 0.35), ("high", 0.15), ("critical", 0.05))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x, total = rng.random(), 0.0
    for value, weight in weighted:
        total += weight
        if x < total:
            return value
    return weighted[-1][0]


def load(cursor, count: int, seed: int) -> tuple[int, float]:
    """COPY `count` alerts and their detector rows; returns (detector rows, seconds)."""
    rng = random.Random(seed)  # noqa: S311  (synthetic rows, not secrets)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    departments = [f"Department {d:02d}" for d in range(40)]
    began = time.perf_counter()
    detector_rows = 0
    columns = (
        "id, key, user_id, practitioner_id, department, status, patient_id, detectors, score, "
        "severity, reasons, evidence, first_event, last_event, events, disposition, "
        "disposition_note, created_at"
    )
    fired_by_alert: list[list[str]] = []
    with cursor.copy(f"COPY privacy_alert ({columns}) FROM STDIN") as copy:
        for i in range(1, count + 1):
            fired = rng.sample(DETECTORS, k=1 if rng.random() < 0.7 else 2)
            fired_by_alert.append(fired)
            when = start + timedelta(seconds=rng.randrange(365 * 86400))
            status = _pick(rng, STATUSES)
            copy.write_row(
                (
                    i,
                    f"{i:032x}",
                    f"user{rng.randrange(5000):04d}",
                    "",
                    rng.choice(departments),
                    status,
                    f"pt-{rng.randrange(400_000)}",
                    '["' + '","'.join(fired) + '"]',
                    round(rng.uniform(20, 100), 1),
                    _pick(rng, SEVERITIES),
                    '["a reason in words"]',
                    "[]",
                    when,
                    when + timedelta(minutes=rng.randrange(600)),
                    rng.randrange(1, 40),
                    "false_positive" if status == "closed" else "",
                    "",
                    when,
                )
            )
    with cursor.copy("COPY privacy_alertdetector (alert_id, detector) FROM STDIN") as copy:
        for i, fired in enumerate(fired_by_alert, start=1):
            for name in fired:
                copy.write_row((i, name))
                detector_rows += 1
    cursor.execute("SELECT setval(pg_get_serial_sequence('privacy_alert', 'id'), %s)", [count])
    return detector_rows, time.perf_counter() - began


QUERIES = [
    ("default queue (open, by score)", ""),
    ("all statuses", "status=all"),
    ("closed", "status=closed"),
    ("detector: vip", "detector=vip"),
    ("detector: export, all", "detector=export&status=all"),
    ("department", "department=Department%2007"),
    ("user", "user=user0042&status=all"),
    ("severity: critical", "severity=critical"),
    ("min score 90", "min_score=90"),
    ("one month", "since=2025-06-01&until=2025-06-30&status=all"),
    ("newest first", "order=newest"),
    ("by department", "order=department"),
    ("by user", "order=user&status=all"),
]


def settle(url: str) -> None:
    """What autovacuum does to tables in steady use: statistics, and the visibility map that
    lets counts be answered from the indexes alone."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("VACUUM ANALYZE privacy_alert")
        con.execute("VACUUM ANALYZE privacy_alertdetector")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the request mix")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    import psycopg

    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    name = "hygeia_queue_bench"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    work = Path(tempfile.mkdtemp(prefix="hygeia-bench-"))
    os.environ["HYGEIA_DATA_DIR"] = str(work)
    os.environ["DATABASE_URL"] = f"{server}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from hygeia.core.middleware import MFA_OK_KEY
    from hygeia.core.models import User

    setup_test_environment()
    try:
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            detector_rows, loading = load(cursor.cursor, args.alerts, args.seed)
        settle(f"{server}/{name}")
        print(
            f"loaded {args.alerts:,} alerts and {detector_rows:,} detector rows in {loading:.1f} s"
        )
        officer = User.objects.create_user("bench-officer", password="x" * 20)
        officer.groups.add(Group.objects.get(name="Privacy Officer"))
        client = Client()
        client.force_login(officer)
        session = client.session
        session[MFA_OK_KEY] = True
        session.save()

        requests = [(label, query, 1) for label, query in QUERIES]
        requests += [("default queue, page N", "", page) for page in range(2, 21)]
        client.get("/alerts/")  # warm the caches once
        timings: dict[str, list[float]] = {}
        everything: list[float] = []
        for _ in range(args.rounds):
            for label, query, page in requests:
                url = f"/alerts/?{query}" + (f"&page={page}" if page > 1 else "")
                began = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                timings.setdefault(label, []).append(elapsed)
                everything.append(elapsed)

        # The reference: the default page's row query alone, straight to PostgreSQL.
        raw: list[float] = []
        with psycopg.connect(f"{server}/{name}") as con:
            for _ in range(len(everything)):
                began = time.perf_counter()
                con.execute(
                    "SELECT * FROM privacy_alert WHERE status IN ('new', 'in_review') "
                    "ORDER BY score DESC, id LIMIT 50"
                ).fetchall()
                raw.append((time.perf_counter() - began) * 1000)

        print(f"\n{'request':36} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
        for label, values in timings.items():
            print(
                f"{label:36} {statistics.median(values):10.1f} "
                f"{percentile(values, 0.95):8.1f} {max(values):8.1f}"
            )
        print(
            f"\nall {len(everything)} page requests: "
            f"median {statistics.median(everything):.1f} ms, "
            f"p95 {percentile(everything, 0.95):.1f} ms, max {max(everything):.1f} ms "
            f"({len(everything) / (sum(everything) / 1000):.1f} pages/s)"
        )
        print(
            f"reference (the row query alone, psycopg): median {statistics.median(raw):.2f} ms, "
            f"p95 {percentile(raw, 0.95):.2f} ms"
        )
        print(f"peak RSS {_peak_mb():.0f} MB")
    finally:
        connection.close()
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
