"""`hygeia privacy ...`: ingest access logs and context, write a synthetic hospital."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hygeia.core import cli_errors
from hygeia.core.cli_parsers import action, day, input_file, input_path, source_name

INGEST_HELP = """\
Reads files and folders (recursively) and stores what they hold in the analytics store
under $HYGEIA_DATA_DIR/lake. Each file is recognised by its name and header:

  <ResourceType>[.N].ndjson[.gz]   FHIR bulk export: AuditEvent, Patient, Practitioner,
                                   PractitionerRole, Organization, Encounter, Appointment,
                                   CareTeam (OperationOutcome files are skipped)
  *.csv with the roster columns    the HR staff roster (kept as a dated snapshot)
  *.csv / *.tsv [.gz]              an access-log export, read through a profile: shipped
                                   ones are recognised by their header, your own is named
                                   with --profile (see docs/formats.md)

Every record is stored, recognised as a duplicate of one stored earlier, or quarantined with
the reason and its file and line: read = stored + duplicate + quarantined. Re-running on the
same files stores nothing twice; a run that was killed is finished or undone by the next, and
nothing of an unfinished run is ever visible to detection or the web pages.

A record is a duplicate only when it says exactly what the stored one says. A record whose id
is taken by a different record (two systems that use the same ids, a server that reused its
ids after a rebuild) is a conflict: it is stored under an id of its own and counted on its
own line. Name each system with --source so that their ids never meet: an event's identity
is its source (--source, then the AuditEvent's observer reference or identifier, or the ATNA
AuditSourceID) and its own id.

The quarantine keeps the content of the first HYGEIA_QUARANTINE_KEEP (10,000) refused
records of a file and counts the rest by reason. A file whose first 100,000 records are all
refused is not read further, and nothing of it is stored: it is the wrong format or profile.
A reader that cannot read past a fault (a corrupt gzip stream, say) reports what it left
unread.

Exit status: 0 when every file was read whole, 1 when a file could not be read or
recognised, was read only in part, or had conflicts (quarantined records alone do not fail
the run), 2 when a path named does not exist (refused before anything is read).

Examples:
  hygeia privacy ingest export/fhir export/staff.csv
  hygeia privacy ingest access_log_2026-03.csv --profile epic-clarity-access-log
  hygeia privacy ingest audit.tsv --profile ./our-layout.yaml --json
  hygeia privacy ingest east/fhir --source epic-east
  hygeia privacy ingest west/fhir --source epic-west
"""

SIMULATE_HELP = """\
Writes a made-up hospital: a staff roster with departments, jobs and shifts; patients in
households (some of them staff or staff relatives); encounters, appointments and care teams;
and a month of record accesses by care teams, ancillary services, registration, coding and
billing, with daylight-saving changes inside the window. Labelled inappropriate accesses of
every kind the detectors look for are mixed in, and listed in truth/ground_truth.csv.

