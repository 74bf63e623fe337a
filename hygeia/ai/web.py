"""Web-proxy logs into the event store, and the shadow-AI report read back from it.

Rows go to the `web` dataset (Parquet by UTC day) through the same staged, manifest-recorded
commit as the privacy ingest: re-reading a file or an overlapping one stores no duplicate
(a row's identity is the hash of its log line), a killed run is finished or rolled back by
the next, and every line ends up stored, duplicate or quarantined with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hygeia.ai.catalog import Catalog, catalog
from hygeia.ai.models import APPROVED_STATES, AITool, PromptScan
from hygeia.ai.sources import dns, squid, table
from hygeia.core import audit
from hygeia.lake.lines import LineBlock, line_blocks
from hygeia.lake.ndjson import BROKEN
from hygeia.lake.records import Location, Rejected, Tally, Unread
from hygeia.lake.store import Table
from hygeia.privacy.formats import Format, ReadContext
from hygeia.privacy.ingest import FileReport, Report, ingest_file, lake, recover

WEB = Table(
    path="web",
    key="event_id",
    partition="day",
    order="source_line",
    provenance=("source_format", "source_file", "source_line", "ingest_id"),
    schema=pa.schema(
        [
            ("event_id", pa.string()),
            ("occurred_utc", pa.timestamp("us", tz="UTC")),
            ("client", pa.string()),
            ("user", pa.string()),
            ("host", pa.string()),
            ("path", pa.string()),
            ("method", pa.string()),
            ("status", pa.string()),
            ("bytes_in", pa.int64()),
            ("bytes_out", pa.int64()),
            ("source_format", pa.string()),
            ("source_file", pa.string()),
            ("source_line", pa.int64()),
            ("ingest_id", pa.string()),
            ("day", pa.date32()),
        ]
    ),
)


def _keyed_reader(name: str, path: Path, profile: str | None) -> table.Parser:
    """A format whose lines name their fields: no need to look at the file first."""
    return table.keyed_lines(name, profile)


# format -> a parser for one file (DNS formats read the file's own header first)
PARSERS: dict[
    str, Callable[[Path, str | None], Callable[[pa.Table], tuple[pa.Table, pa.Table]]]
] = {
    "squid": lambda path, profile: squid.parse,
    "squid-common": lambda path, profile: squid.parse_common,
    "zeek-dns": lambda path, profile: dns.zeek(path),
    "bind": lambda path, profile: dns.bind(path),
    **{name: partial(_keyed_reader, name) for name in table.KEYED_LINES},
    "csv": lambda path, profile: table.with_header(
        path, table.load_profile(profile or "generic-csv")
    ),
}


def _reader(name: str) -> Any:
    def read(path: Path, ctx: ReadContext) -> Iterator[pa.Table | Rejected | Tally | Unread]:
        try:
            parse = PARSERS[name](path, ctx.profile)
        except ValueError as exc:
            yield Rejected(Location(str(path), 1), str(exc))
            return
        except BROKEN:
            # A compressed file that breaks in its header: the line reader breaks there too
            # (before any whole line) and says where, and what is left unread.
            yield from (i for i in line_blocks(path) if not isinstance(i, LineBlock))
            return
        con = duckdb.connect(config={"threads": 2})
        try:
            for item in line_blocks(path, on_position=ctx.on_position):
                if isinstance(item, Rejected | Unread):
                    yield item
                    continue
                block = item.table
                rows, refused = parse(block)
                ctx.accept(rows.num_rows)
                if refused.num_rows and not ctx.wants_content:
                    counts = pc.value_counts(refused["reason"]).to_pylist()
                    yield Tally(str(path), {c["values"]: c["counts"] for c in counts})
                elif refused.num_rows:
                    raw = dict(
                        zip(block["line"].to_pylist(), block["raw"].to_pylist(), strict=True)
                    )
                    for line, reason in zip(
                        refused["line"].to_pylist(), refused["reason"].to_pylist(), strict=True
                    ):
                        yield Rejected(
                            Location(str(path), line), reason, raw[line][:500].rstrip("\n")
                        )
                if not rows.num_rows:
                    continue
                lines = block.filter(pc.is_in(block["line"], rows["line"]))
                con.register("b", lines)
                ids = con.sql("SELECT md5(raw) AS id FROM b ORDER BY line").to_arrow_table()["id"]
                con.unregister("b")
                when = pc.cast(pc.multiply(rows["epoch"], 1_000_000), pa.int64())
                occurred = pc.cast(when, pa.timestamp("us", tz="UTC"))
                yield pa.table(
                    {
                        "event_id": ids,
                        "occurred_utc": occurred,
                        "client": rows["client"],
                        "user": rows["user"],
                        "host": rows["host"],
                        "path": rows["path"],
                        "method": rows["method"],
                        "status": rows["status"],
                        "bytes_in": rows["bytes_in"],
                        "bytes_out": rows["bytes_out"],
                        "source_format": pa.array([name] * rows.num_rows, pa.string()),
                        "source_file": pa.array([str(path)] * rows.num_rows, pa.string()),
                        "source_line": rows["line"],
                        "ingest_id": pa.array([ctx.token] * rows.num_rows, pa.string()),
                        "day": pc.cast(occurred, pa.date32()),
                    },
                    schema=WEB.schema,
                )
        finally:
            con.close()

    return read


FORMATS = {
    "squid": Format("squid", WEB, _reader("squid"), 10, "Squid native access.log"),
    "squid-common": Format(
        "squid-common", WEB, _reader("squid-common"), 10, "Squid common/combined log"
    ),
    "zeek-dns": Format("zeek-dns", WEB, _reader("zeek-dns"), 10, "Zeek dns.log (TSV or JSON)"),
    "bind": Format("bind", WEB, _reader("bind"), 10, "BIND query log"),
    "kv": Format("kv", WEB, _reader("kv"), 10, "key=value feed (tabs or spaces, quoted values)"),
    "zscaler": Format("zscaler", WEB, _reader("zscaler"), 10, "Zscaler NSS key=value feed"),
    "leef": Format("leef", WEB, _reader("leef"), 10, "LEEF 1.0/2.0 (QRadar)"),
    "cef": Format("cef", WEB, _reader("cef"), 10, "CEF (ArcSight)"),
    "jsonl": Format("jsonl", WEB, _reader("jsonl"), 10, "JSON lines through a profile"),
    "csv": Format("csv", WEB, _reader("csv"), 10, "CSV/TSV web log through a profile"),
}


# What each format reads, named in the hint when it reads none of a file's lines.
LAYOUTS = {
    "squid": "Squid's native access.log (time elapsed client code/status bytes method URL user)",
    "squid-common": 'the common/combined log format (client ident user [time] "request" ...)',
    "zeek-dns": "Zeek dns.log (TSV with its #fields header, or JSON lines)",
    "bind": "BIND query-log lines",
    "kv": "key=value pairs separated by tabs, or by spaces with quoted values",
    "leef": "LEEF 1.0 and 2.0 headers and attributes",
    "cef": "CEF headers and extensions",
    "jsonl": "one JSON object per line",
    "csv": "a CSV/TSV header row and its rows",
}
ALIASES = {"zscaler": "kv"}  # formats that read as another does
for _alias, _name in ALIASES.items():
    PARSERS[_alias], LAYOUTS[_alias] = PARSERS[_name], LAYOUTS[_name]


def _first_lines(path: Path, count: int = 2) -> pa.Table:
    """The file's first non-blank lines as a block (`line`, `raw`), read as the ingest reads
    them."""
    for item in line_blocks(path):
        if isinstance(item, LineBlock):
            return item.table.slice(0, count)
    return pa.table({"line": pa.array([], pa.int64()), "raw": pa.array([], pa.string())})


def _reads(name: str, path: Path, profile: str | None, block: pa.Table) -> tuple[bool, str]:
    """Whether format `name` reads any of `block`'s lines, and else the first one's problem."""
    try:
        rows, refused = PARSERS[name](path, profile)(block)
    except (ValueError, KeyError) as exc:  # a header the format needs is not there
        return False, str(exc).replace(str(path) + ": ", "")
    if rows.num_rows:
        return True, ""
    first = refused.sort_by("line")
    return False, (f"line {first['line'][0].as_py()}: {first['reason'][0].as_py()}"
                   if first.num_rows else "no line")  # fmt: skip


def diagnose(path: Path, fmt: str, profile: str | None) -> str:
    """One line for a file none of whose lines was stored: the first line's problem, the
    layouts tried, and the formats that do read its first lines."""
    block = _first_lines(path)
    if not block.num_rows:
        return "the file holds no line"
    _, problem = _reads(fmt, path, profile, block)
    others = [
        name
        for name in PARSERS
        if name != fmt and name not in ALIASES and ALIASES.get(fmt) != name
        and _reads(name, path, None, block)[0]
    ]  # fmt: skip
    tried = f"{problem}; tried {LAYOUTS[fmt]}"
    if profile:
        tried += f" with the profile {profile!r}"
    if others:
        return f"{tried}. Its first lines read as {', '.join(others)}: try --format {others[0]}"
    known = ", ".join(n for n in PARSERS if n not in ALIASES)
    return f"{tried}. No other format reads its first lines either ({known})"


def ingest(paths: Iterable[Path], fmt: str = "squid", profile: str | None = None) -> Report:
    """Ingest proxy logs (files, or folders of them). An unknown profile is refused before
    anything is read (ProfileError)."""
    if profile:
        table.load_profile(profile)
    store = lake()
    run = uuid.uuid4().hex
    report = Report(run=run, recovered=recover(store))
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            report.files.append(
                FileReport(str(path), fmt, status="failed", error=f"{path}: no such file")
            )
    for path in files:
        context = ReadContext(token=uuid.uuid4().hex, profile=profile)
        done = ingest_file(store, run, path, FORMATS[fmt], context)
        if done.status == "committed" and done.read and done.quarantined == done.read:
            done.hint = diagnose(path, fmt, profile)
        report.files.append(done)
    audit.record(
        "import",
        summary=f"web logs: {report.total('stored')} stored, {report.total('duplicate')} "
        f"duplicate, {report.total('quarantined')} quarantined",
        object_type="ai.web_ingest",
        object_id=run,
    )
    return report


# --- the report --------------------------------------------------------------------------


@dataclass
class ServiceUsage:
    service: str
    vendor: str
    category: str
    baa: str
    approved: bool
    users: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    requests: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    large_uploads: int = 0
    personal_accounts: set[str] = field(default_factory=set)
    by_user: dict[str, int] = field(default_factory=dict)  # login -> requests
    uploads_by_user: dict[str, int] = field(default_factory=dict)  # login -> large uploads
    guard: dict[str, Any] = field(default_factory=dict)  # the PHI guard's side (guard_by_service)
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "vendor": self.vendor,
            "category": self.category,
            "baa_offering": self.baa,
            "approved": self.approved,
            "users": len(self.users),
            "departments": sorted(self.departments),
            "requests": self.requests,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "large_uploads": self.large_uploads,
            "personal_accounts": len(self.personal_accounts),
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "phi_guard": self.guard,
        }


# A request that sent at least this much (where the log records request sizes) is counted
# as a large upload: documents or records pasted or attached.
LARGE_UPLOAD_BYTES = 1 << 20


def approved_services(known: Catalog) -> set[str]:
    """Catalog services that an approved inventory entry covers: by one of its domains, or
    by the service's name."""
    covered = set()
    names = known.by_name()
    for tool in AITool.objects.filter(state__in=APPROVED_STATES):
        for domain in tool.domains:
            service = known.classify(domain)
            if service:
                covered.add(service.name)
        if tool.name in names:
            covered.add(tool.name)
    return covered


