"""Detection time and peak memory at scale, next to a naive pandas implementation of two
detectors on the same store.

    python benchmarks/detect.py                 # 30 copies of a 30-day, 2,000-staff month
    python benchmarks/detect.py --copies 1      # the ~2 million-event month alone

A synthetic hospital (2,000 staff, 30 days, ~2 million accesses) is simulated and ingested
once; the store is then replicated `--copies` times, each copy shifted 30 days later (events,
encounters, care teams and appointments, with new ids), so that the events keep their
explanations. Each measurement runs in its own process (peak memory is its own):

- `hygeia privacy detect` over the whole store (DuckDB);
- pandas reading the same events and running two detectors written the obvious way
  (terminated_account, repeated_lookup without explanations): the reference. It holds every
  event in memory (about 12 GB for 60 million); `--pandas-months` limits what it reads on
  smaller machines.

Generated data are kept in --work for re-runs (delete it to regenerate).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COPY_DAYS = 30
STAFF = 2000

PANDAS = r"""
import glob, sys, pandas as pd
events_dir, staff_dir, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(glob.glob(events_dir + "/day=*/*.parquet"))[:limit]
ev = pd.concat((pd.read_parquet(f, columns=["user_login", "patient_ref", "occurred_utc"])
                for f in files), ignore_index=True)
staff = pd.concat(pd.read_parquet(f, columns=["user_id", "termination_date"])
                  for f in glob.glob(staff_dir + "/*/*.parquet"))
# terminated_account: accesses after the roster's termination date
staff = staff.dropna(subset=["termination_date"])
end = pd.to_datetime(staff["termination_date"]).dt.tz_localize("UTC")
staff["end"] = end + pd.Timedelta(days=1)
merged = ev.merge(staff, left_on="user_login", right_on="user_id")
terminated = merged[merged["occurred_utc"] > merged["end"]].groupby("user_login").size()
# repeated_lookup: one user, one patient, at least 4 accesses on at least 2 days
ev["day"] = ev["occurred_utc"].dt.floor("D")
pairs = ev[ev["patient_ref"] != ""].groupby(["user_login", "patient_ref"]).agg(
    n=("day", "size"), days=("day", "nunique"))
repeated = pairs[(pairs.n >= 4) & (pairs.days >= 2)]
print(len(ev), len(terminated), len(repeated))
"""


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, int, str, int]:
    """Wall seconds, peak RSS (bytes), stdout and exit status of one child process."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        output = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
        if code != 0:
            errors.seek(0)
            print(errors.read().decode()[-2000:], file=sys.stderr)
    return elapsed, usage.ru_maxrss * 1024, output, code


def hygeia(*args: str) -> list[str]:
    """A `hygeia` command line run by this interpreter (its data directory comes from the
    environment, see `environment`)."""
    return [sys.executable, "-m", "hygeia.cli", *args]