Writes OUT/fhir/<Type>.ndjson.gz, OUT/staff.csv and OUT/truth/ground_truth.csv (one row
per misuse: browsing, exporting and account misuse as the user's behaviour, with no
patient). With --style, also OUT/truth/misuse_pairs.csv: every record each misuse opened,
one row per user and patient, as a truth file that lists accesses would give it. Some styles
log accesses other than as FHIR AuditEvents: regional writes its EHR's CSV export (a gzip
file a day) and the profile for it, pediatric IHE ATNA messages (an XML file a day); the
summary printed ends with the ingest command for what was written.

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
        if entry["kept"] < entry["quarantined"]:
            print(
                f"{'':<{width}}    (the content of the first {entry['kept']:,} quarantined "
                "records is kept; the rest are counted by reason)"
            )
        if entry["conflicts"]:
            lines = ", ".join(str(n) for n in entry["conflict_lines"])
            print(
                f"{'':<{width}}    conflicts {entry['conflicts']:,}: id already used by a "
                f"different record, stored under an id of its own (lines {lines}, …)"
            )
        if entry["unread_bytes"]:
            counted = f", {entry['unread_records']:,} records" if entry["unread_records"] else ""
            print(f"{'':<{width}}    unread {entry['unread_bytes']:,} bytes{counted}")
        for note, count in entry["notes"].items():
            if not note.startswith("unread: "):
                print(f"{'':<{width}}    {note}: {count:,}")
    print(
        f"\nread {report['read']:,} = stored {report['stored']:,} + duplicate "
        f"{report['duplicate']:,} + quarantined {report['quarantined']:,}"
    )
    if report["conflicts"]:
        print(
            f"conflicts {report['conflicts']:,} (stored, under ids of their own): records whose "
            "id another record holds. If they come from another system, ingest each system "
            "with its own --source NAME."
        )
    if report["unread_bytes"]:
        counted = f" ({report['unread_records']:,} records)" if report["unread_records"] else ""
        print(
            f"unread {report['unread_bytes']:,} bytes{counted}: the rest of files that could "
            "not be read to their end (see above); fix or re-export them and ingest again."
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
        report = ingest(
            [Path(p) for p in args.paths],
            profile=args.profile,
            progress=progress,
            source=args.source or "",
        )
    finally:
        bar.close()
    payload = report.as_dict()
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        _print(payload)
    return 1 if report.needs_attention else 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from hygeia.privacy.hospital import simulate
    from hygeia.privacy.site_sim import simulate_style

    sizes = {"staff": args.staff, "patients": args.patients, "days": args.days, "seed": args.seed}
    try:
        summary = (
            simulate(Path(args.out), **sizes)
            if args.style == "classic"
            else simulate_style(Path(args.out), args.style, **sizes)
        )
    except ValueError as exc:
        raise cli_errors.UserError(str(exc)) from None
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
        args.bind,
        args.tcp,
        args.udp,
        args.tls,
        context,
        args.flush_seconds,
        args.max_batch,
        source=args.source or "",
    )
    totals = asyncio.run(listener.serve())
    if args.json:
        print(json.dumps(totals))
    else:
        print(
            f"received {totals['received']:,}: stored {totals['stored']:,}, duplicate "
            f"{totals['duplicate']:,}, quarantined {totals['quarantined']:,}, conflicts "
            f"{totals['conflicts']:,} in {totals['commits']} commit(s)"
        )
    return 1 if totals["conflicts"] else 0


DETECT_HELP = """\
Explains every access to a patient record in the period (the user is named on the
patient's encounter, care team or appointment, or is the patient's general practitioner;
works in a department that treated the patient; or does what the user's role routinely does
around the patient's visits, stays and appointment bookings, as learned from this site's
own accesses), runs every detector on what is left and on each user's behaviour, and stores
scored alerts, grouped into one incident per user, for review. Events before --since are
used as history (baselines); alerts are raised for events from --since up to, not
including, --until.

Labels, mining limits, thresholds and weights are configuration
(hygeia/content/privacy/detection.yaml; pass your own copy with --config); no department,
job title or duty window is.

Examples:
  hygeia privacy detect
  hygeia privacy detect --since 2026-10-01 --until 2026-11-01 --json
  hygeia privacy detect --engine spark --master local[2]
"""

ALERTS_HELP = """\
Writes the stored alerts for a SIEM or a spreadsheet, or sends them to a syslog collector.

Examples:
  hygeia privacy alerts export --format csv --output alerts.csv
  hygeia privacy alerts export --format ocsf --min-score 50
  hygeia privacy alerts send --to tls://siem.example.org:6514 --ca-file ca.pem
"""

EVALUATE_HELP = """\
Compares the alerts of the latest detection run with a ground-truth CSV (user_id,
patient_id, category; extra columns ignored) and prints recall per category, precision,
average precision of the score ranking, alerts per 1,000 users per day and the share of
accesses explained. `hygeia privacy simulate` writes such a file (truth/ground_truth.csv).

A row with a patient is found by an alert on that user and patient, or by an alert on the
user's behaviour (browsing, exporting, odd hours, a dead account) that names the patient
among its records; a row without one by any alert on the user. So a truth file may list a
browsing user once, or once per record browsed (truth/misuse_pairs.csv).

Example:
  hygeia privacy evaluate --truth hospital/truth/ground_truth.csv
"""