def _personal(user: str) -> bool:
    """A login that is an e-mail address outside the organization's domains (only judged
    when HYGEIA_ORG_EMAIL_DOMAINS is set)."""
    from django.conf import settings

    domains = settings.ORG_EMAIL_DOMAINS
    if not domains or "@" not in user:
        return False
    domain = user.rsplit("@", 1)[1]
    return not any(domain == d or domain.endswith("." + d) for d in domains)


def ip_users() -> pa.Table:
    """The site's address-to-user table, `$HYGEIA_DATA_DIR/ai/ip_users.csv` (columns ip,
    user), for logs that name a client address but no user (DNS logs, unauthenticated
    proxies). Without it, such requests count without a user."""
    from django.conf import settings

    path = Path(settings.DATA_DIR) / "ai" / "ip_users.csv"
    ips: list[str] = []
    users: list[str] = []
    if path.exists():
        import csv

        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                ip, user = (row.get("ip") or "").strip(), (row.get("user") or "").strip()
                if ip and user:
                    ips.append(ip)
                    users.append(user)
    return pa.table({"ip": pa.array(ips, pa.string()), "user": pa.array(users, pa.string())})


def departments() -> dict[str, str]:
    from hygeia.privacy.accesses import staff_departments

    return staff_departments()


def _register_services(con: duckdb.DuckDBPyConnection, scan: str, known: Catalog) -> None:
    """Register `mapping` (host, path, service) for every distinct destination in the store
    that is an AI service, each classified once."""
    hosts = con.sql(f"SELECT DISTINCT host, path FROM {scan}").to_arrow_table()
    names = known.classify_column(hosts["host"].combine_chunks(), hosts["path"].combine_chunks())
    mapping = pa.table({"host": hosts["host"], "path": hosts["path"], "service": names})
    con.register("mapping", mapping.filter(pc.is_valid(names)))


