"""`hygeia privacy listen`, a real process receiving ATNA over syslog on TCP, TLS and UDP."""

from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import ssl
import subprocess
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hygeia.lake.store import Lake
from hygeia.privacy.events import EVENTS
from tests.privacy.sources.test_atna import message
from tests.privacy.test_ingest_crash import env_for, hygeia


def syslog(xml: str, host: str = "ehr01") -> bytes:
    body = xml.replace("\n", " ").encode()
    return (
        b"<85>1 2026-03-08T06:30:00Z "
        + host.encode()
        + b" EHR 42 IHE+RFC-3881 - \xef\xbb\xbf"
        + body
    )


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed(folder) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def test_receives_over_tcp_tls_and_udp_and_commits(tmp_path):
    data = tmp_path / "var"
    assert hygeia(data, "init", "--no-input").returncode == 0
    cert, key = self_signed(tmp_path)
    tcp, tls, udp = free_port(), free_port(), free_port(socket.SOCK_DGRAM)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hygeia.cli",
            "privacy",
            "listen",
            "--tcp",
            str(tcp),
            "--tls",
            str(tls),
            "--udp",
            str(udp),
            "--tls-cert",
            cert,
            "--tls-key",
            key,
            "--flush-seconds",
            "0.5",
            "--json",
        ],
        env=env_for(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = [process.stderr.readline() for _ in range(3)]  # type: ignore[union-attr]
        assert all(line.startswith("listening") for line in ready), ready

        first, second = syslog(message("R")), syslog(message("U"))
        with socket.create_connection(("127.0.0.1", tcp)) as sock:
            sock.sendall(f"{len(first)} ".encode() + first)  # octet counting
            sock.sendall(second + b"\n")  # newline framing
            sock.sendall(b"<13>1 not a syslog message\n")
        context = ssl.create_default_context(cafile=cert)
        third = syslog(message("R", "110106"))
        with (
            socket.create_connection(("127.0.0.1", tls)) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as sock,
        ):
            sock.sendall(f"{len(third)} ".encode() + third)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(syslog(message("D")), ("127.0.0.1", udp))
        time.sleep(1.5)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    totals = json.loads(out)
    assert totals["received"] == 5
    assert (totals["stored"], totals["quarantined"]) == (4, 1)
    rows = Lake(data / "lake").read_table(EVENTS, ["action", "source_file"]).to_pylist()
    assert sorted(r["action"] for r in rows) == ["delete", "export", "read", "update"]
    assert {r["source_file"].split(":")[0] for r in rows} == {
        "syslog+tcp",
        "syslog+tls",
        "syslog+udp",
    }


def test_refuses_to_start_without_a_port(tmp_path):
    assert hygeia(tmp_path / "var", "init", "--no-input").returncode == 0
    result = hygeia(tmp_path / "var", "privacy", "listen")
    assert result.returncode == 2 and "--tcp" in result.stderr


def test_a_message_the_parser_cannot_read_is_rejected_not_lost():
    """The listener parses each syslog message with the file reader's code: a fault or a
    refused DTD is that message's rejection."""
    from hygeia.privacy.listen import Buffer

    buffer = Buffer()
    for xml in (message(), "<!DOCTYPE m []>" + message(), message().replace("jdoe", "a&b")):
        buffer.add(syslog(xml), "syslog+tcp://10.0.0.1")
    kinds = [type(item).__name__ for item in buffer.items]
    assert kinds == ["Parsed", "Rejected", "Rejected"]
    assert [item.location.line for item in buffer.items] == [1, 2, 3]
    assert "DTD" in buffer.items[1].reason
    assert "malformed in this AuditMessage" in buffer.items[2].reason
