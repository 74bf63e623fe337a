"""`hygeia vendors`: third-party risk from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from hygeia.core.cli_errors import UserError
from hygeia.core.cli_parsers import action, day, group, input_file, print_rows

IMPORT_HELP = """\
Bring your vendor spreadsheet in (CSV, TSV or XLSX; one row per vendor and product). Headers
are matched loosely: Vendor (or Legal name), Aliases, Identifiers, Parent company, Contact
name/email/phone, Product, Product type, PHI data types, PHI volume (none, low, medium, high),
Network access (none, remote, integrated), EHR integration, Hosting, Clinical criticality,
Substitutability, Subcontractors, Contract, Contract start/end/value, Renewal date, Notice
date, Contract owner, BAA status, BAA signed, BAA expires, BAA document, Creates/Receives/
Maintains/Transmits PHI, and Product ID (as exported: it identifies the product, so that a
renamed one is updated). Lists are separated by ';'. Run it again after editing the sheet:
matching vendors and products are updated, nothing is duplicated. A bad row is reported with
its line and skipped; tiers are recomputed for the vendors touched.

Examples:
  hygeia vendors import vendors.xlsx
  hygeia vendors export --format xlsx --output vendors.xlsx
"""

SBOM_HELP = """\
Attach SBOMs to a product: CycloneDX (JSON or XML, 1.2-1.6) or SPDX 2.3 (JSON or tag-value);
the format is recognised from the content. The product's components are then matched against
the vulnerability data already imported (see `hygeia vendors vulns import`).

Examples:
  hygeia vendors products                      # the ids
  hygeia vendors sbom add --product 12 infusion-pump.cdx.json
  hygeia vendors sbom add --product "Acme Medical/Infusion pump" pump.spdx.json
