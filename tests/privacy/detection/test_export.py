"""SIEM outputs: NDJSON, CSV, OCSF Detection Finding, CEF over syslog to a real socket."""

from __future__ import annotations

import csv
import io
import json
import socket
import socketserver
import threading
from datetime import UTC, datetime

import pytest

from hygeia.privacy.detection import export
from hygeia.privacy.models import Alert

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts():
    made = [
        Alert.objects.create(
            key="a" * 32,
            user_id="jdoe",
            practitioner_id="pr-1",
            patient_id="pt-1",
            detectors=["family", "repeated_lookup"],
            score=91.5,
            severity="high",
            reasons=["same home address as the user", "opened 5 times = on | 3 days"],
            first_event=datetime(2025, 11, 1, 9, tzinfo=UTC),
            last_event=datetime(2025, 11, 3, 9, tzinfo=UTC),
            events=5,
        ),
        Alert.objects.create(
            key="b" * 32,
            user_id="olduser",
            patient_id="",
            detectors=["terminated_account"],
            patients=["pt-7", "pt-8"],
            score=95,
            severity="critical",
            reasons=["3 access(es) after the owner's termination date"],
            first_event=datetime(2025, 11, 2, 9, tzinfo=UTC),
            last_event=datetime(2025, 11, 2, 10, tzinfo=UTC),
            events=3,
        ),
    ]
    return made


def test_ndjson_has_the_documented_fields(alerts):
    rows = [json.loads(line) for line in export.ndjson(alerts)]
    assert list(rows[0]) == list(export.FIELDS)
    assert rows[0]["detectors"] == ["family", "repeated_lookup"]
    assert rows[1]["patient_id"] == "" and rows[1]["practitioner_id"] == ""
    assert rows[0]["patients"] == [] and rows[1]["patients"] == ["pt-7", "pt-8"]
    assert rows[0]["first_event"] == "2025-11-01T09:00:00+00:00"


def test_csv_round_trips(alerts):
    text = "".join(export.csv_lines(alerts))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["a" * 32, "b" * 32]
    assert rows[0]["detectors"] == "family;repeated_lookup"
    assert rows[0]["reasons"].startswith("same home address")
    assert (rows[0]["patients"], rows[1]["patients"]) == ("", "pt-7;pt-8")


def test_ocsf_detection_finding(alerts):
    finding = export.ocsf(alerts[0])
    assert (finding["class_uid"], finding["category_uid"], finding["type_uid"]) == (2004, 2, 200401)
    assert finding["severity_id"] == 4 and finding["metadata"]["version"].startswith("1.")
    assert finding["resources"] == [{"type": "Patient", "uid": "pt-1"}]
    assert finding["actor"]["user"]["name"] == "jdoe"
    # a behaviour alert's resources are the records it names
    assert export.ocsf(alerts[1])["resources"] == [
        {"type": "Patient", "uid": "pt-7"},
        {"type": "Patient", "uid": "pt-8"},
    ]
    alerts[1].patients = []
    assert "resources" not in export.ocsf(alerts[1])
    assert export.ocsf(alerts[1])["severity_id"] == 5


def test_cef_escapes_separators(alerts):
    line = export.cef(alerts[0])
    assert line.startswith("CEF:0|Hygeia|Hygeia|")
    assert "msg=same home address as the user; opened 5 times \\= on | 3 days" in line
    assert "|family, repeated_lookup|8|" in line
    assert "cs1=pt-1" in line and "suser=jdoe" in line


class _Collector(socketserver.BaseRequestHandler):
    received: list[bytes] = []

    def handle(self):
        data = self.request[0] if isinstance(self.request, tuple) else self._read_all()
        type(self).received.append(data)

    def _read_all(self) -> bytes:
        chunks = []
        while chunk := self.request.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return thread


def _wait_for(count: int) -> None:
    for _ in range(200):
        if len(_Collector.received) >= count:
            return
        threading.Event().wait(0.05)


def test_send_over_tcp_uses_octet_counting(alerts):
    _Collector.received = []
    with socketserver.TCPServer(("127.0.0.1", 0), _Collector) as server:
        _serve(server)
        sent = export.send(alerts, f"tcp://127.0.0.1:{server.server_address[1]}")
        _wait_for(1)
        server.shutdown()
    assert sent == 2
    stream = b"".join(_Collector.received)
    length, rest = stream.split(b" ", 1)
    first = rest[: int(length)]
    assert first.startswith(b"<107>1 ") and b"CEF:0|Hygeia|" in first


def test_send_over_udp_one_datagram_each(alerts):
    _Collector.received = []
    with socketserver.UDPServer(("127.0.0.1", 0), _Collector) as server:
        _serve(server)
        export.send(alerts, f"udp://127.0.0.1:{server.server_address[1]}")
        _wait_for(2)
        server.shutdown()
    assert len(_Collector.received) == 2
    assert _Collector.received[1].startswith(b"<106>1 ")  # critical


def test_send_errors_are_clear(alerts):
    with pytest.raises(export.SendError, match="tcp://, tls:// or udp://"):
        export.send(alerts, "http://example.org")
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(export.SendError, match="ConnectionRefused"):
        export.send(alerts, f"tcp://127.0.0.1:{port}")


def test_send_over_tls_verifies_the_collector(alerts, tmp_path):
    import ssl

    from tests.privacy.test_listen import self_signed

    cert, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    _Collector.received = []

    class TLSServer(socketserver.TCPServer):
        def get_request(self):
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

    with TLSServer(("127.0.0.1", 0), _Collector) as server:
        _serve(server)
        port = server.server_address[1]
        with pytest.raises(export.SendError, match="CERTIFICATE_VERIFY_FAILED"):
            export.send(alerts, f"tls://localhost:{port}")  # not trusted without --ca-file
        assert export.send(alerts, f"tls://localhost:{port}", ca_file=cert) == 2
        _wait_for(1)  # one connection, both messages
        server.shutdown()
    assert any(b"CEF:0|Hygeia|" in chunk for chunk in _Collector.received)
