"""IHE ATNA audit messages (DICOM PS3.15 A.5 / RFC 3881), including hostile XML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hygeia.lake.records import Parsed, Rejected, Unread
from hygeia.privacy.sources import atna

MESSAGE = """<AuditMessage>
  <EventIdentification EventActionCode="{action}" EventDateTime="2026-03-08T01:30:00-05:00"
      EventOutcomeIndicator="0">
    <EventID csd-code="{event}" codeSystemName="DCM" originalText="Patient Record"/>
    <PurposeOfUse csd-code="ETREAT" codeSystemName="v3-ActReason"/>
  </EventIdentification>
  <ActiveParticipant UserID="ehr-app" UserIsRequestor="false">
    <RoleIDCode csd-code="110153" codeSystemName="DCM" originalText="Source"/>
  </ActiveParticipant>
  <ActiveParticipant UserID="jdoe" UserIsRequestor="true" NetworkAccessPointID="10.1.2.3"
      NetworkAccessPointTypeCode="2"/>
  <AuditSourceIdentification AuditSourceID="EHR-1"/>
  <ParticipantObjectIdentification ParticipantObjectID="MRN42^^^&amp;1.2.3&amp;ISO"
      ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">
    <ParticipantObjectIDTypeCode csd-code="2"/>
  </ParticipantObjectIdentification>
