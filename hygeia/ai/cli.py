"""`hygeia ai`: the AI inventory and CHAI model cards from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hygeia.core import cli_errors
from hygeia.core.cli_parsers import (
    action,
    day,
    input_file,
    input_file_or_stdin,
    input_path,
    print_rows,
)

MODELCARD_HELP = """\
CHAI Applied Model Card v0.2 (XML). Import validates each file against the schema (shipped
with Hygeia; nothing is fetched) and adds it to the inventory: the entry with the same model
name and developer is updated, otherwise a new model is proposed. The inventory fields and
the HTI-1 source attributes are filled from the card where still empty. Export writes
schema-valid XML: imported cards come back element for element; other entries get a card
built from their inventory fields.

Examples:
  hygeia ai modelcard import cards/*.xml
  hygeia ai modelcard export --all --output cards/
  hygeia ai modelcard export AI-0003 AI-0007 --output cards/
"""

INVENTORY_HELP = """\
The AI inventory as CSV or JSON, for spreadsheets and other systems. Import updates the entry
named in the `reference` column and creates entries without one; unknown columns and bad
values are reported by line and nothing of that file is saved.

Examples:
  hygeia ai inventory export --format csv --output inventory.csv
  hygeia ai inventory import inventory.csv
"""


def _actor() -> str:
    return "cli"


def cmd_modelcard_import(args: argparse.Namespace) -> int:
    from hygeia.ai import modelcard

    results: list[dict[str, Any]] = []
    failed = 0
    for name in args.files:
        path = Path(name)
        try:
            imported = modelcard.import_card(path.read_bytes(), str(path), _actor())
        except (OSError, modelcard.ModelCardError) as exc:
            failed += 1
            results.append({"file": str(path), "error": str(exc)})
            continue
        results.append(
            {
                "file": str(path),
                "reference": imported.tool.reference,
                "name": imported.tool.name,
                "created": imported.created,
            }
        )
    if args.json:
        print(
            json.dumps(
                {"imported": len(results) - failed, "failed": failed, "files": results}, indent=2
            )
        )
    else:
        for r in results:
            if "error" in r:
                print(f"hygeia: {r['error']}", file=sys.stderr)
            else:
                print(f"{r['reference']}  {'added' if r['created'] else 'updated'}  {r['name']}")
    return 1 if failed else 0


def cmd_modelcard_export(args: argparse.Namespace) -> int:
    from hygeia.ai import modelcard
    from hygeia.ai.models import AITool

    if not args.all and not args.ids:
        print("hygeia: name entries (AI-0001 ...) or pass --all", file=sys.stderr)
        return 2
    tools = list(
        AITool.objects.all() if args.all else AITool.objects.filter(reference__in=args.ids)
    )
    missing = sorted(set(args.ids or []) - {t.reference for t in tools})
    if missing:
        print(f"hygeia: no inventory entry {', '.join(missing)}", file=sys.stderr)
        return 2
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        target = out / f"{tool.reference}.xml"
        target.write_bytes(modelcard.export(tool))
        print(target)
    return 0


def cmd_inventory_export(args: argparse.Namespace) -> int:
    from hygeia.ai import inventory
    from hygeia.ai.models import AITool

    tools = AITool.objects.order_by("reference")
    text = inventory.export_csv(tools) if args.format == "csv" else inventory.export_json(tools)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_inventory_import(args: argparse.Namespace) -> int:
    from hygeia.ai import inventory

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"hygeia: {path}: {exc.strerror}", file=sys.stderr)
        return 2
    report = inventory.import_file(str(path), data, _actor())
    if args.json:
        print(json.dumps(report.__dict__, indent=2))
    else:
        for error in report.errors:
            print(f"hygeia: {error}", file=sys.stderr)
        if report.ok:
            print(f"{report.created} added, {report.updated} updated, {report.unchanged} unchanged")
    return 0 if report.ok else 1


SCAN_HELP = """\
Finds HIPAA Safe Harbor identifiers (names, dates, ages over 89, phone and fax numbers,
e-mail, SSN, MRN, health-plan, account, licence, device and vehicle numbers, URLs, IP
addresses, street addresses, ZIP codes) in text, offline, using patterns and this
installation's patient index. Prints one finding per line as type, start, end, confidence
(character offsets; the matched text only with --show), or the masked text with --mask.
Exit status 1 when anything was found, so scripts can block.

Examples:
  hygeia ai scan note.txt
  pbpaste | hygeia ai scan - --mask
  hygeia ai scan prompt.txt --json
"""

AI_INGEST_HELP = """\
Reads web-proxy logs into the event store (Parquet by day), with the same integrity rules
as the privacy ingest: re-reading a file or an overlapping one stores no duplicate, a killed
run is finished or rolled back by the next, and every line is stored, a duplicate, or
quarantined with its line number and reason (read = stored + duplicate + quarantined).
Formats (files may be gzipped):
  squid         Squid's native access.log
  squid-common  Squid's common or combined logformat
  zeek-dns      Zeek dns.log, TSV with its #fields header or JSON lines
  bind          BIND query log (its local times are read as UTC)
  kv            key=value feeds, tab- or space-separated, values bare or quoted
                (Zscaler NSS name-value feeds; profile zscaler-kv); zscaler is the same
  leef          LEEF 1.0/2.0 as gateways send to QRadar (profile leef)
  cef           CEF as gateways send to ArcSight (profile cef)
  jsonl         JSON lines; ECS, Netskope-style or generic keys (profile json)
  csv           CSV/TSV exports with a header row, through --profile: generic-csv,
                zscaler-tsv, netskope-csv
--profile names the fields to take: a shipped profile or your own YAML (copy one from
content/ai/web_profiles/). When no line of a file is stored, Hygeia says what is wrong with
its first line and which formats do read it, and the exit status is 1.

Examples:
  hygeia ai ingest /var/log/squid/access.log.1.gz
  hygeia ai ingest proxy-logs/ --json
  hygeia ai ingest --format zeek-dns /opt/zeek/logs/current/dns.log
  hygeia ai ingest --format leef /var/log/qradar/zscaler-web.log
  hygeia ai ingest --format csv --profile netskope-csv netskope-page-events.csv
"""

SHADOW_HELP = """\
Per AI service seen in the ingested web logs: service, vendor, category, whether an approved
inventory entry covers it, users, departments (from the staff roster of the last detection
run), requests, bytes received and sent, first and last seen. Services without approval are
shadow AI: review them, and add the ones people need to the inventory.

Joined with the PHI guard (prompts scanned through POST /api/ai/scan with a destination,
last 30 days): per service and department, prompts with PHI and how many were blocked or
masked; for a service without approval, how many users the guard stopped also sent it large
uploads (1 MiB or more, where the log records request sizes). With --json each service
carries these under "phi_guard".
"""

REMIND_HELP = """\
E-mails reviewers of AI request stages that have waited more than 5 days, and owners of
approved AI entries whose scheduled re-review is due within 30 days (or overdue). Run it
daily (cron or a systemd timer). Needs HYGEIA_SMTP_HOST.
"""


def cmd_scan(args: argparse.Namespace) -> int:
    from hygeia.ai import phi_guard

    if args.file in (None, "-"):
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            print(f"hygeia: {args.file}: {exc.strerror}", file=sys.stderr)
            return 2
    scanner = phi_guard.default_scanner()
    findings = scanner.scan(text)
    if args.mask:
        sys.stdout.write(scanner.mask(text, findings))
    elif args.json:
        shown = text if args.show else None
        print(json.dumps({"findings": [f.as_dict(shown) for f in findings],
                          "counts": phi_guard.summary(findings)}, indent=2))  # fmt: skip
    else:
        for f in findings:
            extra = f"\t{text[f.start : f.end]}" if args.show else ""
            print(f"{f.type}\t{f.start}\t{f.end}\t{f.confidence:.2f}{extra}")
    return 1 if findings else 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from hygeia.ai import web
    from hygeia.ai.sources.table import ProfileError

    try:
        report = web.ingest([Path(p) for p in args.paths], args.format, args.profile)
    except ProfileError as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, default=str))
    else:
        for f in report.files:
            if f.status != "committed":
                print(f"hygeia: {f.error or f.path}", file=sys.stderr)
                continue
            print(f"{f.path}: read {f.read} = stored {f.stored} + duplicate {f.duplicate} "
                  f"+ quarantined {f.quarantined}")  # fmt: skip
            if f.hint:
                print(f"hygeia: {f.path}: nothing stored: {f.hint}", file=sys.stderr)
    # a file none of whose lines was stored is a failure for a scheduled job to see
    return 1 if report.failed or any(f.hint for f in report.files) else 0


def cmd_shadow(args: argparse.Namespace) -> int:
    from hygeia.ai import web

    usage = web.shadow_report()
    if args.by_user:
        by_department = web.departments()
        people: list[dict[str, Any]] = [
            {"service": u.service, "user": user, "requests": n,
             "department": by_department.get(user, ""), "approved": u.approved}
            for u in usage for user, n in sorted(u.by_user.items(), key=lambda i: -i[1])
        ]  # fmt: skip
        if args.json:
            print(json.dumps(people, indent=2))
        else:
            for p in people:
                print(f"{p['service'][:28]:28} {p['user'][:30]:30} {p['requests']:>7}  "
                      f"{p['department']}")  # fmt: skip
        return 0

    def line(r: dict[str, Any]) -> str:
        approved = "yes" if r["approved"] else "NO"
        departments = ", ".join(r["departments"])[:60]
        return (f"{r['service'][:28]:28} {r['category']:10} {approved:8} "
                f"{r['users']:>5} {r['requests']:>9}  {departments}")  # fmt: skip

    status = print_rows(
        [u.as_dict() for u in usage],
        args.json,
        "No AI service in the ingested web logs (run `hygeia ai ingest` first).",
        f"{'service':28} {'category':10} {'approved':8} {'users':>5} {'requests':>9}  departments",
        line,
    )
    guarded = [u for u in usage if u.guard.get("prompts") or u.guard.get("their_large_uploads")]
    if guarded and not args.json:
        print(f"\nPHI guard, last {web.GUARD_DAYS} days, by service and department "
              "(prompts / with PHI / blocked / masked):")  # fmt: skip
        for u in guarded:
            g = u.guard
            print(f"  {u.service}: {g['prompts']} / {g['with_phi']} / {g['blocked']} / "
                  f"{g['masked']}")  # fmt: skip
            for d in g["by_department"]:
                print(f"    {d['department'] or '(no department)'}: {d['prompts']} / "
                      f"{d['with_phi']} / {d['blocked']} / {d['masked']}")  # fmt: skip
            if g["flagged_users_with_large_uploads"]:
                print(
                    f"    NOT APPROVED: {g['flagged_users_with_large_uploads']} user(s) the "
                    f"guard stopped sent it {g['their_large_uploads']} large upload(s)"
                )
    return status


def cmd_remind(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from hygeia.ai import intake

    today = args.today or timezone.localdate()
    sent = intake.remind(today)
    if args.json:
        print(json.dumps({"today": today.isoformat(), **sent}, indent=2))
    else:
        print(
            f"{sent['waiting']} reminder(s) for waiting stages, {sent['re_reviews']} for re-reviews"
        )
    return 0


def register(sub: Any, command_group: Any, json_flag: Any) -> None:
    actions = command_group(
        sub,
        "ai",
        "AI governance: the inventory of AI tools and their model cards.",
        "AI governance: inventory, model cards.",
    )
    cards = actions.add_parser(
        "modelcard",
        help="Import or export CHAI Applied Model Cards (v0.2 XML).",
        description=MODELCARD_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    card_actions = cards.add_subparsers(dest="modelcard_action", metavar="ACTION", required=True)
    p = action(
        card_actions,
        "import",
        cmd_modelcard_import,
        "validate and add cards to the inventory",
        MODELCARD_HELP,
    )
    p.add_argument("files", type=input_file, nargs="+", metavar="FILE")
    json_flag(p)
    p = action(
        card_actions,
        "export",
        cmd_modelcard_export,
        "write cards as schema-valid XML",
        MODELCARD_HELP,
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="inventory references, e.g. AI-0003")
    p.add_argument("--all", action="store_true", help="every inventory entry")
    p.add_argument("--output", required=True, metavar="DIR", help="folder to write into")

    inv = actions.add_parser(
        "inventory",
        help="Export or import the AI inventory (CSV, JSON).",
        description=INVENTORY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inv_actions = inv.add_subparsers(dest="inventory_action", metavar="ACTION", required=True)
    p = action(inv_actions, "export", cmd_inventory_export, "write the inventory", INVENTORY_HELP)
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    p = action(
        inv_actions,
        "import",
        cmd_inventory_import,
        "add or update entries from CSV or JSON",
        INVENTORY_HELP,
    )
    p.add_argument("file", type=input_file, metavar="FILE")
    json_flag(p)

    p = actions.add_parser(
        "remind",
        help="E-mail reviewers of waiting AI requests and owners of re-reviews coming due.",
        description=REMIND_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_remind)
    p.add_argument("--today", type=day, metavar="DATE", help="pretend today is this day")
    json_flag(p)

    p = actions.add_parser(
        "scan",
        help="Find (or mask) PHI in text before it goes to an AI tool.",
        description=SCAN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_scan, database=cli_errors.NO_DATABASE)
    p.add_argument(
        "file",
        type=input_file_or_stdin,
        nargs="?",
        metavar="FILE",
        help="text file, or - for standard input",
    )
    p.add_argument("--mask", action="store_true", help="print the text with identifiers masked")
    p.add_argument("--show", action="store_true", help="include the matched text in the output")
    json_flag(p)

    p = actions.add_parser(
        "ingest",
        help="Store web-proxy logs (Squid) for shadow-AI monitoring.",
        description=AI_INGEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_ingest)
    p.add_argument("paths", type=input_path, nargs="+", metavar="PATH", help="log files or folders")
    p.add_argument(
        "--format",
        choices=(
            "squid",
            "squid-common",
            "zeek-dns",
            "bind",
            "kv",
            "zscaler",
            "leef",
            "cef",
            "jsonl",
            "csv",
        ),
        default="squid",
    )
    p.add_argument(
        "--profile",
        metavar="NAME_OR_FILE",
        help="for csv, kv, leef, cef and jsonl: a shipped profile (generic-csv, zscaler-tsv, "
        "netskope-csv, zscaler-kv, leef, cef, json) or your own .yaml",
    )
    json_flag(p)

    shadow = actions.add_parser(
        "shadow",
        help="Report the AI services people use, approved or not.",
        description=SHADOW_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    shadow_actions = shadow.add_subparsers(dest="shadow_action", metavar="ACTION", required=True)
    p = action(
        shadow_actions,
        "report",
        cmd_shadow,
        "per AI service: users, requests, approval",
        SHADOW_HELP,
    )
    p.add_argument("--by-user", action="store_true", help="one row per service and user")
    json_flag(p)
