"""The canonical access event every reader produces (documented in docs/formats.md).

One row per access by one user to one patient's record (or a user action with no patient,
such as a sign-in). Times are UTC with the original offset kept; identity is stable so that
re-reading a file, or an overlapping one, yields the same ids.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from hygeia.lake.arrow import schema_for
from hygeia.lake.records import RecordError
from hygeia.lake.store import Table

# Hygeia's action vocabulary; every source's codes map onto these.
ACTIONS = ("create", "read", "update", "delete", "search", "export", "print", "execute")

# Events outside this window are refused as absurd (clock errors, corrupted fields).
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_YEARS_AHEAD = 1


@dataclass(frozen=True)
class AccessEvent:
    event_id: str
    occurred_utc: datetime
    utc_offset_minutes: int | None
    user_login: str
    user_practitioner: str
    patient_ref: str
    patient_identifier: str
    action: str
    subtype: str
    purpose_of_use: tuple[str, ...]
    break_glass: bool
    resource_type: str
    outcome: str
    source_system: str
    network_address: str
    workstation: str = ""
    source_file: str = ""
    source_line: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_row(self) -> dict[str, Any]:
        row = asdict(self)
        row["purpose_of_use"] = list(self.purpose_of_use)
        row["extra"] = json.dumps(self.extra, sort_keys=True) if self.extra else ""
        row["day"] = self.occurred_utc.date()
        return row


# The stored form: the fields above, plus where and when each row was ingested. Partitioned by
# the UTC day of the event; the event id is the de-duplication key.
EVENTS = Table(
    path="events",
    key="event_id",
    partition="day",
    order="source_line",
    provenance=("source_file", "source_line", "source_format", "ingest_id"),
    schema=schema_for(
        AccessEvent,
        ("source_format", pa.string()),
        ("ingest_id", pa.string()),
        ("day", pa.date32()),
    ),
)


def stable_id(namespace: str, *parts: str) -> str:
    """A deterministic id from the parts that identify a record in its source."""
    digest = hashlib.sha256("\x1f".join((namespace, *parts)).encode("utf-8")).hexdigest()
    return digest[:32]


def latest_allowed() -> datetime:
    """The last instant accepted: the end of next year (later ones are clock errors)."""
    now = datetime.now(UTC)
    return datetime(now.year + LATEST_YEARS_AHEAD, 12, 31, 23, 59, 59, tzinfo=UTC)


def parse_instant(
    value: Any, what: str = "time", bounded: bool = True
) -> tuple[datetime, int | None]:
    """An ISO 8601 instant -> (UTC time, original offset in minutes or None when naive-UTC).
    `bounded` refuses an instant outside 1990 to next year: right for an access, which a
    clock error or a corrupted field puts there, wrong for context (a physician on staff
    since 1988, a role that ends on 9999-12-31)."""
    if not isinstance(value, str) or not value:
        raise RecordError(f"{what} is missing or not a string")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RecordError(f"{what} is not an ISO 8601 instant") from exc
    if parsed.tzinfo is None:
        raise RecordError(f"{what} has no time-zone offset (FHIR instants must carry one)")
    offset = parsed.utcoffset()
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError as exc:  # 9999-12-31T23:00-05:00 has no UTC instant
        raise RecordError(f"{what} is beyond the last representable instant") from exc
    latest = latest_allowed()
    if bounded and not EARLIEST <= utc <= latest:
        raise RecordError(f"{what} {utc.year} is outside {EARLIEST.year} to {latest.year}")
    return utc, int(offset.total_seconds() // 60) if offset is not None else None
