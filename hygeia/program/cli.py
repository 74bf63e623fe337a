"""`hygeia program`: frameworks and the quantified risk register from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hygeia.core.cli_parsers import action, group, input_file, print_rows, secret_file

FRAMEWORKS_HELP = """\
Frameworks are data. Bundled: HHS HPH Cybersecurity Performance Goals, NIST CSF 2.0 and the
HIPAA Security Rule, loaded at every `hygeia init`. Import adds another from a file: an OSCAL
catalog (JSON, as NIST publishes SP 800-53 or CSF 2.0) or Hygeia's own YAML/JSON format (see
docs/program.md). A version already loaded is left as it is.

Examples:
  hygeia program frameworks list --json
  hygeia program frameworks import NIST_SP-800-53_rev5_catalog.json
"""

RISK_HELP = """\
Simulate every open risk of the register, 100,000 years each (FAIR: loss event frequency and
loss magnitude as minimum / most likely / maximum, read as PERT distributions; Poisson events
a year). Prints per risk and for the portfolio the annualized loss expectancy (ale) and the
50th, 90th and 99th percentiles of the yearly loss. The same seed gives the same figures.

Example:
  hygeia program risk simulate --json --seed 7
"""


def cmd_frameworks_list(args: argparse.Namespace) -> int:
    from hygeia.program import frameworks
    from hygeia.program.models import Framework

    rows = [
        {"id": f.key, "version": f.version, "title": f.title,
         "requirements": f.requirements.filter(assessable=True).count(),
         "levels": frameworks.counts(f)}
        for f in Framework.objects.all()
    ]  # fmt: skip
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['id']:24} {row['version']:22} {row['requirements']:>5}  {row['title']}")
    return 0


def cmd_frameworks_import(args: argparse.Namespace) -> int:
    from hygeia.program import frameworks

    failed = 0
    for name in args.files:
        try:
            framework, created = frameworks.import_file(Path(name))
        except frameworks.FrameworkError as exc:
            print(f"hygeia: {exc}", file=sys.stderr)
            failed += 1
            continue
        count = framework.requirements.filter(assessable=True).count()
        state = "imported" if created else "already loaded"
        print(f"{framework.key} {framework.version}: {state}, {count} requirements")
    return 1 if failed else 0


def cmd_risk_simulate(args: argparse.Namespace) -> int:
    from hygeia.program import risks

    simulated, portfolio = risks.simulate_register(seed=args.seed, years=args.years)
    payload: dict[str, Any] = {
        "seed": args.seed,
        "years": args.years,
        "risks": [s.row() for s in simulated],
        "portfolio": portfolio.summary(),
    }
    portfolio_row = {"risk": "portfolio", "title": "", **payload["portfolio"]}
    return print_rows(
        [*payload["risks"], portfolio_row] if simulated else [],
        args.json,
        "The risk register is empty: add risks on the Program page.",
        f"{'risk':10} {'ALE':>14} {'p50':>14} {'p90':>14} {'p99':>14}  title",
        lambda row: (
            f"{row['risk']:10} {row['ale']:>14,.0f} {row['p50']:>14,.0f} "
            f"{row['p90']:>14,.0f} {row['p99']:>14,.0f}  {row['title']}"
        ),
        payload=payload,
    )


PHISHING_HELP = """\
Import phishing-simulation results from GoPhish: from its REST API (every campaign the API key
can see, with results and timeline; the key is read from a file so that it stays out of the
shell history and process list) or from a CSV export (results or raw events). Re-importing a
campaign updates it. Recipients are placed in departments from the staff roster, else from
GoPhish's `position` field.

Examples:
  hygeia program phishing import --gophish-url https://gophish.internal:3333 --api-key-file key.txt
  hygeia program phishing import "Q1 results.csv" --campaign "Q1 invoice lure"
