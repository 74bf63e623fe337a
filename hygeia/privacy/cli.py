"""`hygeia privacy ...`: ingest access logs and context, write a synthetic hospital."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

INGEST_HELP = """\
Reads files and folders (recursively) and stores what they hold in the analytics store
under $HYGEIA_DATA_DIR/lake. Each file is recognised by its name and header:

  <ResourceType>[.N].ndjson[.gz]   FHIR bulk export: AuditEvent, Patient, Practitioner,
                                   PractitionerRole, Organization, Encounter, Appointment,
                                   CareTeam (OperationOutcome files are skipped)
  *.csv with the roster columns    the HR staff roster (kept as a dated snapshot)
  *.csv / *.tsv                    an access-log export, read through a profile: shipped
                                   ones are recognised by their header, your own is named
                                   with --profile (see docs/formats.md)

Every record is stored, recognised as a duplicate of one stored earlier, or quarantined with
the reason and its file and line: read = stored + duplicate + quarantined. Re-running on the
same files stores nothing twice; a run that was killed is finished or undone by the next.
Exit status: 0 when every file was read, 1 when a file could not be read or recognised
(quarantined records alone do not fail the run).

Examples:
  hygeia privacy ingest export/fhir export/staff.csv
  hygeia privacy ingest access_log_2026-03.csv --profile epic-clarity-access-log
  hygeia privacy ingest audit.tsv --profile ./our-layout.yaml --json
"""

SIMULATE_HELP = """\
Writes a made-up hospital: a staff roster with departments, jobs and shifts; patients in
households (some of them staff or staff relatives); encounters, appointments and care teams;
and a month of record accesses by care teams, ancillary services, registration, coding and
billing, with daylight-saving changes inside the window. Labelled inappropriate accesses of
every kind the detectors look for are mixed in, and listed in truth/ground_truth.csv.

Writes OUT/fhir/<Type>.ndjson.gz, OUT/staff.csv and OUT/truth/ground_truth.csv.

Examples:
  hygeia privacy simulate ./hospital
  hygeia privacy simulate ./big --staff 8000 --patients 200000 --days 30 --seed 11
  hygeia privacy ingest ./hospital/fhir ./hospital/staff.csv
"""


def _print(report: dict[str, Any]) -> None:
    width = max([len("file")] + [len(f["path"]) for f in report["files"]])
    width = min(width, 70)
    print(f"{'file':<{width}}  {'read':>10} {'stored':>10} {'duplicate':>10} {'quarantined':>11}")
    for entry in report["files"]:
        path = entry["path"] if len(entry["path"]) <= width else "…" + entry["path"][-width + 1 :]
        if entry["status"] in ("failed", "skipped"):
            print(f"{path:<{width}}  {entry['status']}: {entry['error']}")
            continue
        print(
            f"{path:<{width}}  {entry['read']:>10,} {entry['stored']:>10,} "
            f"{entry['duplicate']:>10,} {entry['quarantined']:>11,}"
        )
        for reason, count in list(entry["reasons"].items())[:5]:
            print(f"{'':<{width}}    quarantined {count:,}: {reason}")
        for note, count in entry["notes"].items():
            print(f"{'':<{width}}    {note}: {count:,}")
    print(
        f"\nread {report['read']:,} = stored {report['stored']:,} + duplicate "
        f"{report['duplicate']:,} + quarantined {report['quarantined']:,}"
    )
    recovered = report["recovered"]
    if any(recovered.values()):
        print(
            f"(an earlier interrupted ingest was cleaned up: {recovered['rolled_forward']} "
            f"file(s) completed, {recovered['discarded']} discarded and to be re-read)"
        )
    if report["quarantined"]:
        print("Quarantined records are listed on the Sources page (with their file and line).")


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from hygeia.privacy.ingest import ingest

    bar = tqdm(
        total=0,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="ingest",
        disable=True if args.json else None,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        report = ingest([Path(p) for p in args.paths], profile=args.profile, progress=progress)
    finally:
        bar.close()
    payload = report.as_dict()
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        _print(payload)
    return 1 if report.failed else 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from hygeia.privacy.hospital import simulate

    summary = simulate(
        Path(args.out), staff=args.staff, patients=args.patients, days=args.days, seed=args.seed
    )
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
    else:
        for key, value in summary.items():
            print(f"{key:>22}: {value:,}" if isinstance(value, int) else f"{key:>22}: {value}")
    return 0


LISTEN_HELP = """\
Receives IHE ATNA audit messages sent by EHRs and other clinical systems over syslog
(RFC 5424): TCP (octet-counted or newline-framed), TLS (RFC 5425) and UDP (RFC 5426). What
arrives is committed to the store every --flush-seconds (and whenever --max-batch messages
are waiting); messages that are not ATNA are quarantined. Stops, after a last commit, on
Ctrl-C or SIGTERM.

