"""Telling people and systems: e-mail over SMTP and signed webhooks.

Messages carry case numbers, scores and links, never patient identifiers: e-mail and chat
systems are outside Hygeia's access controls. A delivery that fails is logged and reported
to the caller; it never stops the work that triggered it.

Webhook signature: `X-Hygeia-Signature: sha256=<hex>` is the HMAC-SHA256, keyed with the
webhook's secret, of `<X-Hygeia-Timestamp>.<body>`; receivers should check it and refuse
timestamps more than a few minutes old (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from hygeia.core.models import NotificationPreference, User, Webhook

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10


def email_enabled() -> bool:
    return bool(settings.EMAIL_HOST)


def link(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def send_email(recipients: Iterable[str], subject: str, body: str) -> int:
    """Send one message to each address; returns how many were sent (0 when e-mail is off)."""
    addresses = sorted({a for a in recipients if a})
    if not addresses or not email_enabled():
        return 0
    messages = [
        EmailMessage(subject=f"[Hygeia] {subject}", body=body, to=[address])
        for address in addresses
    ]
    try:
        with get_connection() as connection:
            return int(connection.send_messages(messages) or 0)
    except (OSError, Exception) as exc:  # smtplib errors are OSErrors or SMTPException
        log.warning("e-mail %r to %d recipients failed: %s", subject, len(addresses), exc)
        return 0


def preferences(user: User) -> NotificationPreference:
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class Delivery:
    webhook: str
    ok: bool
    status: str


def post_webhooks(event: str, payload: dict[str, Any]) -> list[Delivery]:
    """POST the event to every active webhook that wants it."""
    body = json.dumps(
        {"event": event, "sent_at": timezone.now().isoformat(), "data": payload},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    deliveries = []
    for hook in Webhook.objects.filter(active=True):
        if hook.events and event not in hook.events:
            continue
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Hygeia",
            "X-Hygeia-Event": event,
            "X-Hygeia-Timestamp": timestamp,
            "X-Hygeia-Signature": sign(hook.key, timestamp, body),
        }
        try:
            response = requests.post(
                hook.url,
                data=body,
                headers=headers,
                timeout=TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            ok = 200 <= response.status_code < 300
            status = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            ok, status = False, type(exc).__name__
        if not ok:
            log.warning("webhook %s: %s for %s", hook.name, status, event)
        Webhook.objects.filter(pk=hook.pk).update(
            last_delivery_at=timezone.now(), last_status=status[:200]
        )
        deliveries.append(Delivery(hook.name, ok, status))
    return deliveries
