"""Ingest throughput and peak memory, against DuckDB doing the same job on the same file.

    python benchmarks/ingest.py                       # 10 million events per format
    python benchmarks/ingest.py --events 1000000 --formats csv

For each format (FHIR AuditEvent NDJSON, and a CSV access-log export read through the
`epic-clarity-access-log` profile) it writes N synthetic events, then measures, each in its
own process so that peak memory is that process's own:

- `hygeia privacy ingest FILE` into an empty store (events/s, peak RSS);
- DuckDB scanning the file (`count(*)` over read_ndjson / read_csv), and DuckDB converting the
  file to Parquet (`COPY (SELECT * FROM read_...) TO ...`): the raw read, and the same job
  without any of Hygeia's checks, de-duplication or provenance.

Times are wall-clock on whatever machine runs it; the machine and the figures go into
docs/performance.md. Generated files are kept in --work for re-runs (delete it to regenerate).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import fresh_data

ZONE = ZoneInfo("America/Chicago")
START = datetime(2025, 10, 20, tzinfo=UTC)  # the window holds the autumn DST change
WINDOW_SECONDS = 30 * 86400
USERS = 5000
PATIENTS = 400_000

FHIR_TEMPLATE = (
    '{{"resourceType":"AuditEvent","id":"bench-{n}","type":{{"system":"http://terminology.hl7.org/'
    'CodeSystem/audit-event-type","code":"rest"}},"subtype":[{{"system":"http://hl7.org/fhir/'
    'restful-interaction","code":"{sub}"}}],"action":"{act}","recorded":"{when}","outcome":"0",'
    '"purposeOfEvent":[{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason",'
    '"code":"{purpose}"}}]}}],"agent":[{{"type":{{"coding":[{{"system":"http://dicom.nema.org/'
    'resources/ontology/DCM","code":"110153"}}]}},"who":{{"display":"EHR"}},"requestor":false}},'
    '{{"type":{{"coding":[{{"system":"http://terminology.hl7.org/CodeSystem/v3-ParticipationType",'
    '"code":"IRCP"}}]}},"who":{{"reference":"Practitioner/pr-{user}","identifier":{{"value":'
    '"user{user}"}}}},"altId":"user{user}","requestor":true,"network":{{"address":"10.{a}.{b}.{c}",'
    '"type":"2"}}}}],"source":{{"site":"Main","observer":{{"display":"EHR-PROD"}}}},"entity":'
    '[{{"what":{{"reference":"Patient/pt-{patient}"}},"type":{{"code":"1"}},"role":{{"code":"1"}}}},'
    '{{"what":{{"reference":"{resource}/r-{n}"}},"type":{{"code":"2"}},"role":{{"code":"4"}}}}]}}\n'
)
SUBTYPES = [("read", "R"), ("read", "R"), ("read", "R"), ("search-type", "R"), ("update", "U")]
RESOURCES = ["Observation", "DocumentReference", "MedicationRequest", "DiagnosticReport"]
METRICS = [
    "Chart Review",
    "Results Review",
    "Notes Viewed",
    "Patient Lookup",
    "Order Entry",
    "Print AVS",
    "Report Viewed",
    "Media Viewed",
]


def generate_fhir(path: Path, count: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as out:
        lines = []
        for n in range(count):
            when = (START + timedelta(seconds=rng.randrange(WINDOW_SECONDS))).astimezone(ZONE)
            sub, act = rng.choice(SUBTYPES)
            user = rng.randrange(USERS)
            lines.append(
                FHIR_TEMPLATE.format(
                    n=n,
                    sub=sub,
                    act=act,
                    when=when.isoformat(timespec="seconds"),
                    purpose="ETREAT" if rng.random() < 0.002 else "TREAT",
                    user=user,
                    a=user % 200,
                    b=user // 200,
                    c=rng.randrange(250),
                    patient=rng.randrange(PATIENTS),
                    resource=rng.choice(RESOURCES),
                )
            )
            if len(lines) == 10_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))


def generate_csv(path: Path, count: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("ACCESS_LOG_ID,ACCESS_INSTANT,USER_ID,PAT_MRN_ID,METRIC_NAME,WORKSTATION_ID\n")
        lines = []
        for n in range(count):
            local = (START + timedelta(seconds=rng.randrange(WINDOW_SECONDS))).astimezone(ZONE)
            lines.append(
                f"{n},{local:%Y-%m-%d %H:%M:%S},user{rng.randrange(USERS)},"
                f"M{rng.randrange(PATIENTS):08d},{rng.choice(METRICS)},WS{rng.randrange(900)}\n"
            )
            if len(lines) == 10_000:
                out.write("".join(lines))
                lines.clear()
        out.write("".join(lines))


def measure(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (bytes) and stdout of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{argv[:4]} failed with {process.returncode}")
    return elapsed, usage.ru_maxrss * 1024, output


DUCKDB_SCAN = "import duckdb,sys; duckdb.sql(sys.argv[1]).fetchall()"


def duckdb_reference(reader: str, work: Path) -> dict[str, tuple[float, int]]:
    target = work / "duckdb-copy.parquet"
    target.unlink(missing_ok=True)
    results = {}
    for label, sql in (
        ("scan", f"SELECT count(*) FROM {reader}"),
        ("to_parquet", f"COPY (SELECT * FROM {reader}) TO '{target}' (FORMAT parquet)"),
    ):
        seconds, peak, _ = measure([sys.executable, "-c", DUCKDB_SCAN, sql])
        results[label] = (seconds, peak)
    target.unlink(missing_ok=True)
    return results


def hygeia_ingest(
    path: Path, work: Path, profile: str | None
) -> tuple[float, int, dict, float, int, dict]:
    """The first ingest into an empty store, then the same file again (every row found stored:
    the path that compares contested rows' content)."""
    data, env = fresh_data(work)
    argv = [sys.executable, "-m", "hygeia.cli", "privacy", "ingest", str(path), "--json"]
    if profile:
        argv += ["--profile", profile]
    seconds, peak, output = measure(argv, env)
    again_seconds, again_peak, again_output = measure(argv, env)
    shutil.rmtree(data, ignore_errors=True)
    return seconds, peak, json.loads(output), again_seconds, again_peak, json.loads(again_output)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000, help="events per format")
    parser.add_argument("--formats", default="fhir,csv", help="comma-separated: fhir, csv")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "hygeia-bench")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"{'format':<6} {'what':<34} {'seconds':>9} {'events/s':>12} {'peak MB':>9}")
    results = {}
    for fmt in args.formats.split(","):
        rng = random.Random(args.seed)  # noqa: S311 (synthetic data)
        if fmt == "fhir":
            path = args.work / f"fhir-{args.events}" / "AuditEvent.ndjson"
            reader, profile, generate = f"read_ndjson('{path}')", None, generate_fhir
        elif fmt == "csv":
            path = args.work / f"csv-{args.events}" / "access_log.csv"
            reader, profile, generate = (
                f"read_csv('{path}')",
                "epic-clarity-access-log",
                generate_csv,
            )
        else:
            raise SystemExit(f"unknown format {fmt!r}")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            generate(path, args.events, rng)
            print(
                f"{fmt:<6} generated {path.stat().st_size / 1e9:.2f} GB "
                f"in {time.perf_counter() - started:.0f} s"
            )
        reference = duckdb_reference(reader, args.work)
        seconds, peak, report, again, again_peak, repeat = hygeia_ingest(path, args.work, profile)
        assert report["read"] == report["stored"] + report["duplicate"] + report["quarantined"]
        assert report["read"] == args.events, report
        assert repeat["duplicate"] == report["stored"] and repeat["stored"] == 0, repeat
        rows = [
            ("hygeia privacy ingest", seconds, peak),
            ("hygeia ingest again (all duplicate)", again, again_peak),
            ("duckdb scan (count(*))", *reference["scan"]),
            ("duckdb convert to parquet", *reference["to_parquet"]),
        ]
        for label, secs, mem in rows:
            print(
                f"{fmt:<6} {label:<34} {secs:>9.1f} {args.events / secs:>12,.0f} "
                f"{mem / 2**20:>9,.0f}"
            )
        ratio_scan = seconds / reference["scan"][0]
        ratio_copy = seconds / reference["to_parquet"][0]
        print(
            f"{fmt:<6} hygeia / duckdb: {ratio_scan:.1f}x the scan, "
            f"{ratio_copy:.1f}x the conversion"
        )
        results[fmt] = {
            "events": args.events,
            "bytes": path.stat().st_size,
            "hygeia": {"seconds": seconds, "peak_bytes": peak},
            "hygeia_again": {"seconds": again, "peak_bytes": again_peak},
            "duckdb_scan": dict(zip(("seconds", "peak_bytes"), reference["scan"], strict=True)),
            "duckdb_to_parquet": dict(
                zip(("seconds", "peak_bytes"), reference["to_parquet"], strict=True)
            ),
        }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (args.work / f"results-{stamp}.json").write_text(json.dumps(results, indent=2))
    print(f"(self: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
