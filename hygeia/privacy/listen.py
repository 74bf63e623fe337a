"""`hygeia privacy listen`: a syslog receiver for IHE ATNA audit messages, so that EHRs can
send accesses as they happen.

Accepts RFC 5424 messages over TCP (RFC 6587: octet-counted or newline-framed), TLS
(RFC 5425) and UDP (RFC 5426), whose MSG part is an ATNA `AuditMessage` (XML). Messages are
gathered and committed to the store every few seconds, or sooner when many arrive, through
the same crash-safe commit as `privacy ingest`; each commit appears on the Sources page.
"""

from __future__ import annotations

import asyncio
import io
import re
import signal
import ssl
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

from hygeia.lake.records import Location, Parsed, RecordError, Rejected, Unread
from hygeia.privacy.events import EVENTS
from hygeia.privacy.formats import Format, ReadContext, atna_tables
from hygeia.privacy.sources import atna

MAX_MESSAGE_BYTES = 1 << 20
HEADER = re.compile(
    rb"^<(?P<pri>\d{1,3})>(?P<version>\d{1,2}) (?P<timestamp>\S+) (?P<host>\S+) (?P<app>\S+) "
    rb"(?P<procid>\S+) (?P<msgid>\S+) "
)
BOM = b"\xef\xbb\xbf"
LISTEN_FORMAT = Format(
    "atna-syslog", EVENTS, lambda path, ctx: iter(()), 55, "IHE ATNA over syslog"
)


class SyslogError(ValueError):
    pass


def _skip_structured_data(rest: bytes) -> bytes:
    """RFC 5424 STRUCTURED-DATA is '-' or [elements], where ']' may be escaped as '\\]'."""
    if rest.startswith(b"-"):
        return rest[1:].lstrip(b" ")
    index = 0
    while index < len(rest) and rest[index : index + 1] == b"[":
        index += 1
        while index < len(rest):
            char = rest[index : index + 1]
            if char == b"\\":
                index += 2
                continue
            index += 1
            if char == b"]":
                break
        else:
            raise SyslogError("unterminated structured data")
    return rest[index:].lstrip(b" ")


def payload(message: bytes) -> bytes:
    """The MSG part of an RFC 5424 message (an XML AuditMessage for ATNA)."""
    match = HEADER.match(message)
    if not match:
        raise SyslogError("not an RFC 5424 syslog message")
    body = _skip_structured_data(message[match.end() :])
    if body.startswith(BOM):
        body = body[len(BOM) :]
    return body.strip()


@dataclass
class Buffer:
    """Messages received since the last commit: events, and what had to be quarantined."""

    items: list[Parsed[Any] | Rejected] = field(default_factory=list)
    received: int = 0

    def add(self, message: bytes, origin: str) -> None:
        self.received += 1
        where = Location(origin, self.received)
        try:
            xml = payload(message)
            events, problems = [], []
            for found in atna.messages(io.BytesIO(xml), origin):  # one by one: see _drain
                if isinstance(found, Rejected | Unread):
                    problems.append(found.reason)
                else:
                    events.append(atna.parse_message(found[1]))
            if len(events) != 1 or problems:
                raise RecordError(problems[0] if problems else "not one AuditMessage")
            self.items.append(Parsed(where, events[0]))
        except (SyslogError, RecordError) as exc:
            text = message[:4096].decode("utf-8", "replace")
            self.items.append(Rejected(where, str(exc), text))


