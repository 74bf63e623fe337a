"""Matching SBOM components against OSV records: 100,000 components against 200,000 records.

Synthetic but shaped like the real feeds: records spread over Maven, npm, PyPI and Go
packages (several advisories per popular package), each with one to three version
intervals and sometimes an explicit `versions` list; components are package URLs of which
about two thirds name a package that has advisories, at random versions.

Measured in the same run:
- Hygeia's matcher (hygeia/vendors/matching.py): building the index, then matching every
  component (package lookup and version-range check);
- the reference: DuckDB joining the same components to the same affected packages on
  (ecosystem, name) — the candidate pairs any matcher must look at, without the range logic;
- with --database: the whole path through the application (OSV import into the database,
  SBOM attach, `rematch` storing the matches) on a fresh SQLite database.

Run:  python benchmarks/sbom_matching.py [--records 200000] [--components 100000] [--database]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ECOSYSTEMS = [("Maven", "maven"), ("npm", "npm"), ("PyPI", "pypi"), ("Go", "golang")]


def package_name(ecosystem: str, n: int) -> tuple[str, str]:
    """(OSV name, purl path) for synthetic package n of an ecosystem."""
    if ecosystem == "Maven":
        return f"org.example{n % 97}:lib{n}", f"org.example{n % 97}/lib{n}"
    if ecosystem == "Go":
        return f"github.com/org{n % 89}/mod{n}", f"github.com/org{n % 89}/mod{n}"
    return f"pkg{n}", f"pkg{n}"


def version(rng: random.Random) -> str:
    return f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 30)}"


def make_records(count: int, packages: int, rng: random.Random) -> list[dict]:
    records = []
    for i in range(count):
        ecosystem = ECOSYSTEMS[i % 4][0]
        n = int(packages * rng.random() ** 3)  # popular packages get more advisories
        name, _ = package_name(ecosystem, n)
        events: list[dict] = []
        low = rng.randint(0, 5)
        for _ in range(rng.randint(1, 3)):
            events += [{"introduced": f"{low}.0.0"}, {"fixed": f"{low}.{rng.randint(1, 20)}.0"}]
            low += rng.randint(1, 2)
        affected = {"package": {"ecosystem": ecosystem, "name": name},
                    "ranges": [{"type": "ECOSYSTEM", "events": events}]}  # fmt: skip
        if i % 5 == 0:
            affected["versions"] = [version(rng) for _ in range(rng.randint(1, 6))]
        records.append({"id": f"OSV-{i:07d}", "modified": "2026-01-01T00:00:00Z",
                        "aliases": [f"CVE-2026-{i:06d}"], "affected": [affected]})  # fmt: skip
    return records


def make_components(count: int, packages: int, rng: random.Random) -> list[tuple[str, str, str]]:
    components = []
    for i in range(count):
        ecosystem, purl_type = ECOSYSTEMS[i % 4]
        n = int(packages * rng.random() ** 3) if i % 3 else packages + i  # a third unknown
        _, path = package_name(ecosystem, n)
        v = version(rng)
        components.append((f"pkg:{purl_type}/{path}@{v}", path.rsplit("/", 1)[-1], v))
    return components


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine(records: list[dict], components: list[tuple[str, str, str]]) -> int:
    from hygeia.vendors import matching

    started = time.perf_counter()
    index = matching.Index()
    for record in records:
        index.add(record["id"], record["affected"])
    built = time.perf_counter() - started
    started = time.perf_counter()
    matched = vulnerable = 0
    for purl, name, v in components:
        found = matching.match_component(index, purl, name, v)
        matched += len(found)
        vulnerable += bool(found)
    elapsed = time.perf_counter() - started
    print(f"hygeia index: {len(records):,} records in {built:.2f} s "
          f"({len(records) / built:,.0f} records/s)")  # fmt: skip
    print(f"hygeia match: {len(components):,} components in {elapsed:.2f} s "
          f"({len(components) / elapsed:,.0f} components/s); {vulnerable:,} vulnerable "
          f"components, {matched:,} matches; peak RSS {peak_mb():,.0f} MB")  # fmt: skip
    return matched


def reference(records: list[dict], components: list[tuple[str, str, str]], folder: Path) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hygeia.vendors.matching import package_of_purl

    affected = pa.table({
        "id": [r["id"] for r in records],
        "ecosystem": [r["affected"][0]["package"]["ecosystem"].lower() for r in records],
        "name": [r["affected"][0]["package"]["name"].lower() for r in records],
    })  # fmt: skip
    keys = [package_of_purl(p) for p, _, _ in components]
    comps = pa.table({
        "ecosystem": [k[0].lower() if k else "" for k in keys],
        "name": [k[1] if k else "" for k in keys],
        "version": [k[2] if k else "" for k in keys],
    })  # fmt: skip
    pq.write_table(affected, folder / "affected.parquet")
    pq.write_table(comps, folder / "components.parquet")
    con = duckdb.connect()
    started = time.perf_counter()
    pairs = con.execute(
        f"SELECT count(*) FROM '{folder / 'components.parquet'}' c "
        f"JOIN '{folder / 'affected.parquet'}' a USING (ecosystem, name)"
    ).fetchone()[0]
    elapsed = time.perf_counter() - started
    print(f"duckdb join (reference): {len(components):,} components x {len(records):,} records "
          f"on (ecosystem, name) in {elapsed:.2f} s ({len(components) / elapsed:,.0f} "
          f"components/s); {pairs:,} candidate pairs (before version checks)")  # fmt: skip


def through_the_database(records: list[dict], components: list, folder: Path) -> None:
    os.environ["HYGEIA_DATA_DIR"] = str(folder / "data")
    os.environ["DATABASE_URL"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from hygeia.vendors import exposure, vulns
    from hygeia.vendors.models import Product, Vendor

    feed = folder / "osv.json"
    feed.write_text(json.dumps(records))
    started = time.perf_counter()
    report = vulns.import_path(feed)
    imported = time.perf_counter() - started
    print(f"database: OSV import {report.stored:,} records in {imported:.1f} s "
          f"({report.stored / imported:,.0f} records/s)")  # fmt: skip
    bom = folder / "bom.json"
    listed = [{"type": "library", "name": n, "version": v, "purl": p} for p, n, v in components]
    bom.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": listed})
    )
    vendor = Vendor.objects.create(legal_name="Benchmark")
    product = Product.objects.create(vendor=vendor, name="Estate")
    started = time.perf_counter()
    exposure.add_sbom(product, bom)  # parses, stores components, re-matches, stores matches
    elapsed = time.perf_counter() - started
    [row] = exposure.exposure([product.pk])
    print(f"database: SBOM of {row['components']:,} components attached and matched in "
          f"{elapsed:.1f} s ({row['components'] / elapsed:,.0f} components/s); "
          f"{row['vulnerable_components']:,} vulnerable; peak RSS {peak_mb():,.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--components", type=int, default=100_000)
    parser.add_argument("--packages", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", action="store_true", help="also the full database path")
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 - synthetic data, not secrets
    records = make_records(args.records, args.packages, rng)
    components = make_components(args.components, args.packages, rng)
    print(f"{args.records:,} OSV records, {args.components:,} components (seed {args.seed})")
    with tempfile.TemporaryDirectory() as folder:
        engine(records, components)
        reference(records, components, Path(folder))
        if args.database:
            through_the_database(records, components, Path(folder))


if __name__ == "__main__":
    main()