def environment(data: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HYGEIA_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'hygeia.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def base_month(work: Path, seed: int) -> Path:
    """Simulate and ingest one month (cached)."""
    base = work / "base"
    if (base / "ingested").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    env = environment(base / "data")
    hospital = base / "hospital"
    started = time.perf_counter()
    subprocess.run(
        hygeia(
            "privacy",
            "simulate",
            str(hospital),
            "--staff",
            str(STAFF),
            "--seed",
            str(seed),
        ),
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(hygeia("init", "--no-input"), env=env, check=True, capture_output=True)
    subprocess.run(
        hygeia(
            "privacy",
            "ingest",
            str(hospital / "fhir"),
            str(hospital / "staff.csv"),
            "--json",
        ),
        env=env,
        check=True,
        capture_output=True,
    )
    (base / "ingested").touch()
    print(f"simulated and ingested one month in {time.perf_counter() - started:.0f} s")
    return base


def replicate(base: Path, work: Path, copies: int) -> Path:
    """A store holding `copies` shifted copies of the base month (cached per count)."""
    import duckdb

    target = work / f"copies-{copies}"
    if (target / "ready").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    lake, source = target / "data" / "lake", base / "data" / "lake"
    (lake / "context").mkdir(parents=True)
    shifted = {"encounter", "care_team", "appointment"}
    for folder in (source / "context").iterdir():
        if folder.name not in shifted:
            shutil.copytree(folder, lake / "context" / folder.name)
    con = duckdb.connect(config={"memory_limit": "4GB", "threads": 2})
    con.execute("SET TimeZone = 'UTC'; SET preserve_insertion_order = false")
    started = time.perf_counter()
    for k in range(copies):
        days = k * COPY_DAYS
        for kind in shifted:
            files = sorted((source / "context" / kind).glob("*/*.parquet"))
            if not files:
                continue
            out = lake / "context" / kind / f"ingest=copy{k}"
            out.mkdir(parents=True)
            listed = ", ".join(f"'{f}'" for f in files)
            con.execute(
                f"COPY (SELECT * EXCLUDE (ingest) REPLACE ("
                f"fhir_id || '-c{k}' AS fhir_id, record_id || '-c{k}' AS record_id, "
                f"row_key || '-c{k}' AS row_key, start + INTERVAL {days} DAY AS start, "
                f'"end" + INTERVAL {days} DAY AS "end") '
                f"FROM read_parquet([{listed}], hive_partitioning = true)) "
                f"TO '{out / 'part-0.parquet'}' (FORMAT parquet, COMPRESSION zstd)"
            )
        con.execute(
            f"COPY (SELECT * REPLACE (event_id || '-c{k}' AS event_id, "
            f"occurred_utc + INTERVAL {days} DAY AS occurred_utc, "
            f"CAST(day + INTERVAL {days} DAY AS DATE) AS day) "
            f"FROM read_parquet('{source / 'events'}/*/*.parquet', hive_partitioning = true)) "
            f"TO '{lake / 'events'}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day), "
            f"APPEND, FILENAME_PATTERN 'copy{k}-{{uuid}}')"
        )
        print(f"\rreplicating: {k + 1}/{copies}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    rows = con.sql(f"SELECT count(*) FROM read_parquet('{lake / 'events'}/*/*.parquet')").fetchall()
    con.close()
    env = environment(target / "data")
    subprocess.run(hygeia("init", "--no-input"), env=env, check=True, capture_output=True)
    (target / "events").write_text(str(rows[0][0]))
    (target / "ready").touch()
    took = time.perf_counter() - started
    print(f"replicated {copies} month(s): {rows[0][0]:,} events in {took:.0f} s")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=30, help="months of ~2M events")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "hygeia-bench-detect"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--pandas-months",
        type=int,
        default=0,
        help="months pandas reads (default: all, or 3 when more than 8)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    base = base_month(args.work, args.seed)
    # In a process of its own: a child forked from a process that grew (DuckDB copying
    # gigabytes) would report the parent's size as its own peak.
    builder = multiprocessing.get_context("spawn").Process(
        target=replicate, args=(base, args.work, args.copies)
    )
    builder.start()
    builder.join()
    if builder.exitcode != 0:
        raise SystemExit("replicating the month failed")
    store = args.work / f"copies-{args.copies}"
    events = int((store / "events").read_text())
    env = environment(store / "data")
    seconds, peak, out, code = measure(hygeia("privacy", "detect", "--json"), env)
    if code != 0:
        raise SystemExit("detection failed")
    summary = json.loads(out)
    print(f"{'what':<44} {'events':>12} {'seconds':>9} {'events/s':>12} {'peak MB':>9}")
    print(
        f"{'hygeia privacy detect (DuckDB)':<44} {events:>12,} {seconds:>9.1f} "
        f"{events / seconds:>12,.0f} {peak / 2**20:>9,.0f}"
    )
    print(f"  {summary['alerts']:,} alerts, {summary['explained_share']:.1%} explained")
    months = args.pandas_months or args.copies
    days = months * COPY_DAYS + 10
    lake = store / "data" / "lake"
    p_seconds, p_peak, p_out, p_code = measure(
        [
            sys.executable,
            "-c",
            PANDAS,
            str(lake / "events"),
            str(lake / "context" / "staff"),
            str(days),
        ],
        env,
    )
    p_events = int(p_out.split()[0]) if p_code == 0 and p_out else 0
    label = f"pandas, 2 detectors ({months} month{'s' if months > 1 else ''})"
    if p_code == 0:
        print(
            f"{label:<44} {p_events:>12,} {p_seconds:>9.1f} {p_events / p_seconds:>12,.0f} "
            f"{p_peak / 2**20:>9,.0f}"
        )
    else:
        print(f"{label:<44} failed (exit {p_code})")
    result = {
        "events": events,
        "hygeia": {"seconds": seconds, "peak_bytes": peak, "alerts": summary["alerts"]},
        "pandas": {"events": p_events, "seconds": p_seconds, "peak_bytes": p_peak, "exit": p_code},
    }
    (args.work / f"results-{args.copies}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