def shadow_report(guard: bool = True) -> list[ServiceUsage]:
    """Per AI service seen in the stored web logs: who, how much, when, and whether it is
    approved; with `guard`, also what the PHI guard saw for it (`guard_by_service`)."""
    store = lake()
    scan = store.scan_sql(WEB)
    if scan is None:
        return []
    known = catalog()
    con = store.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        _register_services(con, scan, known)
        con.register("address_users", ip_users())
        rows = (
            con.sql(
                f"""SELECT m.service,
                   lower(coalesce(nullif(nullif(w.user, '-'), ''), u.user, '-')) AS user,
                   count(*) AS requests,
                   CAST(sum(w.bytes_in) AS BIGINT) AS bytes_in,
                   CAST(sum(coalesce(w.bytes_out, 0)) AS BIGINT) AS bytes_out,
                   count(*) FILTER (WHERE w.bytes_out >= {LARGE_UPLOAD_BYTES}) AS large_uploads,
                   min(w.occurred_utc) AS first_seen, max(w.occurred_utc) AS last_seen
            FROM {scan} w
            JOIN mapping m ON m.host = w.host AND m.path = w.path
            LEFT JOIN address_users u ON u.ip = w.client
            GROUP BY ALL"""
            )
            .to_arrow_table()
            .to_pylist()
        )
    finally:
        con.close()
    approved = approved_services(known)
    by_department = departments()
    by_name = known.by_name()
    usage: dict[str, ServiceUsage] = {}
    for row in rows:
        service = by_name[row["service"]]
        found = usage.setdefault(
            service.name,
            ServiceUsage(
                service.name,
                service.vendor,
                service.category,
                service.baa,
                service.name in approved,
            ),
        )
        user = row["user"] or "-"
        found.by_user[user] = found.by_user.get(user, 0) + int(row["requests"])
        if user != "-":
            found.users.add(user)
            if _personal(user):
                found.personal_accounts.add(user)
            if by_department.get(user):
                found.departments.add(by_department[user])
        if row["large_uploads"]:
            found.uploads_by_user[user] = found.uploads_by_user.get(user, 0) + int(
                row["large_uploads"]
            )
        found.requests += row["requests"]
        found.bytes_in += row["bytes_in"] or 0
        found.bytes_out += row["bytes_out"] or 0
        found.large_uploads += int(row["large_uploads"] or 0)
        for attr, value, pick in (
            ("first_seen", row["first_seen"], min),
            ("last_seen", row["last_seen"], max),
        ):
            current = getattr(found, attr)
            value = value.astimezone(UTC) if value else None
            setattr(found, attr, value if current is None else pick(current, value))
    ordered = sorted(usage.values(), key=lambda u: (-u.requests, u.service))
    if guard:
        guard_by_service(ordered)
    return ordered


