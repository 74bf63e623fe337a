"""The audit trail is a hash chain: every edit, insertion or deletion is found and named."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from hygeia.cli import main
from hygeia.core import audit
from hygeia.core.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def _fill(n: int = 5) -> list[AuditEntry]:
    return [audit.record(audit.Action.SYSTEM, summary=f"event {i}") for i in range(n)]


def _drop_update_trigger() -> None:
    """What a database administrator with full rights could do before tampering."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_update ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")


def _raw(sql: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_entries_link_to_their_predecessor():
    first, second, third = _fill(3)[-3:]
    assert second.prev_hash == first.entry_hash
    assert third.prev_hash == second.entry_hash
    assert audit.verify().ok
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.entry_hash) == (third.seq, third.entry_hash)


def test_orm_refuses_to_change_or_delete_an_entry():
    entry = _fill(1)[0]
    entry.summary = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_database_trigger_refuses_update():
    entry = _fill(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw("UPDATE core_auditentry SET summary = %s WHERE seq = %s", ["x", entry.seq])


def test_edited_entry_is_named():
    entries = _fill(6)
    _drop_update_trigger()
    target = entries[3]
    _raw("UPDATE core_auditentry SET actor = %s WHERE seq = %s", ["mallory", target.seq])
    result = audit.verify()
    assert not result.ok
    assert result.first_problem.startswith(f"entry {target.seq}:")
    assert "edited" in result.first_problem


def test_edit_that_recomputes_the_hash_is_still_found():
    entries = _fill(6)
    _drop_update_trigger()
    target = AuditEntry.objects.get(seq=entries[2].seq)
    target.summary = "nothing to see"
    forged = audit.compute_hash(target)
    _raw(
        "UPDATE core_auditentry SET summary = %s, entry_hash = %s WHERE seq = %s",
        ["nothing to see", forged, target.seq],
    )
    result = audit.verify()
    assert not result.ok
    # The forged entry is self-consistent; the next one no longer links to it.
    assert result.first_problem.startswith(f"entry {target.seq + 1}:")
    assert "previous-hash" in result.first_problem


def test_deleted_entry_is_named():
    entries = _fill(6)
    victim = entries[2]
    _raw("DELETE FROM core_auditentry WHERE seq = %s", [victim.seq])
    result = audit.verify()
    assert not result.ok
    assert result.first_problem == (
        f"entry {victim.seq + 1}: entries {victim.seq} are missing (deleted)"
    )


def test_deleted_tail_is_found_through_the_head():
    entries = _fill(6)
    _raw("DELETE FROM core_auditentry WHERE seq >= %s", [entries[-2].seq])
    result = audit.verify()
    assert not result.ok
    assert "chain head records entry" in result.first_problem


def test_inserted_entry_is_named():
    entries = _fill(4)
    # Make room by renumbering the last entry, then insert a forged one in its place.
    _drop_update_trigger()
    last = entries[-1]
    _raw("UPDATE core_auditentry SET seq = %s WHERE seq = %s", [last.seq + 1, last.seq])
    forged = AuditEntry(
        seq=last.seq,
        at=last.at,
        actor="mallory",
        action="system",
        summary="forged",
        prev_hash=entries[-2].entry_hash,
    )
    forged.entry_hash = audit.compute_hash(forged)
    forged.save()
    result = audit.verify()
    assert not result.ok
    assert result.first_problem.startswith(f"entry {last.seq + 1}:")


def test_expected_head_detects_a_rewritten_chain():
    _fill(3)
    recorded = audit.verify().head_hash
    audit.record(audit.Action.SYSTEM, summary="later")
    assert audit.verify(expect_head=recorded).ok is False
    assert audit.verify(expect_head=AuditHead.objects.get().entry_hash).ok


def test_cli_verify_exit_codes_and_message(capsys):
    entries = _fill(4)
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    _drop_update_trigger()
    _raw("UPDATE core_auditentry SET summary = %s WHERE seq = %s", ["x", entries[1].seq])
    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"entry {entries[1].seq}:" in out and "BROKEN" in out


def test_cli_verify_json_is_one_object(capsys):
    import json

    _fill(2)
    assert main(["audit", "verify", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True and payload["entries_checked"] >= 2


def test_actor_context_is_recorded():
    with audit.acting_as(audit.Actor(name="carol", user_id=7, source_ip="10.0.0.9")):
        entry = audit.record(audit.Action.EXPORT, summary="something")
    assert (entry.actor, entry.actor_id, entry.source_ip) == ("carol", 7, "10.0.0.9")
    assert audit.record(audit.Action.SYSTEM).actor == "system"


def test_hash_survives_a_database_round_trip():
    entry = audit.record(audit.Action.SYSTEM, details={"b": [1, 2], "a": "ü"})
    reloaded = AuditEntry.objects.get(pk=entry.pk)
    assert audit.compute_hash(reloaded) == entry.entry_hash
