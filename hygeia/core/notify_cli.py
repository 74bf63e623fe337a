"""`hygeia webhook`: the signed webhooks Hygeia posts events to."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from typing import Any

from hygeia.core.cli_parsers import action

WEBHOOK_HELP = """\
Hygeia POSTs JSON events to each active webhook, signed with its secret:
  X-Hygeia-Event: privacy.incident | privacy.deadline | privacy.breach_concluded |
                  webhook.test
  X-Hygeia-Timestamp: Unix seconds
  X-Hygeia-Signature: sha256=HMAC-SHA256(secret, "<timestamp>.<body>")
Check the signature and refuse old timestamps on the receiving side.

Examples:
  hygeia webhook add siem https://siem.example.org/hooks/hygeia --event privacy.incident
  hygeia webhook test siem
  hygeia webhook list
  hygeia webhook remove siem
"""

LIST_HELP = """\
Every webhook as JSON: name, URL, events, active, last delivery and its HTTP status.

Example:
  hygeia webhook list | jq '.[] | select(.last_status != "200")'
"""
REMOVE_HELP = """\
Stops deliveries to the webhook and forgets its secret.

Example:
  hygeia webhook remove siem
"""
TEST_HELP = """\
Posts a signed webhook.test event to one webhook and prints the answer; exit status 1 when
the receiver did not answer with 2xx.

Example:
  hygeia webhook test siem
"""


def cmd_add(args: argparse.Namespace) -> int:
    from hygeia.core.models import Webhook

    if not args.url.startswith(("https://", "http://")):
        print(
            "hygeia: the URL must start with https:// (or http:// on a trusted network)",
            file=sys.stderr,
        )
        return 2
    if Webhook.objects.filter(name=args.name).exists():
        print(f"hygeia: a webhook named {args.name!r} exists; remove it first", file=sys.stderr)
        return 2
    secret = secrets.token_urlsafe(32)
    hook = Webhook(name=args.name, url=args.url, events=sorted(set(args.event or [])))
    hook.key = secret
    hook.save()
    print(
        json.dumps(
            {"name": hook.name, "url": hook.url, "events": hook.events, "secret": secret}, indent=2
        )
    )
    print("# the secret is shown once: configure it on the receiving side", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from hygeia.core.models import Webhook

    rows = [
        {
            "name": h.name,
            "url": h.url,
            "events": h.events or ["*"],
            "active": h.active,
            "last_delivery_at": h.last_delivery_at.isoformat() if h.last_delivery_at else None,
            "last_status": h.last_status,
        }
        for h in Webhook.objects.order_by("name")
    ]
    print(json.dumps(rows, indent=2))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from hygeia.core.models import Webhook

    found = Webhook.objects.filter(name=args.name).first()
    if found is None:
        print(f"hygeia: no webhook named {args.name!r}", file=sys.stderr)
        return 2
    found.delete()
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from hygeia.core import notify
    from hygeia.core.models import Webhook

    if not Webhook.objects.filter(name=args.name, active=True).exists():
        print(f"hygeia: no active webhook named {args.name!r}", file=sys.stderr)
        return 2
    deliveries = [
        d
        for d in notify.post_webhooks("webhook.test", {"hello": "from Hygeia"})
        if d.webhook == args.name
    ]
    for d in deliveries:
        print(f"{d.webhook}: {d.status}")
    return 0 if deliveries and all(d.ok for d in deliveries) else 1


def register(sub: Any, command_group: Any) -> None:
    actions = command_group(
        sub, "webhook", "Manage the signed webhooks Hygeia posts events to.", WEBHOOK_HELP
    )
    p = action(actions, "add", cmd_add, "Add a webhook (prints its secret once).", WEBHOOK_HELP)
    p.add_argument("name")
    p.add_argument("url")
    p.add_argument(
        "--event",
        action="append",
        metavar="TYPE",
        help="only this event type (repeatable; default: every event)",
    )
    action(actions, "list", cmd_list, "List webhooks and their last delivery.", LIST_HELP)
    p = action(actions, "remove", cmd_remove, "Remove a webhook.", REMOVE_HELP)
    p.add_argument("name")
    p = action(actions, "test", cmd_test, "Send a test event to one webhook.", TEST_HELP)
    p.add_argument("name")