def cmd_detect(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from hygeia.privacy.detection.config import ConfigError
    from hygeia.privacy.detection.engines import EngineError
    from hygeia.privacy.detection.run import detect
    from hygeia.privacy.ingest import lake

    bar = tqdm(
        total=0, unit="step", desc="detect", disable=True if args.json else None, file=sys.stderr
    )

    def step(text: str, number: int, total: int) -> None:
        bar.total = total
        bar.set_description_str(text[:60])
        bar.update(number - 1 - bar.n)  # the steps done before this one

    try:
        outcome = detect(
            lake(),
            since=args.since,
            until=args.until,
            engine_name=args.engine,
            master=args.master,
            config_path=Path(args.config) if args.config else None,
            progress=step,
            budget=args.budget,
        )
    except (ConfigError, EngineError, ValueError) as exc:
        bar.close()
        print(f"hygeia: {exc}", file=sys.stderr)
        return 2
    bar.update((bar.total or 0) - bar.n)
    bar.close()
    run = outcome.run
    summary = {
        "run": run.pk,
        "since": run.since.isoformat(),
        "until": run.until.isoformat(),
        "engine": run.engine,
        **run.summary,
        "alerts": len(outcome.alerts),
        "incidents": len({a.user_id for a in outcome.alerts}),
        "alerts_by_detector": _count_detectors(outcome.alerts),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(
        f"{run.since} to {run.until} ({run.engine}): {summary['accesses']:,} accesses to "
        f"patient records by {summary['users']:,} users, {summary['explained_share']:.1%} "
        "explained"
    )
    for title, count in summary["explained_by"].items():
        print(f"  {count:>12,}  {title}")
    if summary["context_missing"]:
        print(f"  (no {', '.join(summary['context_missing'])} in the store)")
    _print_labels(summary)
    _print_accounts(summary.get("accounts") or {})
    practice = summary.get("test_records") or {}
    if practice.get("records"):
        print(
            f"{practice['records']:,} test or training record(s) left out of detection "
            f"({practice['recognised']:,} recognised from the data, {practice['accesses']:,} "
            "accesses): `hygeia privacy test-records list`"
        )
    budget = summary.get("budget") or {}
    print(
        f"{summary['alerts']:,} alerts in {summary['incidents']:,} incidents"
        + (
            f" (the budget of {budget['budget']:g} per 1,000 users per day, of "
            f"{budget['candidates']:,} candidates)"
            if budget.get("allowed")
            else ""
        )
    )
    for lane, count in (summary.get("lanes") or {}).items():
        print(
            f"  of which {count:,} in the {lane} lane, reviewed in full: the budget never cuts it"
        )
    for detector, count in summary["alerts_by_detector"].items():
        print(f"  {count:>6,}  {detector}")
    for detector, count in (summary.get("routine") or {}).items():
        print(f"  ({count:,} {detector} not raised: a third or more of the role showed it)")
    return 0


LABEL_NOTES = {
    "unknown_labels": "Security labels no label list names ({listed} record(s)): taken for "
    "the site's own flags, their records are in the restricted lane until each is given a "
    "meaning: add it to labels.vip, labels.restricted or labels.sensitive, or to "
    "labels.ordinary to ignore it (--config)",
    "common_restricted": "Restricted labels on a large share of the records ({listed} "
    "record(s)) mark a kind of care, not single records: their accesses are scored in the "
    "queue as sensitive, not all raised in the restricted lane; list the records to review "
    "in full with `hygeia privacy restricted add`",
}


def _print_labels(summary: dict[str, Any]) -> None:
    """What a run could not use of the records' security labels, and what to do about it."""
    for key, message in LABEL_NOTES.items():
        if summary.get(key):
            listed = ", ".join(f"{code} on {n:,}" for code, n in summary[key].items())
            print("  " + message.format(listed=listed))


def _print_accounts(kinds: dict[str, int]) -> None:
    """The population detection watched, and the accounts it left out as not the workforce."""
    from hygeia.privacy.detection.accounts import OUTSIDE, UNROSTERED

    outside = {kind: kinds[kind] for kind in OUTSIDE if kinds.get(kind)}
    if not outside and not kinds.get(UNROSTERED):
        return
    print("Accounts outside the workforce, left out of detection and of the budget:")
    for kind, count in outside.items():
        print(f"  {count:>12,}  {OUTSIDE[kind]}")
    if kinds.get(UNROSTERED):
        print(
            f"  {kinds[UNROSTERED]:,} account(s) on no roster that work like staff: "
            "watched, and each raised as unrostered_account"
        )


def _count_detectors(alerts: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for alert in alerts:
        for detector in alert.detectors:
            counts[detector] = counts.get(detector, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _alerts(args: argparse.Namespace) -> Any:
    from hygeia.privacy.models import Alert

    found = Alert.objects.filter(score__gte=args.min_score).order_by("-score", "key")
    if args.since:
        found = found.filter(first_event__date__gte=args.since)
    return found


def cmd_alerts_export(args: argparse.Namespace) -> int:
    from hygeia.core import audit
    from hygeia.privacy.detection import export

    writers = {"ndjson": export.ndjson, "csv": export.csv_lines, "ocsf": export.ocsf_lines}
    alerts = list(_alerts(args).iterator())
    out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        for chunk in writers[args.format](alerts):
            out.write(chunk)
    finally:
        if args.output:
            out.close()
    audit.record(
        "export",
        summary=f"exported {len(alerts)} privacy alert(s) as {args.format}",
        object_type="privacy_alerts",
        details={"format": args.format, "count": len(alerts), "min_score": args.min_score},
    )
    if args.output:
        print(f"wrote {len(alerts):,} alert(s) to {args.output}", file=sys.stderr)
    return 0


def cmd_alerts_send(args: argparse.Namespace) -> int:
    from hygeia.core import audit
    from hygeia.privacy.detection import export

    alerts = list(_alerts(args).iterator())
    try:
        sent = export.send(alerts, args.to, ca_file=args.ca_file)
    except export.SendError as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 1
    audit.record(
        "export",
        summary=f"sent {sent} privacy alert(s) as CEF over syslog",
        object_type="privacy_alerts",
        details={"to": args.to, "count": sent},
    )
    print(f"sent {sent:,} alert(s) to {args.to}", file=sys.stderr)
    return 0


def _latest_run() -> Any:
    """The latest detection run, or None after saying how to make one."""
    from hygeia.privacy.models import DetectionRun

    run = DetectionRun.objects.first()
    if run is None:
        print("hygeia: no detection run yet: run `hygeia privacy detect` first", file=sys.stderr)
    return run


def cmd_evaluate(args: argparse.Namespace) -> int:
    from hygeia.privacy.detection.evaluate import Judged, TruthError, evaluate, read_truth
    from hygeia.privacy.models import Alert

    run = _latest_run()
    if run is None:
        return 2
    try:
        truth = read_truth(Path(args.truth))
    except TruthError as exc:
        print(f"hygeia: {exc}", file=sys.stderr)
        return 2
    from hygeia.privacy.detection.detectors import QUEUE, lane_of

    alerts = [
        Judged(
            a.user_id,
            a.patient_id,
            a.score,
            frozenset(a.patients),
            "" if (lane := lane_of(a.detectors)) == QUEUE else lane,
        )
        for a in Alert.objects.filter(run=run).only(
            "user_id", "patient_id", "score", "patients", "detectors"
        )
    ]
    result = evaluate(
        truth,
        alerts,
        users=int(run.summary.get("users", 0)),
        days=(run.until - run.since).days,
        explained_share=run.explained_share,
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{'category':<20} {'truth':>6} {'recall':>7}")
    for category, recall in result["recall_by_category"].items():
        print(f"{category:<20} {result['truth_by_category'][category]:>6} {recall:>7.2f}")
    print(
        f"\nrecall {result['recall']:.3f}, precision {result['precision']:.3f}, average "
        f"precision {result['average_precision']:.3f}\n{result['alerts']:,} alerts, "
        f"{result['alerts_per_1000_users_per_day']:.2f} per 1,000 users per day "
        f"({result['users']:,} users, {result['days']} days); "
        f"{result['explained_share']:.1%} of accesses explained"
    )
    if len(result["by_lane"]) > 1:
        for lane, figures in result["by_lane"].items():
            print(
                f"  {lane if lane == 'queue' else lane + ' lane'}: {figures['alerts']:,} alerts "
                f"({figures['alerts_per_1000_users_per_day']:.2f} per 1,000 users per day), "
                f"precision {figures['precision']:.3f}, average precision "
                f"{figures['average_precision']:.3f}"
            )
    return 0


TUNE_HELP = """\
Refits detector weights from the dispositions of reviewed alerts (true or false positive): a
smoothed precision per detector, blended with the configured weight while there are few
reviews. With --apply they are written to $HYGEIA_DATA_DIR/detection/weights.yaml, which
`privacy detect` applies on top of the configuration. What counts as legitimate access is
not tuned here: it is learned from the data at every run (see `hygeia privacy templates`).

Examples:
  hygeia privacy tune
  hygeia privacy tune --apply
"""


def cmd_tune(args: argparse.Namespace) -> int:
    from django.conf import settings

    from hygeia.core import audit
    from hygeia.privacy.detection import feedback
    from hygeia.privacy.detection.config import load
    from hygeia.privacy.models import Alert

    config = load(Path(args.config) if args.config else None)
    reviewed = Alert.objects.exclude(disposition="")
    refits = feedback.refit_weights(
        config, [(a.detectors, a.disposition == "true_positive") for a in reviewed]
    )
    if args.apply and refits:
        path = feedback.weights_path(Path(settings.DATA_DIR))
        feedback.save_weights(path, refits)
        audit.record(
            "update",
            summary=f"detection weights refitted from {reviewed.count()} reviewed alerts",
            object_type="detection_weights",
            details={r.detector: [r.weight, r.new_weight] for r in refits},
        )
    if args.json:
        payload = {"weights": [r.__dict__ for r in refits], "applied": bool(args.apply and refits)}
        print(json.dumps(payload, indent=2))
        return 0
    print(f"{reviewed.count()} reviewed alert(s)")
    for r in refits:
        print(
            f"  {r.detector:<20} weight {r.weight:.2f} -> {r.new_weight:.2f} "
            f"({r.confirmed}/{r.reviewed} confirmed)"
        )
    if refits and not args.apply:
        print("  (not applied: add --apply)")
    return 0


REMIND_HELP = """\
E-mails breach notification deadlines (45 CFR 164.404-164.408) to the people who work cases
and want deadline e-mails: 14, 7, 3 and 1 days before, on the day, and daily once overdue.
Each reminder goes once; run it daily (cron or a systemd timer). Needs HYGEIA_SMTP_HOST.

Example:
  hygeia privacy remind            # today
  hygeia privacy remind --today 2026-03-01 --json
"""


def cmd_remind(args: argparse.Namespace) -> int:
    from django.utils import timezone

    from hygeia.core import notify
    from hygeia.privacy.cases import breach

    today = args.today or timezone.localdate()
    if not notify.email_enabled():
        print("hygeia: e-mail is off (set HYGEIA_SMTP_HOST); nothing sent", file=sys.stderr)
    sent = breach.send_reminders(today)
    due = [d for d in breach.all_deadlines(include_done=False)]
    result = {
        "today": today.isoformat(),
        "sent": sent,
        "open_deadlines": len(due),
        "overdue": sum(1 for d in due if d.due < today),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{sent} reminder(s) sent; {result['open_deadlines']} open deadline(s), "
            f"{result['overdue']} overdue"
        )
    return 0


TEMPLATES_HELP = """\
What detection learned from this site's accesses: for each role group, the paths from a user
to a patient (named on an episode, of its department, or the role's routine around an
encounter class, an appointment, its booking or a care-team period) and the time offsets
at which the group's members follow them far more often than chance (support and lift; see
docs/detection.md). Pin a template to apply it whatever the data shows; reject it to never
apply it (a pattern that should not count as legitimate). The next `privacy detect` uses
the decisions.

Examples:
  hygeia privacy templates list
  hygeia privacy templates list --json | jq '.[] | select(.lift < 2)'
  hygeia privacy templates reject 41
  hygeia privacy templates pin 17
"""


def cmd_templates(args: argparse.Namespace) -> int:
    from hygeia.core.cli_parsers import print_rows
    from hygeia.privacy import templates

    return print_rows(
        templates.rows(include_absent=args.all),
        args.json,
        "No template learned yet: `hygeia privacy detect` learns them from the accesses.",
        f"{'id':>5}  {'lift':>6}  {'share':>6}  {'decision':8}  role group / template",
        lambda r: (
            f"{r['id']:>5}  {r['lift']:>6.1f}  {r['share']:>6.1%}  "
            f"{r['decision'] or '-':8}  {r['role_group']}: {r['description']}"
        ),
    )


def _decide(decision: str) -> Any:
    def handler(args: argparse.Namespace) -> int:
        import getpass

        from hygeia.privacy import templates
        from hygeia.privacy.models import ExplanationTemplate

        found = ExplanationTemplate.objects.filter(pk=args.id).first()
        if found is None:
            raise cli_errors.UserError(
                f"no template {args.id}: `hygeia privacy templates list --all` lists them."
            )
        templates.decide(found, decision, f"cli:{getpass.getuser()}")
        print(f"template {found.pk} {decision or 'released'}: {found}")
        return 0

    return handler


RESTRICTED_HELP = """\
The site's own list of restricted records: those it restricts without a label on the record
(an executive's, a board member's, a patient in the news). Like records labelled restricted
or VIP (HL7 confidentiality R or V, CEL, VIP), every access to them by someone not named on
their care, outside the department caring for them at the time, is raised by the next
`privacy detect` in the restricted lane, which the budget never cuts
(`/alerts/?detector=restricted_record`). Give the patient as the store has it: the FHIR id,
or the MRN. Adding, removing and listing are recorded in the audit trail.

Examples:
  hygeia privacy restricted add pt-000123 --reason "board member"
  hygeia privacy restricted list
  hygeia privacy restricted remove pt-000123
"""


def cmd_restricted_list(args: argparse.Namespace) -> int:
    from hygeia.core import audit
    from hygeia.core.cli_parsers import print_rows
    from hygeia.privacy.models import RestrictedRecord

    found = list(RestrictedRecord.objects.all())
    if found:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.restrictedrecord",
            summary=f"restricted list viewed ({len(found)} records)",
        )
    return print_rows(
        [
            {
                "patient": r.patient,
                "reason": r.reason,
                "added_by": r.added_by,
                "added_at": r.added_at.isoformat(timespec="seconds"),
            }
            for r in found
        ],
        args.json,
        "No record on the site's list: `hygeia privacy restricted add ID` adds one "
        "(records labelled restricted or VIP need no entry).",
        f"{'patient':24}  {'added':10}  reason",
        lambda r: f"{r['patient']:24}  {r['added_at'][:10]}  {r['reason']}",
    )


def cmd_restricted_add(args: argparse.Namespace) -> int:
    import getpass

    from hygeia.privacy import record_lists

    try:
        _, created = record_lists.add(args.patient, args.reason, f"cli:{getpass.getuser()}")
    except ValueError as exc:
        raise cli_errors.UserError(str(exc)) from exc
    print("added to the restricted list" if created else "already on the restricted list")
    return 0


def cmd_restricted_remove(args: argparse.Namespace) -> int:
    from hygeia.privacy import record_lists

    if not record_lists.remove(args.patient):
        raise cli_errors.UserError(
            "that record is not on the list: `hygeia privacy restricted list` shows it."
        )
    print("removed from the restricted list")
    return 0


TEST_RECORDS_HELP = """\
Test and training records: the charts EHR analysts, application trainers and educators open
again and again. Detection recognises them from the data at every run (opened by several
users on many days, mostly by users no care names, never or hardly ever treated, carrying no
flag) and leaves their accesses out. `list` shows the latest run's records and the marks;
mark a record `test` to always leave it out, `real` to never take it for a test record, or
`release` a mark. Give the patient as the store has it: the FHIR id, or the MRN. Every mark
and every listing is recorded in the audit trail.

Examples:
  hygeia privacy test-records list
  hygeia privacy test-records test pt-000777
  hygeia privacy test-records real pt-000123
  hygeia privacy test-records release pt-000123
"""


def cmd_test_records_list(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from hygeia.core import audit
    from hygeia.core.cli_parsers import print_rows
    from hygeia.privacy.detection.prepare import analysis_folder
    from hygeia.privacy.ingest import lake
    from hygeia.privacy.models import TestRecord

    marks = {r.patient: r for r in TestRecord.objects.all()}
    path = analysis_folder(lake()) / "practice_records.parquet"
    found = {r["patient_id"]: r for r in pq.read_table(path).to_pylist()} if path.exists() else {}
    rows = [
        {
            "patient": patient,
            "mark": marks[patient].decision if patient in marks else "",
            "users": int(found.get(patient, {}).get("users") or 0),
            "days": int(found.get(patient, {}).get("days") or 0),
            "episodes": int(found.get(patient, {}).get("episodes") or 0),
            "accesses": int(found.get(patient, {}).get("accesses") or 0),
        }
        for patient in sorted({*found, *marks})
    ]
    if rows:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.testrecord",
            summary=f"test and training records listed ({len(rows)})",
        )
    return print_rows(
        rows,
        args.json,
        "No test or training record recognised or marked: `hygeia privacy detect` recognises them.",
        f"{'patient':24}  {'mark':5}  {'users':>5}  {'days':>4}  {'episodes':>8}  accesses",
        lambda r: (
            f"{r['patient']:24}  {r['mark'] or '-':5}  {r['users']:>5}  {r['days']:>4}  "
            f"{r['episodes']:>8}  {r['accesses']:,}"
        ),
    )


def _mark_test_record(decision: str) -> Any:
    def handler(args: argparse.Namespace) -> int:
        import getpass

        from hygeia.privacy import record_lists

        try:
            record_lists.decide_test_record(args.patient, decision, f"cli:{getpass.getuser()}")
        except ValueError as exc:
            raise cli_errors.UserError(str(exc)) from exc
        print(
            {"test": "marked as a test record", "real": "marked as real"}.get(
                decision, "mark released"
            )
            + ": the next `privacy detect` uses it"
        )
        return 0

    return handler


def register(sub: Any, command_group: Any, json_flag: Any) -> None:
    from hygeia.privacy.site_sim import styles as site_styles

    actions = command_group(
        sub,
        "privacy",
        "Privacy monitoring: ingest access logs, detect misuse, export alerts.",
        "Privacy monitoring of access to patient records.",
    )

    p = actions.add_parser(
        "ingest",
        help="Store EHR access logs and clinical context (FHIR, CSV, roster).",
        description=INGEST_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_ingest)
    p.add_argument(
        "paths", type=input_path, nargs="+", metavar="PATH", help="files or folders to read"
    )
    p.add_argument(
        "--profile",
        metavar="NAME_OR_FILE",
        help="CSV access-log profile: a shipped name (canonical, epic-clarity-access-log, "
        "millennium-audit-export) or a .yaml/.toml file",
    )
    p.add_argument(
        "--source",
        type=source_name,
        metavar="NAME",
        help="the system these files come from (e.g. epic-east): part of every record's "
        "identity, so that two systems whose ids collide never merge; use the same name "
        "every time for the same system",
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
    p.add_argument(
        "--tls-cert", type=input_file, metavar="FILE", help="server certificate chain (PEM)"
    )
    p.add_argument("--tls-key", type=input_file, metavar="FILE", help="its private key (PEM)")
    p.add_argument(
        "--flush-seconds", type=float, default=5.0, help="commit interval (default %(default)s)"
    )
    p.add_argument(
        "--source",
        type=source_name,
        metavar="NAME",
        help="name of the system sending (part of every event's identity, as for ingest)",
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
    p.set_defaults(handler=cmd_simulate, database=cli_errors.NO_DATABASE)
    p.add_argument("out", metavar="OUT", help="folder to write (created if missing)")
    p.add_argument("--staff", type=int, default=2000, help="workforce size (default %(default)s)")
    p.add_argument(
        "--patients", type=int, default=0, help="patients (default: 10 per staff member)"
    )
    p.add_argument("--days", type=int, default=30, help="days of activity (default %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    p.add_argument(
        "--style",
        default="classic",
        choices=["classic", *site_styles()],
        help="the kind of hospital: classic (the demo's), or one written apart from it, with "
        "other department names, job titles, workflows, missing context and misuse shapes "
        "(default %(default)s)",
    )
    json_flag(p)

    p = actions.add_parser(
        "detect",
        help="Explain accesses, run the detectors, store scored alerts.",
        description=DETECT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_detect)
    p.add_argument("--since", type=day, metavar="DATE", help="first day to alert on")
    p.add_argument("--until", type=day, metavar="DATE", help="day after the last one")
    p.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="where the queries run: DuckDB in-process (default), or Spark (needs PySpark and "
        "Java 17)",
    )
    p.add_argument("--master", default="local[*]", help="Spark master URL (default %(default)s)")
    p.add_argument(
        "--config", type=input_file, metavar="FILE", help="detection configuration (YAML)"
    )
    p.add_argument(
        "--budget",
        type=float,
        metavar="N",
        help="alerts to raise per 1,000 active users per day, the highest-scoring first "
        "(default: scoring.budget of the configuration, 5; 0 raises every candidate)",
    )
    json_flag(p)

    p = actions.add_parser(
        "alerts",
        help="Export alerts (NDJSON, CSV, OCSF) or send them as CEF over syslog.",
        description=ALERTS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    alert_actions = p.add_subparsers(dest="alerts_action", metavar="ACTION", required=True)
    e = action(alert_actions, "export", cmd_alerts_export, "write alerts to a file or stdout",
               ALERTS_HELP)  # fmt: skip
    e.add_argument("--format", choices=("ndjson", "csv", "ocsf"), default="ndjson")
    e.add_argument("--output", metavar="FILE", help="file to write (default: stdout)")
    s = action(alert_actions, "send", cmd_alerts_send, "send alerts as CEF over syslog",
               ALERTS_HELP)  # fmt: skip
    s.add_argument("--to", required=True, metavar="URL", help="tcp://, tls:// or udp://HOST:PORT")
    s.add_argument(
        "--ca-file", type=input_file, metavar="FILE", help="CA certificates for tls:// (PEM)"
    )
    for parser in (e, s):
        parser.add_argument(
            "--min-score", type=float, default=0.0, help="only alerts scoring this or more"
        )
        parser.add_argument("--since", type=day, metavar="DATE", help="alerts from this day on")

    p = actions.add_parser(
        "evaluate",
        help="Measure the latest alerts against a ground-truth CSV.",
        description=EVALUATE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_evaluate)
    p.add_argument(
        "--truth", type=input_file, required=True, metavar="FILE", help="ground-truth CSV"
    )
    json_flag(p)

    p = actions.add_parser(
        "tune",
        help="Refit detector weights from reviewed alerts.",
        description=TUNE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_tune)
    p.add_argument("--apply", action="store_true", help="write the refitted weights")
    p.add_argument(
        "--config", type=input_file, metavar="FILE", help="detection configuration (YAML)"
    )
    json_flag(p)

    from hygeia.core.cli_parsers import group

    template_actions = group(
        actions, "templates", "Review the explanations learned from the data.", TEMPLATES_HELP
    )
    p = action(template_actions, "list", cmd_templates, "learned templates", TEMPLATES_HELP)
    p.add_argument("--all", action="store_true", help="also those absent from the latest run")
    json_flag(p)
    for name, decision, summary in (
        ("pin", "pinned", "always apply a template"),
        ("reject", "rejected", "never apply a template"),
        ("release", "", "undo a pin or a rejection"),
    ):
        p = action(template_actions, name, _decide(decision), summary, TEMPLATES_HELP)
        p.add_argument("id", type=int, metavar="ID", help="the template's id (see `list`)")

    restricted_actions = group(
        actions, "restricted", "The site's own list of restricted records.", RESTRICTED_HELP
    )
    p = action(restricted_actions, "list", cmd_restricted_list, "the list", RESTRICTED_HELP)
    json_flag(p)
    p = action(restricted_actions, "add", cmd_restricted_add, "add a record", RESTRICTED_HELP)
    p.add_argument("patient", metavar="ID", help="the patient's FHIR id or MRN")
    p.add_argument("--reason", default="", help="why (kept with the entry)")
    p = action(
        restricted_actions, "remove", cmd_restricted_remove, "remove a record", RESTRICTED_HELP
    )
    p.add_argument("patient", metavar="ID", help="the patient's FHIR id or MRN")

    test_actions = group(
        actions,
        "test-records",
        "Test and training records, recognised and marked.",
        TEST_RECORDS_HELP,
    )
    p = action(test_actions, "list", cmd_test_records_list, "the records", TEST_RECORDS_HELP)
    json_flag(p)
    for name, decision, summary in (
        ("test", "test", "always leave a record out as a test record"),
        ("real", "real", "never take a record for a test record"),
        ("release", "", "undo a mark"),
    ):
        p = action(test_actions, name, _mark_test_record(decision), summary, TEST_RECORDS_HELP)
        p.add_argument("patient", metavar="ID", help="the patient's FHIR id or MRN")

    p = actions.add_parser(
        "remind",
        help="E-mail approaching and overdue breach notification deadlines (run daily).",
        description=REMIND_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(handler=cmd_remind)
    p.add_argument("--today", type=day, metavar="DATE", help="pretend today is this day")
    json_flag(p)