</AuditMessage>
"""


def message(action: str = "R", event: str = "110110") -> str:
    return MESSAGE.format(action=action, event=event)


def read(tmp_path, text: str) -> tuple[list, dict[int, str]]:
    path = tmp_path / "audit.xml"
    path.write_text(text, encoding="utf-8")
    items = list(atna.read(path))
    parsed = [i.value for i in items if isinstance(i, Parsed)]
    rejected = {i.location.line: i.reason for i in items if isinstance(i, Rejected)}
    return parsed, rejected


def test_dicom_message(tmp_path):
    (event,), rejected = read(tmp_path, message())
    assert not rejected
    assert event.occurred_utc == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert (event.user_login, event.network_address) == ("jdoe", "10.1.2.3")
    assert event.patient_identifier == "MRN42" and event.patient_ref == ""
    assert (event.action, event.source_system, event.outcome) == ("read", "EHR-1", "success")
    assert event.break_glass and event.purpose_of_use == ("ETREAT",)


def test_the_records_sensitivity_is_kept_with_the_access(tmp_path):
    """ParticipantObjectSensitivity: one code, or several in one attribute; none, nothing."""
    assert read(tmp_path, message())[0][0].extra == {}
    flagged = message().replace(
        'ParticipantObjectTypeCode="1"',
        'ParticipantObjectSensitivity="V^VIP" ParticipantObjectTypeCode="1"',
    )
    (event,), _ = read(tmp_path, flagged)
    assert event.extra == {"sensitivity": ["V", "VIP"]}


def test_prints_and_data_leaving_the_system_count_as_exports(tmp_path):
    """A face sheet printed is recorded as a read of an event type that says so; a copy to
    another target or a disclosure, by the patient object's data life cycle (RFC 3881: 10,
    11). A plain read, or a life cycle of access/use (6), is neither."""
    typed = message().replace(
        "<PurposeOfUse",
        '<EventTypeCode csd-code="EHR-77" codeSystemName="Vendor" originalText="Print Face '
        'Sheet"/>\n    <PurposeOfUse',
    )
    (event,), _ = read(tmp_path, typed)
    assert (event.action, event.subtype) == ("read", "print")
    for lifecycle, action in (("10", "export"), ("11", "export"), ("6", "read")):
        leaving = message().replace(
            'ParticipantObjectTypeCode="1"',
            f'ParticipantObjectDataLifeCycle="{lifecycle}" ParticipantObjectTypeCode="1"',
        )
        (event,), _ = read(tmp_path, leaving)
        assert event.action == action, lifecycle
    coded = message().replace(
        "<ParticipantObjectIDTypeCode",
        '<ParticipantObjectDataLifeCycle csd-code="10"/>\n    <ParticipantObjectIDTypeCode',
    )
    (event,), _ = read(tmp_path, coded)
    assert event.action == "export"
    (plain,), _ = read(tmp_path, message())
    assert (plain.action, plain.subtype) == ("read", "110110")


def test_several_messages_in_a_container_with_their_lines(tmp_path):
    text = "<Messages>\n" + message() + message("U") + message("R", "110106") + "</Messages>\n"
    parsed, rejected = read(tmp_path, text)
    assert [e.action for e in parsed] == ["read", "update", "export"]
    assert not rejected
    assert len({e.event_id for e in parsed}) == 3


def test_rfc3881_attribute_names_and_default_requestor(tmp_path):
    text = (
        '<AuditMessage><EventIdentification EventActionCode="C" '
        'EventDateTime="2026-03-08T10:00:00Z"><EventID code="110110"/></EventIdentification>'
        '<ActiveParticipant UserID="nurse1"/><AuditSourceIdentification AuditSourceID="LIS"/>'
        "</AuditMessage>"
    )
    (event,), _ = read(tmp_path, text)
    assert (event.user_login, event.action, event.patient_identifier) == ("nurse1", "create", "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (('EventActionCode="R"', 'EventActionCode="Z"'), "EventActionCode"),
        (('EventDateTime="2026-03-08T01:30:00-05:00"', ""), "EventDateTime is missing"),
        (
            ('EventDateTime="2026-03-08T01:30:00-05:00"', 'EventDateTime="1700-01-01T00:00:00Z"'),
            "outside",
        ),
        (('UserID="jdoe"', 'UserID=""'), "not identified"),
    ],
)
def test_unusable_messages_say_why(tmp_path, change, reason):
    parsed, rejected = read(tmp_path, "<M>\n" + message().replace(*change) + "</M>")
    assert not parsed
    assert reason in rejected[2]


def test_external_entities_are_refused_and_nothing_is_fetched(tmp_path):
    xxe = (
        '<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>\n'
        + message().replace("jdoe", "&x;")
    )
    path = tmp_path / "audit.xml"
    path.write_text(xxe, encoding="utf-8")
    (unread,) = atna.read(path)
    assert isinstance(unread, Unread) and "DTD" in unread.reason
    assert (unread.location.line, unread.records) == (2, 1)
    assert unread.bytes == len(xxe.encode()) - xxe.index("<!DOCTYPE")


def test_entity_expansion_is_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n<lolz>&lol2;</lolz>'
    )
    path = tmp_path / "audit.xml"
    path.write_text(bomb, encoding="utf-8")
    (unread,) = atna.read(path)
    assert isinstance(unread, Unread) and unread.records == 0


def test_truncated_file_keeps_what_came_before(tmp_path):
    text = "<Messages>\n" + message() + message()[:200]
    parsed, rejected = read(tmp_path, text)
    assert len(parsed) == 1
    assert rejected == {19: "the file ends inside this AuditMessage (truncated)"}


def test_binary_garbage_is_rejected(tmp_path):
    path = tmp_path / "audit.xml"
    path.write_bytes(b"\x00\xff\xfe\x01 not xml at all")
    items = list(atna.read(path))
    assert len(items) == 1 and isinstance(items[0], Rejected)


# --- faults: one bad message costs itself, never the rest of the file --------------------------

LINES = message().count("\n")  # a message takes this many lines


def items_of(path) -> tuple[list[Parsed], list[Rejected], list[Unread]]:
    items = list(atna.read(path))
    assert all(str(path) == i.location.file for i in items)
    return (
        [i for i in items if isinstance(i, Parsed)],
        [i for i in items if isinstance(i, Rejected)],
        [i for i in items if isinstance(i, Unread)],
    )


def day_of_messages(count: int, bad: dict[int, str], prefix: str = "") -> str:
    """`count` messages (one login each) in a root element, message i changed by `bad[i]`
    (a replacement for its login), and the root's namespace declaration when prefixed."""
    tag = f"{prefix}:AuditMessage" if prefix else "AuditMessage"
    root = f'<Messages xmlns:{prefix}="urn:dicom">' if prefix else "<Messages>"
    parts = [root + "\n"]
    for i in range(count):
        text = message().replace("jdoe", bad.get(i, f"user{i}"))
        parts.append(text.replace("AuditMessage>", f"{tag}>"))
    return "".join(parts) + "</Messages>\n"


