"""The `hygeia` command line: one entry point for operators and scripts.

Every command honours HYGEIA_DATA_DIR and DATABASE_URL; every command that reports figures
accepts --json and then prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hygeia.core import cli_errors
from hygeia.core.cli_parsers import Parser, day, input_file, secret_file

EPILOG = """\
Configuration comes from environment variables (see the README): HYGEIA_DATA_DIR chooses the
data directory (default ./var) and DATABASE_URL the database (default: SQLite in the data
directory).

First steps:
  hygeia init --admin alice --password-file ./alice.pw --no-input
  hygeia serve                       # http://127.0.0.1:8000
  hygeia check                       # is this installation safe to run?

Try it with synthetic data:
  hygeia demo

Exit status: 0 done; 1 done, and something needs attention (a failed check, rejected rows,
PHI found); 2 not done, for a reason the message gives with what to do (a wrong argument,
file or id, a database that is unreachable or not initialised); 70 an error of Hygeia's, in
the application log under the reference shown.
"""


def _print_json(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, indent=2, default=str))


@contextmanager
def _progress(total: int | None, label: str, quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (hidden with --json or when stderr is not a terminal)."""
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        desc=label,
        unit=" items",
        disable=True if quiet else None,
        file=sys.stderr,
        dynamic_ncols=True,
    )

    def step(count: int) -> None:
        bar.update(count)

    try:
        yield step
    finally:
        bar.close()


def _fail(message: str, code: int = 1) -> int:
    print(f"hygeia: {message}", file=sys.stderr)
    return code


# --- init ------------------------------------------------------------------------------------


def _admin_password(args: argparse.Namespace) -> str | None:
    if args.password_file:
        return secret_file(args.password_file)
    if os.environ.get("HYGEIA_ADMIN_PASSWORD"):
        return os.environ["HYGEIA_ADMIN_PASSWORD"]
    if args.no_input or not sys.stdin.isatty():
        return None
    first = getpass.getpass(f"Password for {args.admin}: ")
    if first != getpass.getpass("Again: "):
        raise cli_errors.UserError("the two passwords differ; run `hygeia init` again.")
    return first


