"""IHE ATNA audit messages (DICOM PS3.15 A.5, the successor of RFC 3881) -> access events.

A file holds one `AuditMessage`, several in a row, or several inside any root element; the
same parser reads messages arriving over syslog (see `hygeia.privacy.listen`). Both the DICOM
attribute names (`csd-code`) and RFC 3881's (`code`) are read.

What is read:
- when: `EventIdentification/@EventDateTime`;
- what: EventID 110106 (Export), or the patient object's `ParticipantObjectDataLifeCycle` 10
  (export, copy to target) or 11 (disclosure) -> `export`, else `@EventActionCode`
  (C/R/U/D/E); an `EventTypeCode` whose code or words say "print" makes the subtype
  `print` (EHRs record a printed face sheet as a read of that type, and data theft counts
  prints);
- who: the `ActiveParticipant` that is the requestor (`UserIsRequestor`, true when absent, as
  RFC 3881 says) and not a device (role 110150-110153): `UserID` as the login (else
  `AlternativeUserID`), `NetworkAccessPointID`;
- the patient: the `ParticipantObjectIdentification` of type 1 (Person) and role 1 (Patient):
  its `ParticipantObjectID`, an HL7 CX value whose first component is the identifier (MRN);
- purposes: `EventIdentification/PurposeOfUse` (ETREAT is break-the-glass);
- the source: `AuditSourceIdentification/@AuditSourceID`.

Parsing refuses DTDs, entity declarations and external references (XXE, entity expansion)
and never fetches anything: nothing after such a declaration is read, and the remainder is
reported as unread (its bytes and the AuditMessage start tags in it). Malformed XML costs only
the message it is in: reading resumes at the next message (see `_resync`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import errors as expat_errors
from xml.sax.saxutils import quoteattr

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from hygeia.lake.ndjson import QUARANTINE_CONTENT_BYTES, excerpt
from hygeia.lake.records import Location, Parsed, RecordError, Rejected, Unread
from hygeia.privacy.events import AccessEvent, parse_instant, stable_id

ACTION_CODES = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "execute"}
EXPORT_EVENT = "110106"
LEAVING_LIFECYCLE = {"10", "11"}  # RFC 3881 data life cycle: export / copy to target, disclosure
DEVICE_ROLES = {"110150", "110151", "110152", "110153"}
BREAK_GLASS = {"ETREAT", "BTG"}
OUTCOMES = {"0": "success", "4": "minor failure", "8": "serious failure", "12": "major failure"}
READ_BYTES = 1 << 16
MAX_MESSAGE_ELEMENTS = 10_000  # a real message has a few dozen
MAX_PREFIXES = 100  # namespace declarations remembered for resuming after a fault
# A message's start tag, with or without a namespace prefix.
START = re.compile(rb"<(?:[^\s<>/:!?=\"']{1,64}:)?AuditMessage[\s/>]")
START_BYTES = 80  # the longest START can match
# What may lie between messages without being a record: blanks, end tags, declarations.
NOT_RECORDS = re.compile(rb"(?:\s|</[^<>]*>|<\?[^<>]*\?>|<!--(?:[^-]|-(?!->))*-->)*")
RESUMED = "hygeia-resumed"  # the element a resumed stream is wrapped in
LOOKBACK = 4096  # how far back from a fault the tag or text it is in is looked for
JUNK_AFTER_DOCUMENT = expat_errors.codes[expat_errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]


SENSITIVITY_SPLIT = re.compile(r"[\s,;^~]+")  # one code, or several in one attribute


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


def _lifecycle(obj: Element) -> str:
    """ParticipantObjectDataLifeCycle: an attribute (RFC 3881) or a coded element (DICOM)."""
    return (
        obj.get("ParticipantObjectDataLifeCycle")
        or _code(_child(obj, "ParticipantObjectDataLifeCycle"))
    ).strip()


def _says_print(code: Element | None) -> bool:
    """Whether an event type's code, display name or original text names printing."""
    if code is None:
        return False
    words = " ".join(
        code.get(name) or "" for name in ("csd-code", "code", "displayName", "originalText")
    )
    return "print" in words.lower()


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
    sensitivity: list[str] = []
    leaving = False
    for obj in _children(message, "ParticipantObjectIdentification"):
        if obj.get("ParticipantObjectTypeCode") == "1" and (
            obj.get("ParticipantObjectTypeCodeRole") == "1"
        ):
            leaving = _lifecycle(obj) in LEAVING_LIFECYCLE
            patient_identifier = (obj.get("ParticipantObjectID") or "").split("^", 1)[0].strip()
            # The record's confidentiality as the EHR saw it (R, V, a site's VIP code): where
            # a feed carries no Patient resources with labels, the only flag there is.
            sensitivity = SENSITIVITY_SPLIT.split(obj.get("ParticipantObjectSensitivity") or "")
            if patient_identifier:
                break
    purposes = tuple(
        dict.fromkeys(c for c in (_code(p) for p in _children(event, "PurposeOfUse")) if c)
    )
    audit_source = _child(message, "AuditSourceIdentification")
    system = (audit_source.get("AuditSourceID") if audit_source is not None else "") or source
    outcome_code = event.get("EventOutcomeIndicator") or "0"
    event_type = _code(_child(event, "EventTypeCode"))
    # the identity keeps the action and code as sent: a store read by an earlier version
    # recognises the same message as a duplicate
    subtype = "print" if _says_print(_child(event, "EventTypeCode")) else event_type
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
        action="export" if leaving else action,
        subtype=subtype or event_id_code,
        purpose_of_use=purposes,
        break_glass=bool(BREAK_GLASS.intersection(purposes)),
        resource_type="",
        outcome=OUTCOMES.get(outcome_code, outcome_code),
        source_system=system,
        network_address=(user.get("NetworkAccessPointID") or "").strip(),
        extra={"sensitivity": codes} if (codes := [c for c in sensitivity if c][:8]) else {},
    )