def test_one_unescaped_ampersand_costs_its_message_only(tmp_path):
    path = tmp_path / "day.xml"
    path.write_text(day_of_messages(1000, {2: "Smith & Jones"}), encoding="utf-8")
    parsed, (rejected,), unread = items_of(path)
    assert len(parsed) == 999 and not unread
    assert {e.value.user_login for e in parsed} == {f"user{i}" for i in range(1000)} - {"user2"}
    third = 2 + 2 * LINES  # the root takes line 1
    assert rejected.location.line == third
    assert rejected.reason == (
        "XML is malformed in this AuditMessage "
        f"(not well-formed (invalid token) on line {third + 9})"
    )
    assert rejected.content.startswith("<AuditMessage>") and "Smith & Jones" in rejected.content
    assert rejected.content.endswith("</AuditMessage>")  # up to the next message
    # line numbers after the fault are still the file's
    assert [e.location.line for e in parsed[:4]] == [2, 2 + LINES, 2 + 3 * LINES, 2 + 4 * LINES]
    assert parsed[-1].location.line == 2 + 999 * LINES


def test_the_rejection_never_quotes_the_record(tmp_path):
    path = tmp_path / "day.xml"
    path.write_text(day_of_messages(3, {1: "Okafor & SYN0001"}), encoding="utf-8")
    _, (rejected,), _ = items_of(path)
    assert "Okafor" not in rejected.reason and "SYN0001" not in rejected.reason


def test_prefixes_declared_on_the_root_still_hold_after_a_fault(tmp_path):
    path = tmp_path / "day.xml"
    path.write_text(day_of_messages(5, {0: "a&b", 3: "c&d"}, prefix="dcm"), encoding="utf-8")
    parsed, rejected, unread = items_of(path)
    assert [e.value.user_login for e in parsed] == ["user1", "user2", "user4"]
    assert [r.location.line for r in rejected] == [2, 2 + 3 * LINES] and not unread


def test_a_fault_in_the_last_message(tmp_path):
    path = tmp_path / "day.xml"
    path.write_text(day_of_messages(4, {3: "x & y"}), encoding="utf-8")
    parsed, rejected, unread = items_of(path)
    assert len(parsed) == 3 and not unread
    assert [r.location.line for r in rejected] == [2 + 3 * LINES]


def test_several_faults_in_a_row(tmp_path):
    bad = {i: "x & y" for i in range(2, 6)}
    path = tmp_path / "day.xml"
    path.write_text(day_of_messages(8, bad), encoding="utf-8")
    parsed, rejected, unread = items_of(path)
    assert [e.value.user_login for e in parsed] == ["user0", "user1", "user6", "user7"]
    assert [r.location.line for r in rejected] == [2 + i * LINES for i in range(2, 6)]
    assert not unread


def test_a_fault_in_the_root_start_tag_is_rejected_and_every_message_read(tmp_path):
    text = day_of_messages(3, {}).replace("<Messages>", '<Messages site="A&E">')
    path = tmp_path / "day.xml"
    path.write_text(text, encoding="utf-8")
    parsed, (rejected,), unread = items_of(path)
    assert len(parsed) == 3 and not unread
    assert rejected.location.line == 1 and "outside any AuditMessage" in rejected.reason
    assert rejected.content == '<Messages site="A&E">'


def test_text_between_messages_is_rejected_on_its_line(tmp_path):
    text = "<Messages>\n" + message() + "stray & text\n" + message() + "</Messages>\n"
    path = tmp_path / "day.xml"
    path.write_text(text, encoding="utf-8")
    parsed, (rejected,), _ = items_of(path)
    assert [e.location.line for e in parsed] == [2, 3 + LINES]
    assert rejected.location.line == 2 + LINES and rejected.content == "stray & text"


def test_a_message_without_its_end_tag_does_not_take_the_next_one(tmp_path):
    text = day_of_messages(3, {}).replace("</AuditMessage>", "", 1)
    path = tmp_path / "day.xml"
    path.write_text(text, encoding="utf-8")
    parsed, (rejected,), _ = items_of(path)
    assert [e.value.user_login for e in parsed] == ["user1", "user2"]
    assert rejected.location.line == 2 and "mismatched tag" in rejected.reason


