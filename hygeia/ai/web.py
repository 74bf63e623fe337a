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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from hygeia.ai.catalog import Catalog, catalog
from hygeia.ai.models import APPROVED_STATES, AITool
from hygeia.ai.sources import dns, squid, table
from hygeia.core import audit
from hygeia.lake.lines import line_blocks
from hygeia.lake.records import Location, Rejected
from hygeia.lake.store import Table
from hygeia.privacy.formats import Format, ReadContext
from hygeia.privacy.ingest import FileReport, Report, ingest_file, lake, recover

WEB = Table(
    path="web",
    key="event_id",
    partition="day",
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
# format -> a parser for one file (DNS formats read the file's own header first)
PARSERS: dict[
    str, Callable[[Path, str | None], Callable[[pa.Table], tuple[pa.Table, pa.Table]]]
] = {
    "squid": lambda path, profile: squid.parse,
    "squid-common": lambda path, profile: squid.parse_common,
    "zeek-dns": lambda path, profile: dns.zeek(path),
    "bind": lambda path, profile: dns.bind(path),
    "zscaler": lambda path, profile: table.zscaler_kv(
        path, table.load_profile(profile) if profile else None
    ),
    "csv": lambda path, profile: table.with_header(
        path, table.load_profile(profile or "generic-csv")
    ),
}


def _reader(name: str) -> Any:
    def read(path: Path, ctx: ReadContext) -> Iterator[pa.Table | Rejected]:
        try:
            parse = PARSERS[name](path, ctx.profile)
        except ValueError as exc:
            yield Rejected(Location(str(path), 1), str(exc))
            return
        con = duckdb.connect(config={"threads": 2})
        try:
            for item in line_blocks(path, on_position=ctx.on_position):
                if isinstance(item, Rejected):
                    yield item
                    continue
                block = item.table
                rows, refused = parse(block)
                if refused.num_rows:
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
    "zscaler": Format("zscaler", WEB, _reader("zscaler"), 10, "Zscaler NSS key=value feed"),
    "csv": Format("csv", WEB, _reader("csv"), 10, "CSV/TSV web log through a profile"),
}


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
        report.files.append(ingest_file(store, run, path, FORMATS[fmt], context))
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


def shadow_report() -> list[ServiceUsage]:
    """Per AI service seen in the stored web logs: who, how much, when, and whether it is
    approved."""
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
    return sorted(usage.values(), key=lambda u: (-u.requests, u.service))


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
