"""IHE ATNA audit messages (DICOM PS3.15 A.5, the successor of RFC 3881) -> access events.

A file holds one `AuditMessage`, several in a row, or several inside any root element; the
same parser reads messages arriving over syslog (see `hygeia.privacy.listen`). Both the DICOM
attribute names (`csd-code`) and RFC 3881's (`code`) are read.

What is read:
- when: `EventIdentification/@EventDateTime`;
- what: EventID 110106 (Export) -> `export`, else `@EventActionCode` (C/R/U/D/E);
- who: the `ActiveParticipant` that is the requestor (`UserIsRequestor`, true when absent, as
  RFC 3881 says) and not a device (role 110150-110153): `UserID` as the login (else
  `AlternativeUserID`), `NetworkAccessPointID`;
- the patient: the `ParticipantObjectIdentification` of type 1 (Person) and role 1 (Patient):
  its `ParticipantObjectID`, an HL7 CX value whose first component is the identifier (MRN);
- purposes: `EventIdentification/PurposeOfUse` (ETREAT is break-the-glass);
- the source: `AuditSourceIdentification/@AuditSourceID`.

Parsing refuses DTDs, entity declarations and external references (XXE, entity expansion)
and never fetches anything: such a file is rejected as a whole, naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from hygeia.lake.records import Location, Parsed, RecordError, Rejected
from hygeia.privacy.events import AccessEvent, parse_instant, stable_id

ACTION_CODES = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}
EXPORT_EVENT = "110106"
DEVICE_ROLES = {"110150", "110151", "110152", "110153"}
BREAK_GLASS = {"ETREAT", "BTG"}
OUTCOMES = {"0": "success", "4": "minor failure", "8": "serious failure", "12": "major failure"}
READ_BYTES = 1 << 16
MAX_MESSAGE_ELEMENTS = 10_000  # a real message has a few dozen


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _code(element: Element | None) -> str:
    if element is None:
        return ""
    return element.get("csd-code") or element.get("code") or ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _is_requestor(participant: Element) -> bool:
    return (participant.get("UserIsRequestor") or "true").strip().lower() != "false"


def parse_message(message: Element, source: str = "") -> AccessEvent:
    """One AuditMessage as an access event, or RecordError saying why not."""
    if _local(message.tag) != "AuditMessage":
        raise RecordError(f"element {_local(message.tag)[:40]!r} is not an AuditMessage")
    event = _child(message, "EventIdentification")
    if event is None:
        raise RecordError("no EventIdentification")
    occurred, offset = parse_instant(event.get("EventDateTime"), "EventDateTime")
    event_id_code = _code(_child(event, "EventID"))
    action_code = (event.get("EventActionCode") or "").strip()
    action = "export" if event_id_code == EXPORT_EVENT else ACTION_CODES.get(action_code, "")
    if not action:
        raise RecordError("no recognisable EventActionCode")

    people = [
        p
        for p in _children(message, "ActiveParticipant")
        if not DEVICE_ROLES.intersection(_code(r) for r in _children(p, "RoleIDCode"))
    ]
    if not people:
        raise RecordError("no ActiveParticipant that is a person")
    user = next((p for p in people if _is_requestor(p)), people[0])
    login = (user.get("UserID") or user.get("AlternativeUserID") or "").strip()
    if not login:
        raise RecordError("the user is not identified (no UserID)")

    patient_identifier = ""
    for obj in _children(message, "ParticipantObjectIdentification"):
        if obj.get("ParticipantObjectTypeCode") == "1" and (
            obj.get("ParticipantObjectTypeCodeRole") == "1"
        ):
            patient_identifier = (obj.get("ParticipantObjectID") or "").split("^", 1)[0].strip()
            if patient_identifier:
                break
    purposes = tuple(
        dict.fromkeys(c for c in (_code(p) for p in _children(event, "PurposeOfUse")) if c)
    )
    audit_source = _child(message, "AuditSourceIdentification")
    system = (audit_source.get("AuditSourceID") if audit_source is not None else "") or source
    outcome_code = event.get("EventOutcomeIndicator") or "0"
    event_type = _code(_child(event, "EventTypeCode"))
    return AccessEvent(
        event_id=stable_id(
            "atna",
            system,
            occurred.isoformat(),
            login,
            patient_identifier,
            action,
            event_id_code,
            event_type,
            user.get("NetworkAccessPointID") or "",
        ),
        occurred_utc=occurred,
        utc_offset_minutes=offset,
        user_login=login,
        user_practitioner="",
        patient_ref="",
        patient_identifier=patient_identifier,
        action=action,
        subtype=event_type or event_id_code,
        purpose_of_use=purposes,
        break_glass=bool(BREAK_GLASS.intersection(purposes)),
        resource_type="",
        outcome=OUTCOMES.get(outcome_code, outcome_code),
        source_system=system,
        network_address=(user.get("NetworkAccessPointID") or "").strip(),
    )


class _Collector(TreeBuilder):
    """Builds each AuditMessage, hands it over when it ends, and forgets it."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.done: list[tuple[int, Element | None, str]] = []
        self._depth = 0
        self._message_depth = 0
        self._message_line = 0
        self._elements = 0
        self._open: list[Element] = []

    def start(self, tag: Any, attrs: Any) -> Element:
        self._depth += 1
        if _local(tag) == "AuditMessage" and not self._message_depth:
            self._message_depth = self._depth
            self._message_line = self.parser.parser.CurrentLineNumber if self.parser else 0
            self._elements = 0
        self._elements += 1
        element = super().start(tag, attrs)
        self._open.append(element)
        return element

    def end(self, tag: Any) -> Element:
        element = super().end(tag)
        self._open.pop()
        if self._depth == self._message_depth:
            if self._elements > MAX_MESSAGE_ELEMENTS:
                self.done.append((self._message_line, None, "message has too many elements"))
            else:
                self.done.append((self._message_line, element, ""))
            self._message_depth = 0
            if self._open:
                del self._open[-1][-1]  # the container need not keep every message
        self._depth -= 1
        return element