@pytest.mark.parametrize(
    "start_tag", ['<AuditMessage id="a&b">', "<dcm:AuditMessage>"], ids=["bad", "unbound"]
)
def test_a_broken_message_start_tag_costs_that_message(tmp_path, start_tag):
    text = (
        day_of_messages(3, {})
        .replace("<AuditMessage>", start_tag, 2)
        .replace(start_tag, "<AuditMessage>", 1)
    )
    path = tmp_path / "day.xml"
    path.write_text(text, encoding="utf-8")
    parsed, (rejected,), _ = items_of(path)
    assert [e.value.user_login for e in parsed] == ["user0", "user2"]
    assert rejected.location.line == 2 + LINES and rejected.content.startswith(start_tag)


def test_truncated_after_a_fault_rejects_the_partial_message_and_leaves_nothing_unread(tmp_path):
    text = day_of_messages(3, {0: "a&b"})
    path = tmp_path / "day.xml"
    path.write_text(text[: text.rindex("<AuditMessage>") + 120], encoding="utf-8")
    parsed, rejected, unread = items_of(path)
    assert [e.value.user_login for e in parsed] == ["user1"] and not unread
    assert [(r.location.line, r.reason.split(" (")[0]) for r in rejected] == [
        (2, "XML is malformed in this AuditMessage"),
        (2 + 2 * LINES, "the file ends inside this AuditMessage"),
    ]


def test_a_file_cut_between_messages_loses_nothing(tmp_path):
    text = day_of_messages(3, {})
    path = tmp_path / "day.xml"
    path.write_text(text[: text.rindex("</Messages>")], encoding="utf-8")
    parsed, rejected, unread = items_of(path)
    assert len(parsed) == 3 and not rejected and not unread


def test_messages_in_a_row_without_a_root_are_all_read(tmp_path):
    path = tmp_path / "row.xml"
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    path.write_text(declaration + message() + declaration + message("U") + message("C"))
    parsed, rejected, unread = items_of(path)
    assert [e.value.action for e in parsed] == ["read", "update", "create"]
    assert [e.location.line for e in parsed] == [2, 3 + LINES, 3 + 2 * LINES]
    assert not rejected and not unread


def test_a_refused_dtd_counts_the_messages_left_unread(tmp_path):
    head = '<?xml version="1.0"?>\n<Messages>\n'
    text = head.replace("\n<M", '\n<!DOCTYPE Messages [<!ENTITY e "x">]>\n<M')
    text += message() + "<dcm:AuditMessage/>" * 2 + "</Messages>\n"
    path = tmp_path / "dtd.xml"
    path.write_text(text, encoding="utf-8")
    parsed, rejected, (unread,) = items_of(path)
    assert not parsed and not rejected
    assert (unread.location.line, unread.records) == (2, 3)
    assert unread.bytes == len(text.encode()) - text.index("<!DOCTYPE")
    assert unread.reason.startswith("refused: the XML declares a DTD or entities")


def test_start_tags_cut_by_read_blocks_are_still_found(tmp_path, monkeypatch):
    """Resuming and counting read the file a block at a time: a tag may straddle two."""
    text = day_of_messages(6, {1: "a&b", 4: "c&d"}, prefix="dcm")
    path = tmp_path / "day.xml"
    path.write_text(text, encoding="utf-8")
    expected = [(type(i), i.location.line) for i in atna.read(path)]
    for size in (1, 7, 13):
        monkeypatch.setattr(atna, "READ_BYTES", size)
        assert [(type(i), i.location.line) for i in atna.read(path)] == expected
    assert [kind.__name__ for kind, _ in expected].count("Rejected") == 2
    dtd = tmp_path / "dtd.xml"
    dtd.write_text('<!DOCTYPE m []>\n<m xmlns:dcm="urn:x">' + text.split("\n", 1)[1])
    (unread,) = atna.read(dtd)
    assert unread.records == 6


def test_the_ingest_format_passes_the_unread_remainder_on(tmp_path):
    from hygeia.privacy.formats import ATNA, ReadContext

    path = tmp_path / "dtd.xml"
    path.write_text("<!DOCTYPE m []>\n<Messages>\n" + message() * 3 + "</Messages>\n")
    (unread,) = ATNA.read(path, ReadContext(token="t"))
    assert isinstance(unread, Unread) and unread.records == 3
