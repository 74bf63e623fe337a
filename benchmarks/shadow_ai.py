"""Shadow-AI classification throughput: a generated Squid access.log of N lines (a few percent
to AI services from the catalog, the rest to ordinary sites, through CONNECT and plain GETs,
a few malformed lines) read, parsed and classified by `hygeia.ai.shadow.scan_log`, in its
own process; the reference in the same run is `grep -F -f` of the catalog's domains over the
same file (finding lines that mention any AI domain, with no parsing or accounting).

Run:  python benchmarks/shadow_ai.py --lines 10000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OTHER = [
    "www.google.com", "outlook.office365.com", "login.microsoftonline.com", "www.epic.com",
    "fhir.example-ehr.org", "cdn.jsdelivr.net", "www.uptodate.com", "pubmed.ncbi.nlm.nih.gov",
    "www.cdc.gov", "teams.microsoft.com", "zoom.us", "www.youtube.com", "news.example.com",
    "weather.example.org", "www.amazon.com", "s3.amazonaws.com", "update.windows.com",
    "ocsp.digicert.com", "www.linkedin.com", "mail.google.com",
]  # fmt: skip


def generate(path: Path, lines: int, ai_hosts: list[str]) -> None:
    rng = random.Random(7)  # noqa: S311  (synthetic log)
    users = [f"user{n:04d}" for n in range(3000)] + ["-"] * 500
    start = 1735689600.0
    with path.open("w") as out:
        batch = []
        for n in range(lines):
            if n % 10_000 == 9_999:
                batch.append("this line is not a squid record\n")
                continue
            host = rng.choice(ai_hosts) if rng.random() < 0.04 else rng.choice(OTHER)
            when = start + n * 0.03
            client = f"10.{rng.randrange(8)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            size = rng.randrange(200, 80_000)
            if rng.random() < 0.8:
                request = f"CONNECT {host}:443"
                status = "TCP_TUNNEL/200"
            else:
                request = f"GET http://{host}/path/{rng.randrange(1000)}?q=1"
                status = "TCP_MISS/200"
            batch.append(
                f"{when:.3f} {rng.randrange(1, 900):6d} {client} {status} {size} {request} "
                f"{rng.choice(users)} HIER_DIRECT/93.184.216.34 text/html\n"
            )
            if len(batch) >= 100_000:
                out.writelines(batch)
                batch = []
        out.writelines(batch)


CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
import django
django.setup()
from pathlib import Path
from hygeia.ai.catalog import catalog
from hygeia.ai.shadow import scan_log
began = time.perf_counter()
result = scan_log(Path(sys.argv[1]), catalog())
seconds = time.perf_counter() - began
print(json.dumps({**result.as_dict(), "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="hygeia-shadow-"))
    os.environ.setdefault("HYGEIA_DATA_DIR", str(work))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
    import django

    django.setup()
    from hygeia.ai.catalog import catalog

    hosts = sorted(catalog().hosts)
    log = work / "access.log"
    began = time.perf_counter()
    generate(log, args.lines, hosts)
    size_mb = log.stat().st_size / 1e6
    print(
        f"generated {args.lines:,} lines ({size_mb:,.0f} MB) in {time.perf_counter() - began:.0f} s"
    )
    patterns = work / "domains.txt"
    patterns.write_text("\n".join(hosts) + "\n")

    began = time.perf_counter()
    grep = subprocess.run(
        ["grep", "-c", "-F", "-f", str(patterns), str(log)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    grep_seconds = time.perf_counter() - began
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(log), str(ROOT)],
        capture_output=True, text=True, check=True, env=os.environ.copy(),
    )  # fmt: skip
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"Hygeia (read, parse, classify, account): {result['seconds']:.1f} s, "
        f"{args.lines / result['seconds']:,.0f} lines/s, peak RSS {result['peak_mb']:.0f} MB"
    )
    print(
        f"  read {result['read']:,} = AI {result['ai']:,} + other {result['other']:,} "
        f"+ refused {result['refused']:,}; {result['services']} services"
    )
    print(
        f"reference grep -F -f ({len(hosts)} domains): {grep_seconds:.1f} s, "
        f"{args.lines / grep_seconds:,.0f} lines/s, {grep.stdout.strip()} matching lines"
    )
    print(
        f"this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