Examples:
  hygeia privacy listen --tls 6514 --tls-cert server.pem --tls-key server.key
  hygeia privacy listen --bind 0.0.0.0 --tcp 6601 --udp 5514
"""


def cmd_listen(args: argparse.Namespace) -> int:
    import asyncio

    from hygeia.privacy.listen import Listener, tls_context

    if args.tcp is None and args.udp is None and args.tls is None:
        print("hygeia: name at least one of --tcp, --tls, --udp", file=sys.stderr)
        return 2
    context = None
    if args.tls is not None:
        if not (args.tls_cert and args.tls_key):
            print("hygeia: --tls needs --tls-cert and --tls-key", file=sys.stderr)
            return 2
        try:
            context = tls_context(args.tls_cert, args.tls_key)
        except (OSError, ValueError) as exc:
            print(f"hygeia: cannot load the TLS certificate or key: {exc}", file=sys.stderr)
            return 2
    listener = Listener(
        args.bind, args.tcp, args.udp, args.tls, context, args.flush_seconds, args.max_batch
    )
    totals = asyncio.run(listener.serve())
    if args.json:
        print(json.dumps(totals))
    else:
        print(
            f"received {totals['received']:,}: stored {totals['stored']:,}, duplicate "
            f"{totals['duplicate']:,}, quarantined {totals['quarantined']:,} "
            f"in {totals['commits']} commit(s)"
        )
    return 0


def register(sub: Any, command_group: Any, json_flag: Any) -> None:
    actions = command_group(
        sub,
        "privacy",
        "Privacy monitoring: ingest access logs, receive them live, simulate a hospital.",
        "Privacy monitoring of access to patient records.",
    )

    p = actions.add_parser(
        "ingest",
        help="Store EHR access logs and clinical context (FHIR, CSV, roster).",
        description=INGEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_ingest)
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to read")
    p.add_argument(
        "--profile",
        metavar="NAME_OR_FILE",
        help="CSV access-log profile: a shipped name (canonical, epic-clarity-access-log, "
        "millennium-audit-export) or a .yaml/.toml file",
    )
    json_flag(p)

    p = actions.add_parser(
        "listen",
        help="Receive ATNA audit messages over syslog (TCP, TLS, UDP).",
        description=LISTEN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_listen)
    p.add_argument("--bind", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--tcp", type=int, metavar="PORT", help="plain TCP port (e.g. 601)")
    p.add_argument("--tls", type=int, metavar="PORT", help="TLS port (syslog over TLS: 6514)")
    p.add_argument("--udp", type=int, metavar="PORT", help="UDP port (e.g. 514)")
    p.add_argument("--tls-cert", metavar="FILE", help="server certificate chain (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="its private key (PEM)")
    p.add_argument(
        "--flush-seconds", type=float, default=5.0, help="commit interval (default %(default)s)"
    )
    p.add_argument(
        "--max-batch", type=int, default=20_000, help="commit sooner at this many messages"
    )
    json_flag(p)

    p = actions.add_parser(
        "simulate",
        help="Write a synthetic hospital (FHIR, roster, labelled misuse).",
        description=SIMULATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_simulate)
    p.add_argument("out", metavar="OUT", help="folder to write (created if missing)")
    p.add_argument("--staff", type=int, default=2000, help="workforce size (default %(default)s)")
    p.add_argument(
        "--patients", type=int, default=0, help="patients (default: 10 per staff member)"
    )
    p.add_argument("--days", type=int, default=30, help="days of activity (default %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    json_flag(p)