class _Collector(TreeBuilder):
    """Builds each AuditMessage, hands it over when it ends, and forgets it.

    Lines and byte offsets are the file's: the parser may have started part-way through the
    file, after a resynchronisation, `line` and `offset` being where its input begins."""

    def __init__(self, line: int, offset: int, namespaces: dict[str, str]) -> None:
        super().__init__()
        self.parser: Any = None
        self.done: list[tuple[int, Element | None, str]] = []
        self.namespaces = namespaces  # declared outside messages: re-declared on resuming
        self.line = line - 1
        self.offset = offset
        self.message_line = 0  # where the message being built starts (0: none is)
        self.message_offset = 0
        self._depth = 0
        self._message_depth = 0
        self._elements = 0
        self._open: list[Element] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        if not self._message_depth and (
            prefix in self.namespaces or len(self.namespaces) < MAX_PREFIXES
        ):
            self.namespaces[prefix] = uri

    def start(self, tag: Any, attrs: Any) -> Element:
        self._depth += 1
        if not self._message_depth and _local(tag) == "AuditMessage":
            self._message_depth = self._depth
            self.message_line = self.line + self.parser.parser.CurrentLineNumber
            self.message_offset = self.offset + self.parser.parser.CurrentByteIndex
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
                self.done.append((self.message_line, None, "message has too many elements"))
            else:
                self.done.append((self.message_line, element, ""))
            self._message_depth = 0
            self.message_line = 0
            if self._open:
                del self._open[-1][-1]  # the container need not keep every message
        self._depth -= 1
        return element


def messages(handle: BinaryIO, name: str) -> Iterator[tuple[int, Element] | Rejected | Unread]:
    """AuditMessage elements from a seekable byte stream, each with the line it starts on.

    Malformed XML costs the one message it is in, not the rest of the file: the message is
    rejected and reading resumes at the next `<AuditMessage` start tag with a fresh parser
    (see `_resync`). A DTD or entity declaration is refused, never expanded: nothing after it
    is read, and what is left is reported as `Unread`."""
    size = handle.seek(0, os.SEEK_END)
    offset, line = 0, 1
    namespaces: dict[str, str] = {}
    while True:
        # A resumed stream is wrapped in an element that declares again the prefixes the
        # file declared outside its messages (on its root, usually); on one line, so that
        # line numbers stay the file's.
        head = b""
        if offset:
            declared = "".join(
                f" xmlns:{prefix}={quoteattr(uri)}" if prefix else f" xmlns={quoteattr(uri)}"
                for prefix, uri in namespaces.items()
            )
            head = f"<{RESUMED}{declared}>".encode()
        collector = _Collector(line, offset - len(head), namespaces)
        parser = DefusedXMLParser(target=collector, forbid_dtd=True)
        collector.parser = parser
        ended = False
        handle.seek(offset)
        try:
            parser.feed(head)
            while chunk := handle.read(READ_BYTES):
                parser.feed(chunk)
                yield from _drain(collector, name)
            ended = True
            if head:
                parser.feed(f"</{RESUMED}>".encode())
            parser.close()
            yield from _drain(collector, name)
            return
        except DefusedXmlException as exc:
            yield from _drain(collector, name)
            expat = parser.parser
            start, start_line = _markup_start(
                handle,
                collector.offset + expat.CurrentByteIndex,
                collector.line + expat.CurrentLineNumber,
            )
            yield Unread(
                Location(name, start_line),
                f"refused: the XML declares a DTD or entities ({type(exc).__name__}); "
                "nothing after it is read",
                size - start,
                sum(1 for _ in _starts(handle, start, start_line)),
            )
            return
        except ParseError as exc:
            yield from _drain(collector, name)
            rejected, resume = _resync(handle, name, size, collector, parser, exc, ended)
            if rejected is not None:
                yield rejected
            if resume is None:
                return
            offset, line = resume


