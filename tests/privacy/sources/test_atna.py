"""IHE ATNA audit messages (DICOM PS3.15 A.5 / RFC 3881), including hostile XML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hygeia.lake.records import Parsed, Rejected
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
    parsed, rejected = read(tmp_path, xxe)
    assert not parsed and "DTD" in next(iter(rejected.values()))


def test_entity_expansion_is_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n<lolz>&lol2;</lolz>'
    )
    parsed, rejected = read(tmp_path, bomb)
    assert not parsed and rejected


def test_truncated_file_keeps_what_came_before(tmp_path):
    text = "<Messages>\n" + message() + message()[:200]
    parsed, rejected = read(tmp_path, text)
    assert len(parsed) == 1
    ((line, reason),) = rejected.items()
    assert "malformed or truncated" in reason and line > 2


def test_binary_garbage_is_rejected(tmp_path):
    path = tmp_path / "audit.xml"
    path.write_bytes(b"\x00\xff\xfe\x01 not xml at all")
    items = list(atna.read(path))
    assert len(items) == 1 and isinstance(items[0], Rejected)