class Listener:
    def __init__(
        self,
        bind: str,
        tcp: int | None,
        udp: int | None,
        tls: int | None,
        tls_context: ssl.SSLContext | None,
        flush_seconds: float,
        max_batch: int,
        source: str = "",
    ) -> None:
        self.bind = bind
        self.source = source  # --source: part of every event's identity
        self.ports = {"tcp": tcp, "udp": udp, "tls": tls}
        self.tls_context = tls_context
        self.flush_seconds = flush_seconds
        self.max_batch = max_batch
        self.buffer = Buffer()
        self.run = uuid.uuid4().hex
        self.totals = {"received": 0, "stored": 0, "duplicate": 0, "quarantined": 0,
                       "conflicts": 0, "commits": 0}  # fmt: skip
        self._stop = asyncio.Event()
        self._flushing = asyncio.Lock()

    # --- receiving -------------------------------------------------------------------------

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername") or ("?", 0)
        scheme = "tls" if writer.get_extra_info("sslcontext") else "tcp"
        origin = f"syslog+{scheme}://{peer[0]}"
        try:
            while not reader.at_eof():
                message = await self._frame(reader)
                if message is None:
                    break
                if message:
                    self._received(message, origin)
        except (asyncio.IncompleteReadError, ConnectionError, SyslogError, ssl.SSLError):
            pass  # a sender that breaks its framing is disconnected; what came before is kept
        finally:
            writer.close()

    async def _frame(self, reader: asyncio.StreamReader) -> bytes | None:
        """One message: octet-counted ('LEN SP MSG') or newline-terminated (RFC 6587)."""
        first = await reader.read(1)
        if not first:
            return None
        if first.isdigit():
            digits = first + await reader.readuntil(b" ")
            length = int(digits.strip())
            if length > MAX_MESSAGE_BYTES:
                raise SyslogError("message too long")
            return await reader.readexactly(length)
        line = first + await reader.readline()
        return line.rstrip(b"\r\n")

    def _received(self, message: bytes, origin: str) -> None:
        self.buffer.add(message, origin)
        if len(self.buffer.items) >= self.max_batch:
            asyncio.get_running_loop().create_task(self.flush())

    # --- committing ------------------------------------------------------------------------

    async def flush(self) -> None:
        async with self._flushing:
            batch, self.buffer = self.buffer, Buffer(received=self.buffer.received)
            if batch.items:
                await asyncio.to_thread(self._commit, batch.items)

    def _commit(self, items: list[Parsed[Any] | Rejected]) -> None:
        from django.db import close_old_connections

        from hygeia.privacy.ingest import commit_items, lake, mrn_lookup

        close_old_connections()
        store = lake()
        context = ReadContext(
            token=uuid.uuid4().hex, lookup_mrn=mrn_lookup(store), feed=self.source
        )

        report = commit_items(
            store,
            self.run,
            "syslog listener",
            0,
            LISTEN_FORMAT,
            lambda: atna_tables(iter(items), "atna-syslog", context),
            context,
        )
        self.totals["received"] += len(items)
        for name in ("stored", "duplicate", "quarantined", "conflicts"):
            self.totals[name] += getattr(report, name)
        self.totals["commits"] += 1

    async def _ticker(self) -> None:
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.flush_seconds)
            except TimeoutError:
                await self.flush()

    # --- running ---------------------------------------------------------------------------

    async def serve(self) -> dict[str, int]:
        loop = asyncio.get_running_loop()
        servers: list[Any] = []
        if self.ports["tcp"] is not None:
            servers.append(await asyncio.start_server(self._stream, self.bind, self.ports["tcp"]))
            self._announce("tcp", servers[-1])
        if self.ports["tls"] is not None:
            servers.append(
                await asyncio.start_server(
                    self._stream, self.bind, self.ports["tls"], ssl=self.tls_context
                )
            )
            self._announce("tls", servers[-1])
        if self.ports["udp"] is not None:
            listener = self

            class Datagrams(asyncio.DatagramProtocol):
                def datagram_received(self, data: bytes, addr: Any) -> None:
                    listener._received(data.rstrip(b"\r\n"), f"syslog+udp://{addr[0]}")

            transport, _ = await loop.create_datagram_endpoint(
                Datagrams, local_addr=(self.bind, self.ports["udp"])
            )
            servers.append(transport)
            print(f"listening udp {self.bind}:{self.ports['udp']}", file=sys.stderr, flush=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop.set)
        ticker = loop.create_task(self._ticker())
        await self._stop.wait()
        for server in servers:
            server.close()
        await ticker
        await self.flush()
        return self.totals

    def _announce(self, kind: str, server: asyncio.Server) -> None:
        port = server.sockets[0].getsockname()[1]
        print(f"listening {kind} {self.bind}:{port}", file=sys.stderr, flush=True)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context
