"""How fast an edition's published results are computed: every question by every segment,
with small-cell and complementary suppression, for a survey far larger than any published
one (HIMSS 2024 had 273 respondents).

Reference in the same run: DuckDB counting the same answers per question, segment and
option (GROUP BY over a long table of the same answers, in memory) — the bare tally without
suppression, skip logic or reading the responses from the database.

Run:  python benchmarks/survey_aggregate.py [--organizations 10000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    os.environ.setdefault("HYGEIA_DATA_DIR", tempfile.mkdtemp(prefix="hygeia-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    import duckdb
    import pyarrow as pa
    from django.core.management import call_command
    from django.utils import timezone

    from hygeia.survey import aggregate, demo
    from hygeia.survey import instrument as content
    from hygeia.survey.models import Edition, Participant, Response, ResponseVersion

    call_command("migrate", verbosity=0)
    form, figures = content.bundled()
    rng = random.Random(args.seed)  # noqa: S311 - synthetic answers
    regions = ["northeast", "midwest", "south", "west", "outside_us"]
    given = [
        demo._answers(form, figures, rng.choice(regions), rng) for _ in range(args.organizations)
    ]
    edition = Edition.objects.create(
        key="bench", title="Benchmark", year=2026, instrument=form.definition,
        closes_on=timezone.localdate(),
    )  # fmt: skip
    people = Participant.objects.bulk_create(
        Participant(name=f"Org {i}", contact_email=f"a@o{i}.example")
        for i in range(args.organizations)
    )
    responses = Response.objects.bulk_create(
        Response(edition=edition, participant=p) for p in people
    )
    versions = ResponseVersion.objects.bulk_create(
        ResponseVersion(response=r, number=1, answers=a, digest=ResponseVersion.digest_of(a))
        for r, a in zip(responses, given, strict=True)
    )
    for response, version in zip(responses, versions, strict=True):
        response.current = version
    Response.objects.bulk_update(responses, ["current"], batch_size=2000)

    started = time.perf_counter()
    cells = aggregate.aggregate(edition)
    elapsed = time.perf_counter() - started
    hidden = sum(c.suppressed for c in cells)
    print(f"hygeia: {args.organizations:,} responses -> {len(cells):,} cells ({hidden:,} "
          f"suppressed) in {elapsed:.2f} s ({args.organizations / elapsed:,.0f} responses/s); "
          f"peak RSS {_peak_mb():,.0f} MB")  # fmt: skip

    segments = [q.id for q in form.segments()]
    rows = [
        (n, q.id, str(v), *(str(a.get(s, "not_stated")) for s in segments))
        for n, a in enumerate(given)
        for q in form.questions
        if q.type in ("single", "multiple") and q.id in a
        for v in (a[q.id] if isinstance(a[q.id], list) else [a[q.id]])
    ]
    started = time.perf_counter()
    answers = pa.Table.from_arrays(
        [pa.array(column) for column in zip(*rows, strict=True)],
        names=["response", "question", "option", *segments],
    )
    connection = duckdb.connect()
    connection.register("answers", answers)
    loaded = time.perf_counter() - started
    sets = ", ".join(["(question, option)"] + [f"(question, option, {s})" for s in segments])
    started = time.perf_counter()
    counted = connection.execute(
        f"SELECT count(*) FROM (SELECT count(*) FROM answers GROUP BY GROUPING SETS ({sets}))"
    ).fetchone()
    reference = time.perf_counter() - started
    print(f"duckdb (reference): the same {len(rows):,} answers counted into "
          f"{counted[0] if counted else 0:,} groups in {reference:.3f} s "
          f"(+{loaded:.2f} s to hand them over as Arrow)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