def _resync(
    handle: BinaryIO,
    name: str,
    size: int,
    collector: _Collector,
    parser: Any,
    exc: ParseError,
    ended: bool,
) -> tuple[Rejected | None, tuple[int, int] | None]:
    """The rejection a fault in the XML costs, and where reading resumes (offset and line;
    None when nothing is left).

    The damaged span starts at the message the fault is in: the one being built, or the one
    whose start tag is broken. Reading resumes at the next `<AuditMessage` start tag after
    that message's start, so a message whose end tag is missing does not take the next one
    with it. A fault outside any message (the root's start tag, text between messages) skips
    to the next start tag after the fault; it costs no rejection when all it skipped was
    blanks, end tags and declarations: the root's end tag seen by a resumed parser, messages
    in a row without a root element, a file cut between two messages."""
    expat = parser.parser
    fault = min(max(collector.offset + expat.ErrorByteIndex, 0), size)
    fault_line = collector.line + expat.ErrorLineNumber
    if collector.message_line:
        start, line, in_message = collector.message_offset, collector.message_line, True
    elif exc.code == JUNK_AFTER_DOCUMENT:  # a second document element: not itself a fault
        start, line, in_message = fault, fault_line, False
    else:
        start, line = _markup_start(handle, fault, fault_line)
        handle.seek(start)
        in_message = START.match(handle.read(START_BYTES)) is not None
    resume = next(_starts(handle, start + in_message, line), None)
    end = resume[0] if resume else size
    handle.seek(start)
    content = handle.read(min(end - start, QUARANTINE_CONTENT_BYTES))
    problem = str(exc).split(":", 1)[0]
    if in_message and ended and resume is None:
        reason = "the file ends inside this AuditMessage (truncated)"
    elif in_message:
        reason = f"XML is malformed in this AuditMessage ({problem} on line {fault_line})"
    elif len(content) == end - start and NOT_RECORDS.fullmatch(content):
        return None, resume
    else:
        reason = f"XML is malformed outside any AuditMessage ({problem})"
    return Rejected(Location(name, line), reason, excerpt(content)), resume


def _markup_start(handle: BinaryIO, fault: int, fault_line: int) -> tuple[int, int]:
    """Where the tag or text the fault is in starts, and its line: a tag the parser had not
    finished, else the text since the last tag (less its leading blanks)."""
    low = max(0, fault - LOOKBACK)
    handle.seek(low)
    window = handle.read(fault + 1 - low)
    cut = fault - low
    tag, closed = window.rfind(b"<"), window.rfind(b">", 0, cut)
    if tag > closed:
        at = tag
    else:
        text = window[closed + 1 : cut]
        at = closed + 1 + len(text) - len(text.lstrip())
    return low + at, fault_line - window.count(b"\n", at, cut)


def _starts(handle: BinaryIO, offset: int, line: int) -> Iterator[tuple[int, int]]:
    """Offset and line of every message start tag from `offset` on, reading a block at a
    time (a tag cut by a block boundary is found whole in the next block)."""
    handle.seek(offset)
    carry, base, counted = b"", offset, offset  # base: offset of data[0]; counted: newlines
    while chunk := handle.read(READ_BYTES):
        data = carry + chunk
        for match in START.finditer(data):
            if match.end() <= len(carry):
                continue  # found with the previous block
            at = base + match.start()
            if at > counted:  # else the tag straddled the blocks: no newline in its start
                line += data.count(b"\n", counted - base, match.start())
                counted = at
            yield at, line
        line += data.count(b"\n", counted - base)
        counted = base + len(data)
        carry = data[-START_BYTES:]
        base = counted - len(carry)


def _drain(collector: _Collector, name: str) -> Iterator[tuple[int, Element] | Rejected]:
    done = list(collector.done)
    collector.done.clear()
    for line, element, problem in done:
        if element is None:
            yield Rejected(Location(name, line), problem)
        else:
            yield line, element
            element.clear()


def read(path: Path) -> Iterator[Parsed[AccessEvent] | Rejected | Unread]:
    """Every AuditMessage in an XML file, as an event or a rejection; what could not be read
    is reported as `Unread`."""
    name = str(path)
    with path.open("rb") as handle:
        for item in messages(handle, name):
            if isinstance(item, Rejected | Unread):
                yield item
                continue
            line, element = item
            where = Location(name, line)
            try:
                yield Parsed(where, parse_message(element))
            except RecordError as exc:
                yield Rejected(where, str(exc))
