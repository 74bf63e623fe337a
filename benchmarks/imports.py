"""Large file imports: throughput and peak memory of `hygeia vendors vulns import` (a KEV-shaped
JSON catalog) and `hygeia vendors breaches` (an HHS OCR breach-portal CSV export).

    python benchmarks/imports.py                        # 450 MB of JSON, 250 MB of CSV
    python benchmarks/imports.py --mb 100 --csv-mb 50
    python benchmarks/imports.py --source /path/to/other/checkout   # another version's code

It writes the files once into --work (kept for re-runs), then measures each command in its own
process, so that the peak RSS (from wait4) is that process's own, with a fresh SQLite database
made by `hygeia init`. The vulnerability import runs twice: into an empty database, then the
same file again (every entry a duplicate). References measured in the same run, each in its
own process: orjson.loads of the whole JSON file, ijson counting its entries (the streaming
parse alone), and for the CSV csv.reader over the file and DuckDB's count(*) over read_csv.

The breach import is measured with no vendors registered, so that it measures reading the
file and not the name matching (a fuzzy comparison per row and vendor name).

--source runs the `hygeia` commands with that directory's code (it must hold the hygeia
package); the references and the generated files are the same.
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
from datetime import date, timedelta
from pathlib import Path

from common import fresh_data, hygeia_env

HERE = Path(__file__).resolve().parents[1]
VENDORS = [f"Vendor {n}" for n in range(1500)]
PRODUCTS = [f"Product {n}" for n in range(400)]
WORDS = ["remote", "code", "execution", "improper", "input", "validation", "memory", "privilege"]
ENTITY_TYPES = ["Healthcare Provider", "Health Plan", "Business Associate"]
BREACH_TYPES = ["Hacking/IT Incident", "Theft", "Unauthorized Access/Disclosure", "Loss"]
STATES = ["OR", "WA", "TX", "CA", "NY", "FL", "OH", "IL"]


def generate_kev(path: Path, megabytes: int, rng: random.Random) -> int:
    """A catalog shaped like CISA's feed (4-space indentation, the same keys); returns the
    number of entries."""
    target = megabytes * 1_000_000
    start = date(2021, 11, 3)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{\n    "title": "CISA Catalog of Known Exploited Vulnerabilities",\n'
            '    "catalogVersion": "2026.12.01",\n    "dateReleased": "2026-12-01T12:00:00.000Z",\n'
            '    "vulnerabilities": [\n'
        )
        written, count, chunk = 0, 0, []
        while written < target:
            added = start + timedelta(days=rng.randrange(1800))
            entry = {
                "cveID": f"CVE-{2000 + count % 27}-{count:07d}",
                "vendorProject": rng.choice(VENDORS),
                "product": rng.choice(PRODUCTS),
                "vulnerabilityName": f"{rng.choice(VENDORS)} {' '.join(rng.sample(WORDS, 3))}",
                "dateAdded": added.isoformat(),
                "shortDescription": " ".join(rng.choices(WORDS, k=40)),
                "requiredAction": "Apply mitigations per vendor instructions, follow applicable "
                "BOD 22-01 guidance for cloud services, or discontinue use of the product if "
                "mitigations are unavailable.",
                "dueDate": (added + timedelta(days=21)).isoformat(),
                "knownRansomwareCampaignUse": rng.choice(["Known", "Unknown"]),
                "notes": f"https://nvd.nist.gov/vuln/detail/CVE-{count:07d}",
                "cwes": [f"CWE-{rng.randrange(20, 1000)}"],
            }
            text = ("" if count == 0 else ",\n") + "        " + json.dumps(entry, indent=4)
            text = text.replace("\n", "\n        ")
            chunk.append(text)
            written += len(text)
            count += 1
            if len(chunk) == 5000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
        out.write(f'\n    ],\n    "count": {count}\n}}\n')
    return count


def generate_breaches(path: Path, megabytes: int, rng: random.Random) -> int:
    """A breach-portal export (its columns, a description per row); returns the row count."""
    target = megabytes * 1_000_000
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "Name of Covered Entity,State,Covered Entity Type,Individuals Affected,"
            "Breach Submission Date,Type of Breach,Location of Breached Information,"
            "Business Associate Present,Web Description\r\n"
        )
        written, count, chunk = 0, 0, []
        while written < target:
            when = date(2009, 10, 1) + timedelta(days=rng.randrange(6000))
            description = " ".join(rng.choices(WORDS, k=rng.randrange(4, 30)))
            row = (
                f'"Clinic {count}, Inc.",{rng.choice(STATES)},{rng.choice(ENTITY_TYPES)},'
                f'"{rng.randrange(500, 900_000):,}",{when:%m/%d/%Y},{rng.choice(BREACH_TYPES)},'
                f'"Network Server, Email",{rng.choice(["Yes", "No"])},"{description}"\r\n'
            )
            chunk.append(row)
            written += len(row)
            count += 1
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    return count


def measure(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None):
    """Wall seconds, peak RSS (bytes), exit status and stdout of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status), output


