"""How fast Hygeia's audit trail appends and verifies, against references measured in the same
run: plain inserts of the same rows without the chain (what the chain costs on writes) and
hashing the same payloads in memory (the floor for verification).

Run:  make bench        (or: .venv/bin/python benchmarks/audit_chain.py --entries 20000)
With DATABASE_URL=postgres://…/hygeia_bench it measures PostgreSQL; it empties the audit
tables of that database, so it refuses any database whose name does not end in "bench".
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=20_000)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if url and not url.rstrip("/").endswith("bench"):
        sys.exit("refusing: DATABASE_URL must name a database ending in 'bench' (it is emptied)")
    work = Path(tempfile.mkdtemp(prefix="hygeia-bench-"))
    os.environ.setdefault("HYGEIA_DATA_DIR", str(work))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from hygeia.core import audit
    from hygeia.core.models import AuditEntry, AuditHead

    call_command("migrate", verbosity=0)
    with audit.suspended(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry")
        cursor.execute("DELETE FROM core_audithead")
    n = args.entries
    details = {"patients": [f"{i:08d}-0000-4000-8000-000000000000" for i in range(3)]}

    started = time.perf_counter()
    for i in range(n):
        audit.record(
            audit.Action.VIEW_PHI,
            summary=f"patient record {i}",
            details=details,
            object_type="privacy.patient",
            object_id=i,
        )
    chained = time.perf_counter() - started

    # Reference 1: the same rows inserted one transaction each, without the chain.
    rows = list(AuditEntry.objects.order_by("seq")[: min(n, 5000)])
    with audit.suspended(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain")
        cursor.execute("CREATE TABLE bench_plain AS SELECT * FROM core_auditentry WHERE 1=0")
    started = time.perf_counter()
    for row in rows:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain (id, seq, uuid, at, actor, actor_id, source_ip, action, "
                "outcome, object_type, object_id, patient_ref, summary, details, prev_hash, "
                "entry_hash) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                [
                    row.pk,
                    row.seq,
                    str(row.uuid),
                    row.at,
                    row.actor,
                    row.actor_id,
                    row.source_ip,
                    row.action,
                    row.outcome,
                    row.object_type,
                    row.object_id,
                    row.patient_ref,
                    row.summary,
                    json.dumps(row.details),
                    row.prev_hash,
                    row.entry_hash,
                ],
            )
    plain = (time.perf_counter() - started) / len(rows) * n
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain")

    started = time.perf_counter()
    result = audit.verify()
    verified = time.perf_counter() - started
    assert result.ok and result.checked == n, result.problems

    # Reference 2: hashing the same canonical payloads, already in memory.
    payloads = [
        json.dumps(audit.canonical_content(e), sort_keys=True, separators=(",", ":")).encode()
        for e in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    ]
    started = time.perf_counter()
    for payload in payloads:
        hashlib.sha256(payload).hexdigest()
    hashing = time.perf_counter() - started

    head = AuditHead.objects.get()
    print(f"database: {connection.vendor}; entries: {n}; head #{head.seq}")
    print(f"append (hash chain, one transaction each): {n / chained:10,.0f} entries/s")
    print(f"  reference: plain insert, same rows      : {n / plain:10,.0f} entries/s")
    print(f"verify (read + recompute + link)          : {n / verified:10,.0f} entries/s")
    print(f"  reference: sha256 of payloads in memory : {n / hashing:10,.0f} entries/s")
    print(f"peak memory: {_peak_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