def messages(chunks: Iterator[bytes], name: str) -> Iterator[tuple[int, Element] | Rejected]:
    """AuditMessage elements from a byte stream, each with the line it starts on."""
    collector = _Collector()
    parser = DefusedXMLParser(target=collector, forbid_dtd=True)
    collector.parser = parser
    try:
        for chunk in chunks:
            parser.feed(chunk)
            yield from _drain(collector, name)
        parser.close()
        yield from _drain(collector, name)
    except DefusedXmlException as exc:
        yield from _drain(collector, name)
        line = parser.parser.CurrentLineNumber
        yield Rejected(
            Location(name, line),
            f"refused: the XML declares a DTD or entities ({type(exc).__name__}); "
            "nothing after this point was read",
        )
    except ParseError as exc:
        yield from _drain(collector, name)
        line = exc.position[0] if getattr(exc, "position", None) else 0
        yield Rejected(
            Location(name, line),
            f"XML is malformed or truncated here ({str(exc).split(':', 1)[0]}); "
            "nothing after this point was read",
        )


def _drain(collector: _Collector, name: str) -> Iterator[tuple[int, Element] | Rejected]:
    done = list(collector.done)
    collector.done.clear()
    for line, element, problem in done:
        if element is None:
            yield Rejected(Location(name, line), problem)
        else:
            yield line, element
            element.clear()


def read(path: Path) -> Iterator[Parsed[AccessEvent] | Rejected]:
    """Every AuditMessage in an XML file, as an event or a rejection."""
    name = str(path)

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(READ_BYTES):
                yield chunk

    for item in messages(chunks(), name):
        if isinstance(item, Rejected):
            yield item
            continue
        line, element = item
        where = Location(name, line)
        try:
            yield Parsed(where, parse_message(element))
        except RecordError as exc:
            yield Rejected(where, str(exc))