ORJSON = (
    "import orjson,sys; print(len(orjson.loads(open(sys.argv[1],'rb').read())['vulnerabilities']))"
)
IJSON = (
    "import ijson,sys; b=ijson.get_backend('yajl2_c'); "
    "print(sum(1 for _ in b.items(open(sys.argv[1],'rb'),'vulnerabilities.item')))"
)
CSV = (
    "import csv,sys; f=open(sys.argv[1],encoding='utf-8-sig',newline=''); "
    "print(sum(1 for _ in csv.reader(f)) - 1)"
)
DUCKDB = "import duckdb,sys; print(duckdb.sql(sys.argv[1]).fetchall()[0][0])"


def hygeia(args: list[str], data: Path, source: Path) -> dict:
    env = hygeia_env(data)
    seconds, peak, status, output = measure(
        [sys.executable, "-m", "hygeia.cli", *args, "--json"], env, source
    )
    if status not in (0, 1):
        raise SystemExit(f"hygeia {' '.join(args[:3])} failed with {status}")
    return {"seconds": seconds, "peak_bytes": peak, "report": json.loads(output)}


def row(label: str, seconds: float, peak: int, count: int) -> None:
    print(f"{label:<44} {seconds:>8.1f} {count / seconds:>12,.0f} {peak / 2**20:>9,.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, default=450, help="size of the KEV-shaped JSON file")
    parser.add_argument("--csv-mb", type=int, default=250, help="size of the breach CSV file")
    parser.add_argument("--only", choices=("kev", "csv"), help="run one of the two")
    parser.add_argument("--source", type=Path, default=HERE, help="checkout whose hygeia code runs")
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "hygeia-bench-imports"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = args.source.resolve()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; code: {source}"
    )
    results: dict = {"source": str(source)}
    header = f"{'what':<44} {'seconds':>8} {'rows/s':>12} {'peak MB':>9}"

    if args.only in (None, "kev"):
        kev = args.work / f"kev-{args.mb}mb.json"
        if not kev.exists():
            started = time.perf_counter()
            generate_kev(kev, args.mb, random.Random(args.seed))  # noqa: S311 (synthetic)
            print(f"generated {kev.name} in {time.perf_counter() - started:.0f} s")
        size = kev.stat().st_size
        print(f"\nKEV-shaped JSON: {size / 1e6:,.0f} MB")
        print(header)
        data, _ = fresh_data(args.work, source)
        first = hygeia(["vendors", "vulns", "import", str(kev)], data, source)
        again = hygeia(["vendors", "vulns", "import", str(kev)], data, source)
        shutil.rmtree(data, ignore_errors=True)
        [report] = first["report"]["files"]
        [repeat] = again["report"]["files"]
        entries = report["read"]
        assert entries == report["stored"] + report["duplicate"] + report["quarantined"]
        assert repeat["duplicate"] == report["stored"] and repeat["stored"] == 0, repeat
        row("hygeia vendors vulns import", first["seconds"], first["peak_bytes"], entries)
        row("hygeia ... again (all duplicate)", again["seconds"], again["peak_bytes"], entries)
        refs = {}
        for label, code in (("orjson.loads (whole file)", ORJSON), ("ijson items (C)", IJSON)):
            seconds, peak, status, output = measure([sys.executable, "-c", code, str(kev)])
            assert status == 0 and int(output) == entries, (label, status, output)
            refs[label] = {"seconds": seconds, "peak_bytes": peak}
            row(label, seconds, peak, entries)
        results["kev"] = {"bytes": size, "entries": entries, "import": first, "again": again,
                          "references": refs}  # fmt: skip

    if args.only in (None, "csv"):
        breaches = args.work / f"breach-{args.csv_mb}mb.csv"
        if not breaches.exists():
            started = time.perf_counter()
            generate_breaches(breaches, args.csv_mb, random.Random(args.seed))  # noqa: S311
            print(f"generated {breaches.name} in {time.perf_counter() - started:.0f} s")
        size = breaches.stat().st_size
        print(f"\nBreach-portal CSV: {size / 1e6:,.0f} MB")
        print(header)
        data, _ = fresh_data(args.work, source)
        run = hygeia(["vendors", "breaches", str(breaches)], data, source)
        shutil.rmtree(data, ignore_errors=True)
        rows = run["report"]["read"]
        row("hygeia vendors breaches", run["seconds"], run["peak_bytes"], rows)
        refs = {}
        duck = f"SELECT count(*) FROM read_csv('{breaches}')"
        for label, argv in (
            ("csv.reader (rows only)", [sys.executable, "-c", CSV, str(breaches)]),
            ("duckdb count(*) over read_csv", [sys.executable, "-c", DUCKDB, duck]),
        ):
            seconds, peak, status, output = measure(argv)
            assert status == 0 and int(output) == rows, (label, status, output)
            refs[label] = {"seconds": seconds, "peak_bytes": peak}
            row(label, seconds, peak, rows)
        results["csv"] = {"bytes": size, "rows": rows, "import": run, "references": refs}

    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for part in ("kev", "csv"):
        for key in ("import", "again"):
            results.get(part, {}).get(key, {}).pop("report", None)
    (args.work / f"results-{stamp}.json").write_text(json.dumps(results, indent=2))
    print(f"(self: peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