"""

PRODUCTS_HELP = """\
Every product and service in the vendor register: its id (what --product takes, as does the
spreadsheet's Product ID column), vendor, name and inherent risk tier (1 highest).

Examples:
  hygeia vendors products
  hygeia vendors products --json | jq '.[] | select(.tier == 1)'
"""

PRODUCT_ARGUMENT = 'the product: its id, or "Vendor/Product" (see `hygeia vendors products`)'

VULNS_HELP = """\
Import vulnerability data from files (nothing is fetched): the CISA KEV catalog (its JSON
feed), OSV records (single JSON files, JSON lists, or an ecosystem's all.zip dump), and
CycloneDX VEX documents (a supplier's statements that a vulnerability does not affect its
product; matches they cover are shown as suppressed). Re-importing is harmless. Every SBOM is
re-matched afterwards, and a new known-exploited match asks for a reassessment.

Examples:
  hygeia vendors vulns import known_exploited_vulnerabilities.json
  hygeia vendors vulns import osv/Maven-all.zip osv/PyPI-all.zip vendor-vex.json
"""

EXPOSURE_HELP = """\
Per product with an SBOM: components, components with a known vulnerability, the CVE ids in
CISA's KEV catalog (`kev`), and all vulnerability ids. `kev_possible` lists KEV entries whose
vendor and product match a component's CPE (KEV does not say which versions: check them).

Example:
  hygeia vendors exposure --json | jq '.[] | select(.kev != [])'
"""

REMIND_HELP = """\
Run daily (cron or a systemd timer). E-mails vendors whose assessment is due in 7, 3 or 1
days; warns vendor managers 60, 30 and 7 days before a SOC 2, HITRUST, ISO 27001 or
penetration-test report or a BAA lapses; raises reassessment triggers for contract renewals
in the next 90 days and for vendors whose tier cadence comes due. Each reminder goes once.
"""

BREACH_HELP = """\
Import an export of the HHS OCR breach portal (CSV with 'Name of Covered Entity'). Entities
whose name resembles a vendor's legal name or alias are listed for review on the vendor
dashboard; confirming one asks for a reassessment.
"""


def _print(args: argparse.Namespace, payload: Any, text: str) -> None:
    print(json.dumps(payload, indent=2, default=str) if args.json else text)


def cmd_import(args: argparse.Namespace) -> int:
    from hygeia.vendors import records

    path = Path(args.file)
    try:
        with open(path, "rb") as handle:
            report = records.import_file(path.name, handle, path.stat().st_size, "cli")
    except (OSError, records.ImportError_) as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    payload = {
        "file": report.file,
        "read": report.read,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": [{"line": line, "error": error} for line, error in report.rejected],
        "vendors": len(report.vendors),
    }
    lines = [report.summary(), *(f"  line {ln}: {err}" for ln, err in report.rejected)]
    _print(args, payload, "\n".join(lines))
    return 1 if report.rejected else 0


def cmd_export(args: argparse.Namespace) -> int:
    from hygeia.vendors import records

    if args.format == "xlsx":
        if not args.output:
            print("hygeia: --output is needed for xlsx", file=sys.stderr)
            return 2
        Path(args.output).write_bytes(records.export_xlsx())
        return 0
    text = records.export_csv() if args.format == "csv" else records.export_json()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _product(identifier: str) -> Any:
    from hygeia.vendors import records

    found = records.products_named(identifier)
    if len(found) > 1:
        raise UserError(
            f"{identifier!r} names {len(found)} products (ids "
            f"{', '.join(str(p.pk) for p in found)}): give the id."
        )
    if not found:
        raise UserError(
            f'no product {identifier!r}: give its id or its exact "Vendor/Product" name, '
            "as `hygeia vendors products` lists them."
        )
    return found[0]


def cmd_products(args: argparse.Namespace) -> int:
    from hygeia.vendors import records

    def line(row: dict[str, Any]) -> str:
        tier = "-" if row["tier"] is None else str(row["tier"])
        return f"{row['id']:>5}  {tier:4}  {row['vendor'][:30]:30}  {row['product']}"

    return print_rows(
        records.product_rows(),
        args.json,
        "No products yet: `hygeia vendors import FILE` brings in a vendor spreadsheet.",
        f"{'id':>5}  {'tier':4}  {'vendor':30}  product",
        line,
    )


def cmd_sbom_add(args: argparse.Namespace) -> int:
    from hygeia.vendors import exposure, sbom

    product = _product(args.product)
    results, failed = [], 0
    for name in tqdm(args.files, desc="SBOMs", unit="file", disable=len(args.files) < 3):
        try:
            record, created = exposure.add_sbom(product, Path(name))
        except sbom.SbomError as exc:
            failed += 1
            results.append({"file": name, "error": str(exc)})
            continue
        results.append(
            {
                "file": name,
                "sbom": record.pk,
                "format": f"{record.format} {record.spec_version}",
                "components": record.components.count(),
                "added": created,
            }
        )
    row = next(iter(exposure.exposure([product.pk])), {})
    lines = [
        f"hygeia: {r['error']}" if "error" in r else
        f"{r['file']}: {r['format']}, {r['components']} components"
        + ("" if r["added"] else " (already attached)")
        for r in results
    ]  # fmt: skip
    if row:
        lines.append(
            f"{product}: {row['vulnerable_components']} vulnerable components, "
            f"KEV: {', '.join(row['kev']) or 'none'}"
        )
    _print(args, {"product": product.pk, "files": results, "exposure": row}, "\n".join(lines))
    return 1 if failed else 0


def cmd_vulns_import(args: argparse.Namespace) -> int:
    from hygeia.vendors import exposure, vulns

    reports, failed = [], 0
    for name in tqdm(args.files, desc="files", unit="file", disable=len(args.files) < 3):
        try:
            reports.append(vulns.import_path(Path(name)))
        except vulns.VulnFileError as exc:
            failed += 1
            print(f"hygeia: {exc}", file=sys.stderr)
    totals = exposure.rematch()
    payload = {
        "files": [r.__dict__ for r in reports],
        "failed": failed,
        "rematched": totals,
    }
    lines = [r.summary() for r in reports] + [
        f"re-matched {totals['products']} products: {totals['matches']} matches, "
        f"{totals['kev']} known-exploited ({totals['new_kev']} new)"
    ]
    _print(args, payload, "\n".join(lines))
    return 1 if failed else 0


def cmd_exposure(args: argparse.Namespace) -> int:
    from hygeia.vendors import exposure

    return print_rows(
        exposure.exposure(),
        args.json,
        "No product has an SBOM yet: `hygeia vendors sbom add --product ID FILE`.",
        f"{'product':30} {'vendor':25} {'comp':>5} {'vuln':>5}  KEV",
        lambda row: (
            f"{row['product'][:30]:30} {row['vendor'][:25]:25} {row['components']:>5} "
            f"{row['vulnerable_components']:>5}  {', '.join(row['kev']) or '-'}"
        ),
    )


def cmd_retier(args: argparse.Namespace) -> int:
    from hygeia.vendors import tiering
    from hygeia.vendors.models import Vendor

    changed = [v.legal_name for v in Vendor.objects.all() if tiering.retier(v)]
    _print(args, {"changed": changed}, f"{len(changed)} vendor(s) changed tier")
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from hygeia.vendors import monitor

    today = args.today or timezone.localdate()
    sent = monitor.remind(today)
    _print(
        args,
        {"today": today.isoformat(), **sent},
        f"{sent['assessments']} assessment reminder(s), {sent['evidence']} evidence and "
        f"{sent['baas']} BAA warning(s), {sent['triggers']} new reassessment trigger(s)",
    )
    return 0


def cmd_breaches(args: argparse.Namespace) -> int:
    from hygeia.vendors import monitor

    try:
        counts = monitor.import_breach_report(Path(args.file))
    except ValueError as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    _print(
        args,
        counts,
        f"{counts['read']} rows read = {counts['matched']} resembling a vendor + "
        f"{counts['unmatched']} others + {counts['rejected']} rejected",
    )
    return 0


def cmd_mds2(args: argparse.Namespace) -> int:
    from hygeia.vendors.importers import mds2, sheets

    product = _product(args.product)
    path = Path(args.file)
    try:
        with open(path, "rb") as handle:
            assessment = mds2.import_form(product, path.name, handle, path.stat().st_size)
    except (OSError, sheets.SheetError, mds2.Mds2Error) as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    count = assessment.answers.count()
    _print(
        args,
        {"assessment": assessment.number, "answers": count, "score": assessment.score},
        f"{assessment.number}: {count} MDS2 answers imported for {product} (score "
        f"{assessment.score})",
    )
    return 0


def cmd_caiq(args: argparse.Namespace) -> int:
    from hygeia.vendors.importers import caiq, sheets
    from hygeia.vendors.models import Vendor

    vendor = Vendor.objects.filter(pk=args.vendor).first() if args.vendor else None
    if args.vendor and vendor is None:
        raise UserError(
            f"no vendor {args.vendor}: `hygeia vendors products --json` gives vendor ids."
        )
    path = Path(args.file)
    try:
        with open(path, "rb") as handle:
            row, assessment = caiq.import_file(path.name, handle, path.stat().st_size, vendor)
    except (OSError, sheets.SheetError, caiq.CaiqError) as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    count = sum(len(s["questions"]) for s in row.definition["sections"])
    payload = {"questionnaire": f"{row.key} {row.version}", "questions": count,
               "assessment": assessment.number if assessment else None}  # fmt: skip
    _print(
        args,
        payload,
        f"{row.title}: {count} questions"
        + (f"; answers stored as {assessment.number}" if assessment else ""),
    )
    return 0


def register(sub: Any, command_group: Any, json_flag: Any) -> None:
    actions = command_group(
        sub,
        "vendors",
        "Third-party risk: vendors, BAAs, assessments, SBOMs and exploited vulnerabilities.",
        "Third-party risk management.",
    )
    p = action(
        actions, "import", cmd_import, "Import a vendor spreadsheet (CSV/XLSX).", IMPORT_HELP
    )
    p.add_argument("file", type=input_file, metavar="FILE")
    json_flag(p)
    p = action(actions, "export", cmd_export, "Export vendors (CSV, JSON or XLSX).", IMPORT_HELP)
    p.add_argument("--format", choices=("csv", "json", "xlsx"), default="csv")
    p.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")

    p = action(actions, "products", cmd_products, "List products with their ids and tiers.",
               PRODUCTS_HELP)  # fmt: skip
    json_flag(p)

    sbom_actions = group(actions, "sbom", "Attach SBOMs to products.", SBOM_HELP)
    p = action(sbom_actions, "add", cmd_sbom_add, "attach SBOM files to a product", SBOM_HELP)
    p.add_argument("--product", required=True, metavar="PRODUCT", help=PRODUCT_ARGUMENT)
    p.add_argument("files", type=input_file, nargs="+", metavar="FILE")
    json_flag(p)

    vuln_actions = group(actions, "vulns", "Import KEV, OSV and VEX files.", VULNS_HELP)
    p = action(
        vuln_actions, "import", cmd_vulns_import, "import vulnerability files and re-match",
        VULNS_HELP,
    )  # fmt: skip
    p.add_argument("files", type=input_file, nargs="+", metavar="FILE")
    json_flag(p)

    p = action(actions, "exposure", cmd_exposure, "Products carrying known vulnerabilities.",
               EXPOSURE_HELP)  # fmt: skip
    json_flag(p)
    p = action(
        actions, "retier", cmd_retier, "Recompute inherent risk tiers after editing the rules."
    )
    json_flag(p)
    p = action(actions, "remind", cmd_remind, "Daily reminders and reassessment triggers.",
               REMIND_HELP)  # fmt: skip
    p.add_argument("--today", type=day, metavar="DATE", help="pretend today is")
    json_flag(p)
    p = action(actions, "breaches", cmd_breaches, "Import an HHS OCR breach-portal export.",
               BREACH_HELP)  # fmt: skip
    p.add_argument("file", type=input_file, metavar="FILE")
    json_flag(p)
    p = action(
        actions, "mds2", cmd_mds2, "Import a manufacturer's completed MDS2 form for a product."
    )
    p.add_argument("--product", required=True, metavar="PRODUCT", help=PRODUCT_ARGUMENT)
    p.add_argument("file", type=input_file, metavar="FILE")
    json_flag(p)
    p = action(
        actions,
        "caiq",
        cmd_caiq,
        "Import a CSA CAIQ v4 spreadsheet (as a questionnaire, with answers if given).",
    )
    p.add_argument("--vendor", type=int, metavar="ID", help="store its answers for this vendor")
    p.add_argument("file", type=input_file, metavar="FILE")
    json_flag(p)