# --- the PHI guard joined with what the proxy saw --------------------------------------


def record_scan(user: str, destination: str, policy: str, counts: dict[str, int],
                characters: int) -> PromptScan:  # fmt: skip
    """Keep what the guard did with one prompt (counts, never text), with the user's
    department and the AI service it was bound for."""
    host = table.url_host(destination.strip())
    service = catalog().classify(host) if host else None
    found = sum(counts.values())
    outcome = (
        PromptScan.Outcome.CLEAN if not found
        else {"block": PromptScan.Outcome.BLOCKED, "mask": PromptScan.Outcome.MASKED}.get(
            policy, PromptScan.Outcome.REPORTED)
    )  # fmt: skip
    return PromptScan.objects.create(
        user=user.lower(),
        department=departments().get(user, ""),
        service=service.name if service else "",
        destination=host[:255],
        policy=policy,
        outcome=outcome,
        identifiers=found,
        counts=counts,
        characters=characters,
    )


GUARD_DAYS = 30


def guard_by_service(usage: list[ServiceUsage], days: int = GUARD_DAYS) -> list[dict[str, Any]]:
    """Per AI service and department, what the PHI guard stopped over the last `days`:
    prompts scanned, with PHI, blocked, masked. Each service in `usage` gets its part in
    `guard`, with, for a service without approval, the users the guard stopped who also sent
    it large uploads: PHI that may have gone where the guard does not look."""
    from django.db.models import Count, Q
    from django.utils import timezone

    since = timezone.now() - timedelta(days=days)
    scans = PromptScan.objects.filter(at__gte=since)
    rows = list(
        scans.values("service", "department")
        .annotate(
            prompts=Count("id"),
            with_phi=Count("id", filter=Q(identifiers__gt=0)),
            blocked=Count("id", filter=Q(outcome=PromptScan.Outcome.BLOCKED)),
            masked=Count("id", filter=Q(outcome=PromptScan.Outcome.MASKED)),
        )
        .order_by("service", "department")
    )
    flagged = set(scans.filter(identifiers__gt=0).values_list("user", flat=True))
    by_service: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_service.setdefault(row["service"], []).append(row)
    for service in usage:
        mine = by_service.get(service.service, [])
        uploaders = sorted(u for u in service.uploads_by_user if u in flagged)
        service.guard = {
            "prompts": sum(r["prompts"] for r in mine),
            "with_phi": sum(r["with_phi"] for r in mine),
            "blocked": sum(r["blocked"] for r in mine),
            "masked": sum(r["masked"] for r in mine),
            "by_department": [
                {k: r[k] for k in ("department", "prompts", "with_phi", "blocked", "masked")}
                for r in mine
            ],
            "flagged_users_with_large_uploads": 0 if service.approved else len(uploaders),
            "their_large_uploads": 0 if service.approved else sum(
                service.uploads_by_user[u] for u in uploaders),
        }  # fmt: skip
    return rows


def daily_trend() -> tuple[list[str], list[int], list[int]]:
    """Requests per UTC day to approved and to unapproved AI services."""
    store = lake()
    scan = store.scan_sql(WEB)
    if scan is None:
        return [], [], []
    known = catalog()
    approved = pa.array(sorted(approved_services(known)), pa.string())
    con = store.connect()
    try:
        _register_services(con, scan, known)
        con.register("approved_list", pa.table({"service": approved}))
        rows = (
            con.sql(
                f"""SELECT w.day, count(a.service) AS approved,
                   count(*) - count(a.service) AS unapproved
            FROM {scan} w JOIN mapping m ON m.host = w.host AND m.path = w.path
            LEFT JOIN approved_list a ON a.service = m.service
            GROUP BY w.day ORDER BY w.day"""
            )
            .to_arrow_table()
            .to_pylist()
        )
    finally:
        con.close()
    return (
        [r["day"].isoformat() for r in rows],
        [int(r["approved"]) for r in rows],
        [int(r["unapproved"]) for r in rows],
    )
