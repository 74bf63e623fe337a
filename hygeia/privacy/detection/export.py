"""Alerts for SIEMs: NDJSON and CSV with a fixed set of fields, OCSF 1.x Detection Finding
JSON, and CEF lines sent over syslog (TCP, TLS or UDP) to a collector."""

from __future__ import annotations

import csv
import io
import json
import socket
import ssl
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from hygeia.privacy.detection.detectors import lane_of
from hygeia.privacy.models import Alert

FIELDS = (
    "id",
    "detectors",
    "score",
    "severity",
    "lane",
    "user_id",
    "practitioner_id",
    "patient_id",
    "patients",
    "first_event",
    "last_event",
    "events",
    "reasons",
)
OCSF_VERSION = "1.3.0"
PRODUCT = {"name": "Hygeia", "vendor_name": "Hygeia", "version": "0.1.0"}
OCSF_SEVERITY = {"low": 2, "medium": 3, "high": 4, "critical": 5}
CEF_SEVERITY = {"low": 3, "medium": 5, "high": 8, "critical": 10}
SYSLOG_SEVERITY = {"low": 5, "medium": 4, "high": 3, "critical": 2}  # notice .. critical
FACILITY = 13  # log audit


def record(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.key,
        "detectors": list(alert.detectors),
        "score": alert.score,
        "severity": alert.severity,
        "lane": lane_of(alert.detectors),
        "user_id": alert.user_id,
        "practitioner_id": alert.practitioner_id,
        "patient_id": alert.patient_id,
        "patients": list(alert.patients),  # a user-level alert's records
        "first_event": alert.first_event.astimezone(UTC).isoformat(),
        "last_event": alert.last_event.astimezone(UTC).isoformat(),
        "events": alert.events,
        "reasons": list(alert.reasons),
    }


def ndjson(alerts: Iterable[Alert]) -> Iterator[str]:
    for alert in alerts:
        yield json.dumps(record(alert), ensure_ascii=False) + "\n"


def csv_lines(alerts: Iterable[Alert]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for alert in alerts:
        row = record(alert)
        row["detectors"] = ";".join(row["detectors"])
        row["reasons"] = " | ".join(row["reasons"])
        row["patients"] = ";".join(row["patients"])
        writer.writerow([row[f] for f in FIELDS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def ocsf(alert: Alert) -> dict[str, Any]:
    """An OCSF Detection Finding (class 2004)."""
    severity_id = OCSF_SEVERITY.get(alert.severity, 0)
    finding: dict[str, Any] = {
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": severity_id,
        "severity": alert.severity.capitalize(),
        "status_id": 1,
        "status": "New",
        "time": _ms(alert.created_at or alert.last_event),
        "message": "; ".join(alert.reasons),
        "count": alert.events,
        "risk_score": round(alert.score),
        "risk_level": alert.severity.capitalize(),
        "metadata": {"version": OCSF_VERSION, "product": PRODUCT, "uid": alert.key},
        "finding_info": {
            "uid": alert.key,
            "title": ", ".join(alert.detectors),
            "types": list(alert.detectors),
            "desc": "; ".join(alert.reasons),
            "first_seen_time": _ms(alert.first_event),
            "last_seen_time": _ms(alert.last_event),
            "analytic": {"name": "hygeia-privacy", "type_id": 1, "type": "Rule"},
        },
        "actor": {"user": {"name": alert.user_id, "uid": alert.practitioner_id or None}},
    }
    patients = [alert.patient_id] if alert.patient_id else list(alert.patients)
    if patients:
        finding["resources"] = [{"type": "Patient", "uid": p} for p in patients]
    return finding


def ocsf_lines(alerts: Iterable[Alert]) -> Iterator[str]:
    for alert in alerts:
        yield json.dumps(ocsf(alert), ensure_ascii=False) + "\n"


def _cef_header(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _cef_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("=", "\\=").replace("\r", "\\r").replace("\n", "\\n")


def cef(alert: Alert) -> str:
    extension = {
        "rt": str(_ms(alert.created_at or alert.last_event)),
        "start": str(_ms(alert.first_event)),
        "end": str(_ms(alert.last_event)),
        "suser": alert.user_id,
        "suid": alert.practitioner_id,
        "cs1Label": "patientId",
        "cs1": alert.patient_id,
        "cs2Label": "detectors",
        "cs2": ",".join(alert.detectors),
        "cn1Label": "score",
        "cn1": str(round(alert.score)),
        "cnt": str(alert.events),
        "externalId": alert.key,
        "msg": "; ".join(alert.reasons)[:1000],
    }
    ext = " ".join(f"{k}={_cef_value(v)}" for k, v in extension.items() if v)
    name = _cef_header(", ".join(alert.detectors))
    signature = _cef_header(alert.detectors[0] if alert.detectors else "alert")
    severity = CEF_SEVERITY.get(alert.severity, 5)
    return f"CEF:0|Hygeia|Hygeia|{PRODUCT['version']}|{signature}|{name}|{severity}|{ext}"


def syslog_message(alert: Alert, hostname: str) -> bytes:
    """RFC 5424 with the CEF line as its message."""
    priority = FACILITY * 8 + SYSLOG_SEVERITY.get(alert.severity, 5)
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return f"<{priority}>1 {stamp} {hostname} hygeia - alert - {cef(alert)}".encode()


class SendError(RuntimeError):
    """The collector cannot be reached or refused the connection."""


def send(
    alerts: Iterable[Alert], target: str, ca_file: str | None = None, timeout: float = 10.0
) -> int:
    """Send each alert as one syslog message to tcp://, tls:// or udp://host:port. TCP and
    TLS use octet-counted framing (RFC 6587/5425). Returns the number sent."""
    parts = urlsplit(target)
    if parts.scheme not in ("tcp", "tls", "udp") or not parts.hostname or not parts.port:
        raise SendError(f"{target}: give the collector as tcp://, tls:// or udp://HOST:PORT")
    hostname = socket.gethostname()
    sent = 0
    try:
        if parts.scheme == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for alert in alerts:
                    sock.sendto(syslog_message(alert, hostname), (parts.hostname, parts.port))
                    sent += 1
            return sent
        raw = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        stream: socket.socket = raw
        if parts.scheme == "tls":
            context = ssl.create_default_context(cafile=ca_file)
            stream = context.wrap_socket(raw, server_hostname=parts.hostname)
        with stream:
            for alert in alerts:
                message = syslog_message(alert, hostname)
                stream.sendall(str(len(message)).encode() + b" " + message)
                sent += 1
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"{target}: {exc.__class__.__name__}: {exc}") from exc
    return sent
