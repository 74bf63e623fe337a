"""Gateway-log reading throughput: N generated lines of each layout that sites configure
(space-separated key=value with quoted values, LEEF 1.0, CEF, JSON lines) parsed into web
rows by Hygeia's readers (`hygeia.ai.web.PARSERS`, a block of lines at a time), each layout in
its own process so that peak memory is its own. Reference in the same run: DuckDB reading the
same file's lines (read_csv with one text column; read_json for JSON lines), which splits
lines but parses no field.

Run:  python benchmarks/gateway_logs.py --lines 1000000
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
HOSTS = [
    "chatgpt.com",
    "claude.ai",
    "gemini.google.com",
    "www.uptodate.com",
    "outlook.office365.com",
]


def line(layout: str, n: int, rng: random.Random) -> str:
    user = f"user{rng.randrange(3000):04d}@hospital.example"
    host = rng.choice(HOSTS)
    when = time.gmtime(1792368000 + n)
    stamp = time.strftime("%a %b %d %H:%M:%S %Y", when)
    size, back = rng.randrange(300, 3_000_000), rng.randrange(300, 90_000)
    if layout == "kv":
        return (f'datetime="{stamp}" user={user} ClientIP=10.1.{n % 250}.{n % 200} '
                f'action="Allowed" hostname={host} url="{host}/c/{n}" requestmethod=POST '
                f'requestsize={size} responsesize={back} dept="Emergency Medicine"')  # fmt: skip
    if layout == "leef":
        dev = time.strftime("%b %d %Y %H:%M:%S", when)
        return (f"<13>Oct 19 00:00:06 nss zscaler-nss: LEEF:1.0|Zscaler|NSS|4.1|Allowed|"
                f"devTime={dev} GMT\tdevTimeFormat=MMM dd yyyy HH:mm:ss z\tsrc=10.1.2.3\t"
                f"usrName={user}\tsrcBytes={size}\tdstBytes={back}\turl={host}/c/{n}\t"
                f"hostname={host}\treqmethod=POST\trespcode=200")  # fmt: skip
    if layout == "cef":
        return (f"CEF:0|Zscaler|NSSWeblog|5.7|Allowed|Allowed|3|rt={(1792368000 + n) * 1000} "
                f"src=10.1.2.3 suser={user} dhost={host} requestMethod=POST "
                f"request=https://{host}/c/{n} out={size} in={back} act=Allowed")  # fmt: skip
    return json.dumps({"@timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", when),
                       "user": {"name": user}, "source": {"ip": "10.1.2.3"},
                       "url": {"domain": host, "full": f"https://{host}/c/{n}"},
                       "http": {"request": {"method": "POST", "bytes": size},
                                "response": {"bytes": back}}})  # fmt: skip


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
django.setup()
from hygeia.ai.web import PARSERS
from hygeia.lake.lines import line_blocks
path, layout = Path(sys.argv[2]), sys.argv[3]
parse = PARSERS[layout](path, None)
began = time.perf_counter()
stored = refused = 0
for item in line_blocks(path):
    rows, bad = parse(item.table)
    stored += rows.num_rows
    refused += bad.num_rows
print(json.dumps({"seconds": time.perf_counter() - began, "stored": stored, "refused": refused,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

REFERENCE = r"""
import json, resource, sys, time, duckdb
path, layout = sys.argv[1], sys.argv[2]
began = time.perf_counter()
if layout == "jsonl":
    sql = f"SELECT count(*) FROM read_json('{path}', format='newline_delimited')"
else:
    sql = (f"SELECT count(*) FROM read_csv('{path}', delim='\x01', header=false, quote='', "
           "escape='', columns={'line': 'VARCHAR'})")
n = duckdb.sql(sql).fetchall()[0][0]
print(json.dumps({"seconds": time.perf_counter() - began, "lines": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines per layout")
    args = parser.parse_args()
    env = {**os.environ, "HYGEIA_DATA_DIR": tempfile.mkdtemp(prefix="hygeia-gw-")}
    print(f"{'layout':8} {'lines':>10} {'stored':>10} {'seconds':>8} {'lines/s':>10} "
          f"{'peak MB':>8} | duckdb s  lines/s  peak MB")  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        for layout in ("kv", "leef", "cef", "jsonl"):
            rng = random.Random(7)  # noqa: S311  (synthetic log)
            path = Path(work) / f"{layout}.log"
            with path.open("w") as out:
                for n in range(args.lines):
                    out.write(line(layout, n, rng) + "\n")
            ours = json.loads(subprocess.run(
                [sys.executable, "-c", CHILD, str(ROOT), str(path), layout],
                capture_output=True, text=True, check=True, env=env).stdout)  # fmt: skip
            ref = json.loads(subprocess.run(
                [sys.executable, "-c", REFERENCE, str(path), layout],
                capture_output=True, text=True, check=True).stdout)  # fmt: skip
            print(f"{layout:8} {args.lines:>10,} {ours['stored']:>10,} {ours['seconds']:>8.1f} "
                  f"{args.lines / ours['seconds']:>10,.0f} {ours['peak_mb']:>8.0f} | "
                  f"{ref['seconds']:>8.2f} {args.lines / ref['seconds']:>8,.0f} "
                  f"{ref['peak_mb']:>8.0f}")  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