"""


def cmd_phishing_import(args: argparse.Namespace) -> int:
    from hygeia.program import education

    try:
        if args.gophish_url:
            if not args.api_key_file:
                print("hygeia: --api-key-file is needed with --gophish-url", file=sys.stderr)
                return 2
            key = secret_file(args.api_key_file).strip()
            summaries = education.import_gophish_api(args.gophish_url, key)
        elif args.file:
            summaries = [education.import_gophish_csv(Path(args.file), args.campaign or "")]
        else:
            print("hygeia: give a CSV file or --gophish-url", file=sys.stderr)
            return 2
    except (OSError, education.EducationError) as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"campaigns": summaries}, indent=2))
    else:
        for item in summaries:
            print(f"{item['campaign']}: {item['recipients']} recipients")
    return 0


TRAINING_HELP = """\
Import training completions exported by a learning system (CSV). Columns are found by name:
the person (email, login or user id), name, department, course (course, course title,
module), assigned, due and completed dates (YYYY-MM-DD or MM/DD/YYYY). Re-importing the same
export changes nothing; a row with a bad date is reported with its line and skipped.

Example:
  hygeia program training import lms-export.csv
"""


def cmd_training_import(args: argparse.Namespace) -> int:
    from hygeia.program import education

    try:
        counts = education.import_training(Path(args.file))
    except education.EducationError as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(counts, indent=2))
    else:
        rejected = len(counts["rejected"]) + counts["rejected_omitted"]
        print(
            f"{counts['file']}: {counts['read']} rows read = {counts['stored']} stored + "
            f"{counts['unchanged']} unchanged + {rejected} rejected"
        )
        for problem in counts["rejected"]:
            print(f"  line {problem['line']}: {problem['error']}")
        if counts["rejected_omitted"]:
            print(f"  ... and {counts['rejected_omitted']} more rejected rows")
    return 1 if counts["rejected"] else 0


def register(sub: Any, command_group: Any, json_flag: Any) -> None:
    actions = command_group(
        sub,
        "program",
        "The security program: frameworks, the quantified risk register.",
        "The security program.",
    )
    framework_actions = group(actions, "frameworks", "List or import frameworks.", FRAMEWORKS_HELP)
    p = action(framework_actions, "list", cmd_frameworks_list,
               "frameworks with their requirement counts")  # fmt: skip
    json_flag(p)
    p = action(
        framework_actions, "import", cmd_frameworks_import,
        "add frameworks from OSCAL catalog JSON or Hygeia's format", FRAMEWORKS_HELP,
    )  # fmt: skip
    p.add_argument("files", type=input_file, nargs="+", metavar="FILE")

    risk_actions = group(actions, "risk", "The quantified risk register.", RISK_HELP)
    p = action(risk_actions, "simulate", cmd_risk_simulate,
               "Monte Carlo of every open risk and the portfolio", RISK_HELP)  # fmt: skip
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--years", type=int, default=100_000, help="simulated years per risk")
    json_flag(p)

    phishing_actions = group(actions, "phishing", "Phishing-simulation results (GoPhish).",
                             PHISHING_HELP)  # fmt: skip
    p = action(phishing_actions, "import", cmd_phishing_import,
               "from GoPhish's API or a CSV export", PHISHING_HELP)  # fmt: skip
    p.add_argument("file", type=input_file, nargs="?", metavar="FILE.csv")
    p.add_argument("--gophish-url", metavar="URL")
    p.add_argument("--api-key-file", type=input_file, metavar="FILE")
    p.add_argument("--campaign", metavar="NAME", help="name of the campaign in a CSV export")
    json_flag(p)

    training_actions = group(actions, "training", "Training completions from a learning system.",
                             TRAINING_HELP)  # fmt: skip
    p = action(training_actions, "import", cmd_training_import, "import a CSV export",
               TRAINING_HELP)  # fmt: skip
    p.add_argument("file", type=input_file, metavar="FILE.csv")
    json_flag(p)
