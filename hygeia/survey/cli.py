"""`hygeia survey`: the benchmark and an edition's published aggregates from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hygeia.core.cli_parsers import action

BENCHMARK_HELP = """\
The organization's survey answers against published peer figures, per question. Where a
question is not answered yet and Hygeia's own records suggest an answer (AI approvals,
privacy monitoring, vendor coverage, training, phishing simulations), the proposal is shown
with its evidence and "proposed": true. `peer` lists the published distribution by year
with its source; a share that was not published is null (unknown), never estimated.

Examples:
  hygeia survey benchmark
  hygeia survey benchmark --json | jq '.[] | select(.proposed)'
"""

AGGREGATE_HELP = """\
An edition's results per question and segment (all respondents, organization type, size,
region, respondent role): the number answering, counts and shares per answer. A cell with
fewer than 5 responses is suppressed, and a second one where the first could be derived
from the total; suppressed cells carry no numbers ("suppressed": true).

Examples:
  hygeia survey aggregate 2026 --json
  hygeia survey aggregate 2026 --csv aggregates-2026.csv --pdf report-2026.pdf
"""


def cmd_benchmark(args: argparse.Namespace) -> int:
    from hygeia.survey import benchmark

    rows = benchmark.rows()
    if args.json:
        print(json.dumps([r.as_json() for r in rows], indent=2, default=str))
        return 0
    for row in rows:
        flag = " (proposed)" if row.proposed else ""
        print(f"{row.question_id:22} {row.answer_label or '—'}{flag}")
        if row.evidence:
            print(f"{'':22} evidence: {row.evidence}")
        comparison = benchmark.comparison(row)
        if comparison:
            print(f"{'':22} {comparison}")
    return 0


def cmd_aggregate(args: argparse.Namespace) -> int:
    from hygeia.survey import aggregate, report
    from hygeia.survey.models import Edition

    edition = Edition.objects.filter(key=args.edition).first()
    if edition is None:
        keys = ", ".join(Edition.objects.values_list("key", flat=True)) or "none yet"
        print(f"hygeia survey: no edition {args.edition!r} (editions: {keys})", file=sys.stderr)
        return 2
    cells = aggregate.aggregate(edition)
    if args.csv:
        Path(args.csv).write_text(aggregate.csv_text(edition, cells), encoding="utf-8")
    if args.pdf:
        Path(args.pdf).write_bytes(report.pdf_report(edition))
    if args.json:
        print(json.dumps([c.as_json() for c in cells], indent=2))
        return 0
    for cell in cells:
        figures = (
            "suppressed"
            if cell.suppressed
            else f"n={cell.n} " + ", ".join(f"{k} {v:g}%" for k, v in cell.shares.items() if v)
        )
        print(f"{cell.question_id:22} {cell.dimension}: {cell.segment_label:28} {figures}")
    return 0


def cmd_editions(args: argparse.Namespace) -> int:
    from hygeia.survey.editions import progress
    from hygeia.survey.models import Edition

    rows = [
        {"key": e.key, "title": e.title, "year": e.year, "status": e.status,
         "closes_on": e.closes_on.isoformat(), **progress(e)}
        for e in Edition.objects.all()
    ]  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['key']:10} {row['status']:7} {row['submitted']:>4}/{row['invited']:<4} "
                  f"{row['title']}")  # fmt: skip
    return 0


def register(sub: Any, command_group: Any, json_flag: Any) -> None:
    actions = command_group(
        sub,
        "survey",
        "The healthcare cybersecurity survey: our benchmark, and editions run across "
        "organizations.",
        "The healthcare cybersecurity survey. Two uses: our own answers set against published "
        "peer figures (answered on the Survey page, where Hygeia proposes answers from its "
        "records), and editions run across organizations (opened, invited and closed on the "
        "Survey page by a Survey Organizer). These commands read the results, for scripts and "
        "publications. See docs/survey.md.",
    )
    p = action(actions, "benchmark", cmd_benchmark,
               "our answers against published peer figures", BENCHMARK_HELP)  # fmt: skip
    json_flag(p)
    p = action(actions, "aggregate", cmd_aggregate,
               "an edition's results by segment (small cells suppressed)",
               AGGREGATE_HELP)  # fmt: skip
    p.add_argument("edition", metavar="EDITION", help="the edition's key, e.g. 2026")
    p.add_argument("--csv", metavar="FILE", help="also write the aggregates as CSV")
    p.add_argument("--pdf", metavar="FILE", help="also write the edition's report as PDF")
    json_flag(p)
    p = action(actions, "editions", cmd_editions, "editions with their response counts")
    json_flag(p)