def initialize(organization: str = "") -> dict[str, Any]:
    """Create or upgrade the database and sync roles; safe to run any number of times."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from hygeia.core.checks import pending_migrations
    from hygeia.core.models import Organization

    data_dir = Path(settings.DATA_DIR)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pending = pending_migrations()
    call_command("migrate", interactive=False, verbosity=0)
    if organization:
        org = Organization.objects.first() or Organization(name=organization)
        org.name = organization
        org.save()
    return {"data_dir": str(data_dir), "database": connection.vendor, "migrations_applied": pending}


def cmd_init(args: argparse.Namespace) -> int:
    from django.contrib.auth import password_validation
    from django.contrib.auth.models import Group
    from django.core.exceptions import ValidationError

    from hygeia.core.models import User
    from hygeia.core.roles import ADMINISTRATOR

    result = initialize(args.organization or os.environ.get("HYGEIA_ORGANIZATION", ""))
    username = args.admin or os.environ.get("HYGEIA_ADMIN_USERNAME", "")
    admin_state = "not requested"
    if username:
        args.admin = username
        existing = User.objects.filter(username__iexact=username).first()
        if existing:
            existing.groups.add(Group.objects.get(name=ADMINISTRATOR))
            admin_state = "exists (password unchanged)"
        else:
            password = _admin_password(args)
            if not password:
                return _fail(
                    f"no password for {username}: use --password-file, HYGEIA_ADMIN_PASSWORD, "
                    "or run without --no-input to be asked",
                    2,
                )
            candidate = User(username=username, email=args.email or "")
            try:
                password_validation.validate_password(password, candidate)
            except ValidationError as error:
                return _fail(f"password for {username} refused: {' '.join(error.messages)}", 2)
            candidate.set_password(password)
            candidate.email = args.email or os.environ.get("HYGEIA_ADMIN_EMAIL", "")
            candidate.save()
            candidate.groups.add(Group.objects.get(name=ADMINISTRATOR))
            admin_state = "created"
    result["administrator"] = {"username": username or None, "state": admin_state}
    if args.json:
        _print_json(result)
    else:
        print(
            f"Database ready ({result['database']}, {result['migrations_applied']} "
            f"migrations applied); data in {result['data_dir']}."
        )
        if username:
            print(
                f"Administrator {username}: {admin_state}. MFA enrolment is asked at first sign-in."
            )
        print("Next: `hygeia serve`, then open http://127.0.0.1:8000")
    return 0


# --- serve and demo --------------------------------------------------------------------------


def _free_to_listen(bind: str) -> None:
    """Refuse, in one sentence, an address the server could not listen on (gunicorn would
    retry for several seconds and then stop with a log of its own)."""
    import errno
    import socket

    if bind.startswith(("unix:", "fd://")):
        return  # gunicorn's socket file or inherited descriptor: nothing to probe
    host, sep, port_text = bind.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise cli_errors.UserError(
            f"--bind {bind}: give an address and a port, e.g. 127.0.0.1:8000."
        )
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - what gunicorn makes of ":8000"
    try:
        family = socket.getaddrinfo(host, int(port_text), type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror:
        raise cli_errors.UserError(f"--bind {bind}: no such address {host!r}.") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port_text)))
        except OSError as exc:
            reason = {
                errno.EADDRINUSE: "the address is already in use (is Hygeia already running?)",
                errno.EACCES: "this user may not listen there (ports under 1024 need privileges)",
                errno.EADDRNOTAVAIL: "this machine has no such address",
            }.get(exc.errno or 0, exc.strerror or str(exc))
            raise cli_errors.UserError(
                f"cannot listen on {bind}: {reason}; stop the other server or choose another "
                "address with --bind."
            ) from None


def _serve(bind: str, workers: int) -> int:
    from django.conf import settings
    from django.db import connections
    from gunicorn.app.base import BaseApplication

    from hygeia.core import logsafe
    from hygeia.wsgi import application

    _free_to_listen(bind)
    from django.urls import get_resolver

    # Import every view here, once, before forking: each worker then answers its first request
    # at once instead of importing the whole application then.
    get_resolver().url_patterns  # noqa: B018
    connections.close_all()  # never share a connection with forked workers

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": bind,
                "workers": workers,
                "threads": 4,
                "accesslog": "-",
                # %(U)s is the path without the query string: nothing typed into a GET form
                # reaches the log.
                "access_log_format": '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',
                "errorlog": "-",
                "logger_class": logsafe.gunicorn_logger_class(),
                "timeout": 120,
                "control_socket_disable": True,  # no runtime-control socket in $HOME
                "forwarded_allow_ips": ",".join(settings.TRUSTED_PROXIES) or "127.0.0.1",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    print(f"Hygeia is serving on http://{bind}  (Ctrl+C to stop)", flush=True)
    Server().run()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    return _serve(args.bind, args.workers)


def cmd_demo(args: argparse.Namespace) -> int:
    from hygeia.core import backup, demo

    if not args.no_serve:
        _free_to_listen(args.bind)  # before the minute of setting up, not after
    if args.reset:
        backup.wipe()
    initialize()
    accounts = demo.seed()
    with _progress(None, "synthetic hospital", args.json) as step:
        done = [0]

        def progress(position: int, total: int) -> None:
            step(max(0, position - done[0]))
            done[0] = position

        hospital = demo.hospital(args.hospital_staff, progress)
    if args.json:
        _print_json(
            {
                "accounts": [a.__dict__ for a in accounts],
                "url": f"http://{args.bind}",
                "hospital": hospital,
            }
        )
    elif accounts:
        if hospital:
            print(
                f"\nSynthetic hospital: {hospital['staff']:,} staff, {hospital['patients']:,} "
                f"patients, {hospital['access_events']:,} record accesses over "
                f"{hospital['days']} days, {hospital['explained_share']:.1%} explained "
                "automatically; "
                f"{hospital['alerts']:,} privacy alerts to review (Alerts page, as `privacy`)"
                + (
                    f"; case {hospital['sample_case']} is under way (Cases page)."
                    if hospital.get("sample_case")
                    else "."
                )
            )
            vendors = hospital.get("third_parties") or {}
            if vendors.get("assessments"):
                print(
                    f"Third parties: {vendors['vendors']} vendors, {vendors['assessments']} "
                    f"assessments in every state, {vendors['kev_products']} product(s) with "
                    "known-exploited vulnerabilities (Vendors page, as `vendors`)."
                )
            program = hospital.get("program") or {}
            if program.get("risks"):
                print(
                    f"Security program: {program['risks']} quantified risks, a CPG assessment "
                    "under way, phishing and training results, policies, budget and the board "
                    "report (Program page, as `ciso`)."
                )
            survey = hospital.get("survey") or {}
            if survey.get("responses"):
                print(
                    f"Survey: our answers with Hygeia's proposals to accept (Survey page, as "
                    f"`ciso`); an edition answered by {survey['responses']} synthetic "
                    "organizations, with its report (as `survey`)."
                )
        print("\nDemo accounts (the passwords are shown only now; keep them):\n")
        print(f"  {'username':<10} {'password':<20} role")
        for account in accounts:
            note = "  (sets up MFA at first sign-in)" if account.mfa_required else ""
            print(f"  {account.username:<10} {account.password:<20} {account.role}{note}")
        print()
    else:
        print(
            "Demo data already present; passwords were shown when it was created. "
            "`hygeia demo --reset` starts over."
        )
    if args.no_serve:
        return 0
    return _serve(args.bind, args.workers)


# --- check -----------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from hygeia.core import checks

    findings = checks.run(include_deployment=not args.no_deploy)
    failed = any(f.level == checks.FAIL for f in findings)
    if args.json:
        _print_json({"ok": not failed, "findings": [f.as_dict() for f in findings]})
    else:
        marks = {checks.OK: "ok  ", checks.WARN: "WARN", checks.FAIL: "FAIL"}
        for finding in findings:
            print(f"[{marks[finding.level]}] {finding.topic}: {finding.message}")
        print("\nSome checks failed." if failed else "\nNo blocking problem found.")
    return 1 if failed else 0


# --- backup and restore ----------------------------------------------------------------------


def cmd_backup(args: argparse.Namespace) -> int:
    from hygeia.core import audit, backup

    with _progress(backup.count_objects(), "backup", args.json) as step:
        result = backup.create(Path(args.output) if args.output else None, progress=step)
    audit.record(
        audit.Action.EXPORT,
        object_type="backup",
        summary=f"backup written to {result.path.name}",
        details={"objects": result.objects, "files": result.files},
    )
    if args.json:
        _print_json(result.as_dict())
    else:
        print(
            f"Backup written to {result.path} ({result.objects} records, {result.files} "
            f"files, {result.bytes / 1e6:.1f} MB). It holds patient data and MFA secrets: "
            "store it encrypted."
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from hygeia.core import backup

    archive = Path(args.archive)
    try:
        with _progress(None, "restore", args.json) as step:
            result = backup.restore(archive, force=args.force, progress=step)
    except backup.BackupError as error:
        return _fail(str(error))
    if args.json:
        _print_json(result.as_dict())
    else:
        print(f"Restored {result.objects} records and {result.files} files from {archive}.")
        print(
            "Audit trail: " + ("intact." if result.audit_ok else f"BROKEN — {result.audit_problem}")
        )
    return 0 if result.audit_ok else 1


# --- audit -----------------------------------------------------------------------------------


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from hygeia.core import audit
    from hygeia.core.models import AuditEntry

    with _progress(AuditEntry.objects.count(), "verify", args.json) as step:
        result = audit.verify(expect_head=args.expect_head, progress=step)
    if args.json:
        _print_json(result.as_dict())
    elif result.ok:
        print(
            f"Audit trail intact: {result.checked} entries; head #{result.head_seq} "
            f"{result.head_hash}"
        )
    else:
        print(f"Audit trail BROKEN: {result.first_problem}")
        for problem in result.problems[1:]:
            print(f"  also: {problem}")
    return 0 if result.ok else 1


def cmd_audit_export(args: argparse.Namespace) -> int:
    from hygeia.core import audit
    from hygeia.core.audit_export import describe_filter, filter_entries, iter_csv, iter_ndjson

    filters = {"who": args.who, "action": args.action, "since": args.since, "until": args.until}
    filters = {k: v for k, v in filters.items() if v}
    entries = filter_entries(**filters).order_by("seq")
    total = entries.count()
    render = iter_csv if args.format == "csv" else iter_ndjson
    to_stdout = args.output in (None, "-")
    handle = sys.stdout if to_stdout else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        with _progress(total, "export", to_stdout) as step:

            def counted() -> Iterator[Any]:
                for entry in entries.iterator(chunk_size=2000):
                    step(1)
                    yield entry

            for chunk in render(counted()):
                handle.write(chunk)
    finally:
        if not to_stdout:
            handle.close()
    audit.record(
        audit.Action.EXPORT,
        object_type="core.auditentry",
        summary=f"audit trail exported as {args.format} (command line)",
        details={"format": args.format, "filter": describe_filter(filters), "count": total},
    )
    if not to_stdout:
        print(f"Wrote {total} entries to {args.output}", file=sys.stderr)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hygeia manage", *args.rest])
    return 0


# --- parser ----------------------------------------------------------------------------------


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of text"
    )


def command_group(sub: Any, name: str, summary: str, description: str) -> Any:
    """A command with actions of its own (`hygeia audit verify`); alone, it prints its help."""
    parser = sub.add_parser(name, help=summary, description=description)
    actions = parser.add_subparsers(title=f"{name} commands", metavar="ACTION")

    def usage(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(handler=usage)
    return actions


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="hygeia",
        description="Hygeia: security governance for hospitals — privacy monitoring, AI "
        "governance, third-party risk and the security program.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from hygeia import __version__

    parser.add_argument("--version", action="version", version=f"hygeia {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str, handler: Callable[[argparse.Namespace], int], summary: str, details: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=summary,
            description=f"{summary}\n\n{details}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(handler=handler)
        return p

    p = command(
        "init",
        cmd_init,
        "Create or upgrade the database and the first administrator.",
        "Safe to re-run: applies new migrations, refreshes roles from "
        "content/roles.yaml,\nand leaves an existing administrator's password alone.\n\n"
        "Examples:\n  hygeia init                                   # interactive\n"
        "  hygeia init --admin alice --password-file pw.txt --no-input\n"
        "  HYGEIA_ADMIN_USERNAME=alice HYGEIA_ADMIN_PASSWORD=... hygeia init --no-input",
    )
    p.set_defaults(database=cli_errors.CONNECTION)
    p.add_argument("--admin", metavar="USER", help="username of the first administrator")
    p.add_argument(
        "--password-file", type=input_file, metavar="FILE", help="file holding that user's password"
    )
    p.add_argument("--email", help="the administrator's e-mail address")
    p.add_argument("--organization", help="name of the hospital or health system")
    p.add_argument("--no-input", action="store_true", help="never prompt; fail instead")
    _json_flag(p)

    p = command(
        "serve",
        cmd_serve,
        "Run the web application (gunicorn + whitenoise).",
        "Put a TLS-terminating reverse proxy in front in production and set "
        "HYGEIA_TLS=true.\n\nExample:\n  hygeia serve --bind 0.0.0.0:8000 --workers 4",
    )
    p.add_argument("--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default %(default)s)")

    p = command(
        "demo",
        cmd_demo,
        "Set up a synthetic hospital and serve it.",
        "Creates the database, one account per role (passwords printed once), and a\n"
        "synthetic hospital (staff, patients, a month of record accesses; see `hygeia\n"
        "privacy simulate`) ingested into the store, then serves http://127.0.0.1:8000.\n"
        "All data is made up.",
    )
    p.set_defaults(database=cli_errors.CONNECTION)
    p.add_argument("--bind", default="127.0.0.1:8000", help="address:port (default %(default)s)")
    p.add_argument("--workers", type=int, default=2, help="worker processes (default %(default)s)")
    p.add_argument("--no-serve", action="store_true", help="set up only; do not start the server")
    p.add_argument("--reset", action="store_true", help="erase all data first (new passwords)")
    p.add_argument(
        "--hospital-staff",
        type=int,
        default=200,
        metavar="N",
        help="size of the synthetic hospital's workforce (default %(default)s)",
    )
    _json_flag(p)

    p = command(
        "check",
        cmd_check,
        "Check configuration, database and security settings.",
        "Runs Hygeia's checks and Django's system and deployment checks. Exits 1\n"
        "when something must be fixed before going live; warnings are advice.",
    )
    p.set_defaults(database=cli_errors.NO_DATABASE)
    p.add_argument("--no-deploy", action="store_true", help="skip Django's deployment checks")
    _json_flag(p)

    p = command(
        "backup",
        cmd_backup,
        "Write a consistent archive of the database and data.",
        "The archive (tar.gz, mode 0600) holds every record as JSON Lines, the data\n"
        "directory's files and a checksummed manifest. It contains patient data and\n"
        "MFA secrets: store it encrypted.\n\nExample:\n  hygeia backup --output "
        "/secure/hygeia-$(date +%F).tar.gz",
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help="archive path (default $HYGEIA_DATA_DIR/backups/hygeia-TIMESTAMP.tar.gz)",
    )
    _json_flag(p)

    p = command(
        "restore",
        cmd_restore,
        "Restore a backup made by `hygeia backup`.",
        "Checks every checksum first, then replaces the database's content in one\n"
        "transaction and puts the data files back. Works across SQLite and PostgreSQL.\n"
        "Refuses a non-empty database unless --force is given.",
    )
    p.set_defaults(database=cli_errors.CONNECTION)
    p.add_argument("archive", type=input_file, help="the .tar.gz written by `hygeia backup`")
    p.add_argument("--force", action="store_true", help="replace a database that holds data")
    _json_flag(p)

    audit_sub = command_group(
        sub,
        "audit",
        "Verify or export Hygeia's own audit trail.",
        "Hygeia's hash-chained audit trail.",
    )

    p = audit_sub.add_parser(
        "verify",
        help="Check the hash chain; exit 1 naming the first bad entry.",
        description="Recomputes every entry's hash and link. Exit "
        "0 when intact, 1 when an entry was\nedited, inserted or deleted "
        "(the first bad entry is named).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_audit_verify)
    p.add_argument(
        "--expect-head",
        metavar="HASH",
        help="head hash recorded earlier outside Hygeia; detects a rewritten chain",
    )
    _json_flag(p)

    p = audit_sub.add_parser(
        "export",
        help="Export as FHIR AuditEvent NDJSON (IHE BALP) or CSV.",
        description="Writes the audit trail, oldest first. The export itself "
        "is recorded in the trail.\n\nExamples:\n  hygeia audit export "
        "--output audit.ndjson\n  hygeia audit export --format csv --since "
        "2026-01-01 --action view_phi",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_audit_export)
    p.add_argument("--format", choices=["ndjson", "csv"], default="ndjson")
    p.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    p.add_argument("--who", help="only entries whose actor contains this")
    p.add_argument("--action", help="only this action, e.g. login_failed, view_phi, export")
    p.add_argument("--since", type=day, help="from this day (YYYY-MM-DD)")
    p.add_argument("--until", type=day, help="up to and including this day")

    from hygeia.privacy.cli import register as register_privacy

    register_privacy(sub, command_group, _json_flag)

    from hygeia.ai.cli import register as register_ai

    register_ai(sub, command_group, _json_flag)

    from hygeia.vendors.cli import register as register_vendors

    register_vendors(sub, command_group, _json_flag)

    from hygeia.program.cli import register as register_program

    register_program(sub, command_group, _json_flag)

    from hygeia.survey.cli import register as register_survey

    register_survey(sub, command_group, _json_flag)

    from hygeia.core.notify_cli import register as register_webhooks

    register_webhooks(sub, command_group)

    p = command(
        "manage",
        cmd_manage,
        "Run a Django management command (for operators).",
        "Example:\n  hygeia manage showmigrations",
    )
    p.set_defaults(database=cli_errors.NO_DATABASE)
    p.add_argument("rest", nargs=argparse.REMAINDER, help="the command and its arguments")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hygeia.settings")
    os.umask(0o077)  # database, secret key, backups and uploads: readable by Hygeia only

    def command() -> int:
        from hygeia.core import audit

        with audit.acting_as(audit.Actor(name=f"cli:{getpass.getuser()}")):
            return int(handler(args))

    need = getattr(args, "database", cli_errors.SCHEMA)
    return cli_errors.run(command, need, f"command {handler.__module__}.{handler.__name__}")


if __name__ == "__main__":
    sys.exit(main())
