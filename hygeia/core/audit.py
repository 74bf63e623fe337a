"""Hygeia's own audit trail: an append-only, hash-chained log.

Each entry's hash covers its content and the previous entry's hash, so editing, inserting or
removing an entry anywhere breaks the chain from that point; `AuditHead` holds the last hash so
entries cut off the end are seen too. Entries never carry patient identifiers: a patient is
named by Hygeia's opaque id only.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hygeia.core.models import AuditAction, AuditEntry, AuditHead

GENESIS_HASH = "0" * 64


@dataclass
class Actor:
    """Who is acting: a signed-in user, or a system actor such as the command line."""

    name: str
    user_id: int | None = None
    source_ip: str = ""


_current_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "hygeia_audit_actor", default=None
)


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute every entry recorded inside the block to `actor`."""
    token = _current_actor.set(actor)
    try:
        yield
    finally:
        _current_actor.reset(token)


_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar("hygeia_audit_off", default=False)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Silence the automatic record-change entries while the database itself is rebuilt
    (restore, demo reset); the operation records one entry of its own afterwards."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def is_suspended() -> bool:
    return _suspended.get()


def current_actor() -> Actor:
    return _current_actor.get() or Actor(name="system")


def actor_for_user(user: Any, source_ip: str = "") -> Actor:
    return Actor(name=user.get_username(), user_id=user.pk, source_ip=source_ip)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds")


def _now_ms() -> datetime:
    """Now, to the millisecond: the precision every database and JSON serializer keeps, so
    the hash survives backups and restores."""
    now = timezone.now().astimezone(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def canonical_content(entry: AuditEntry) -> dict[str, Any]:
    """The fields covered by the hash, in a form that survives a database round trip."""
    return {
        "seq": entry.seq,
        "uuid": str(entry.uuid),
        "at": _timestamp(entry.at),
        "actor": entry.actor,
        "actor_id": entry.actor_id,
        "source_ip": entry.source_ip,
        "action": entry.action,
        "outcome": entry.outcome,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "patient_ref": entry.patient_ref,
        "summary": entry.summary,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }


def compute_hash(entry: AuditEntry) -> str:
    payload = json.dumps(
        canonical_content(entry), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _locked_head() -> AuditHead:
    """The chain head, locked for this transaction (created on first use)."""
    try:
        return AuditHead.objects.select_for_update().get(pk=1)
    except AuditHead.DoesNotExist:
        try:
            with transaction.atomic():
                AuditHead.objects.create(pk=1, seq=0, entry_hash=GENESIS_HASH)
        except IntegrityError:
            pass  # made concurrently
        return AuditHead.objects.select_for_update().get(pk=1)


def record(
    action: str,
    *,
    summary: str = "",
    outcome: str = "success",
    object_type: str = "",
    object_id: Any = "",
    patient_ref: str = "",
    details: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Append one entry to the chain and return it."""
    who = actor or current_actor()
    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(
            seq=head.seq + 1,
            at=_now_ms(),
            actor=who.name[:150],
            actor_id=who.user_id,
            source_ip=who.source_ip,
            action=str(action),
            outcome=outcome,
            object_type=object_type,
            object_id=str(object_id)[:100],
            patient_ref=patient_ref,
            summary=summary[:500],
            details=details or {},
            prev_hash=head.entry_hash,
        )
        entry.entry_hash = compute_hash(entry)
        entry.save()
        head.seq = entry.seq
        head.entry_hash = entry.entry_hash
        head.save(update_fields=["seq", "entry_hash"])
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    problems: list[str] = field(default_factory=list)

    @property
    def first_problem(self) -> str:
        return self.problems[0] if self.problems else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.checked,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "first_bad_entry": self.first_problem or None,
            "problems": self.problems,
        }


def verify(
    expect_head: str | None = None,
    progress: Callable[[int], None] | None = None,
    max_problems: int = 20,
) -> VerifyResult:
    """Walk the whole chain in order and report every break, first one first."""
    problems: list[str] = []
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
    for entry in entries:
        checked += 1
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                missing = (
                    f"{expected_seq}"
                    if entry.seq == expected_seq + 1
                    else f"{expected_seq} to {entry.seq - 1}"
                )
                problems.append(f"entry {entry.seq}: entries {missing} are missing (deleted)")
            else:
                problems.append(f"entry {entry.seq}: out of sequence (inserted)")
        if entry.prev_hash != prev_hash:
            problems.append(
                f"entry {entry.seq}: its previous-hash does not match the entry before it "
                "(an entry was inserted, removed or replaced before it)"
            )
        if compute_hash(entry) != entry.entry_hash:
            problems.append(f"entry {entry.seq}: content does not match its hash (edited)")
        prev_hash = entry.entry_hash
        expected_seq = entry.seq + 1
        if progress is not None:
            progress(1)
        if len(problems) >= max_problems:
            break

    head = AuditHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.entry_hash if head else GENESIS_HASH
    if len(problems) < max_problems:
        if head is None and checked:
            problems.append("chain head is missing (deleted)")
        elif head is not None and (head.seq != expected_seq - 1 or head.entry_hash != prev_hash):
            problems.append(
                f"entry {expected_seq - 1}: the chain head records entry {head.seq} as the last "
                "one; entries were removed from the end, or the head was altered"
            )
    if expect_head and expect_head != head_hash:
        problems.append(
            f"chain head hash {head_hash[:16]}… differs from the expected {expect_head[:16]}… "
            "(the chain was rewritten since that hash was recorded)"
        )
    return VerifyResult(not problems, checked, head_seq, head_hash, problems)


# Re-exported so callers need only this module.
Action = AuditAction
