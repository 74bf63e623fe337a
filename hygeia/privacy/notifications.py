"""Telling reviewers about new high-severity incidents after a detection run: an e-mail to
each person who sees alerts and asked for them (per-user preferences), and one signed
webhook event per incident. Nothing sent names a patient."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from hygeia.core import notify
from hygeia.core.permissions import users_with
from hygeia.privacy.detection.run import SEVERITY_ORDER
from hygeia.privacy.models import Incident


def _rank(severity: str) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else -1


def announce(incidents: Iterable[Incident]) -> dict[str, int]:
    """E-mails and webhook deliveries for the incidents at or above each reader's threshold
    (webhooks: high and critical)."""
    found = sorted(incidents, key=lambda i: -i.score)
    emails = webhooks = 0
    for incident in found:
        if _rank(incident.severity) >= _rank("high"):
            webhooks += sum(
                1
                for d in notify.post_webhooks(
                    "privacy.incident",
                    {
                        "incident": incident.pk,
                        "user_id": incident.user_id,
                        "score": round(incident.score, 1),
                        "severity": incident.severity,
                        "alerts": incident.alert_count,
                        "url": notify.link(reverse("alerts:incident", args=[incident.pk])),
                    },
                )
                if d.ok
            )
    for person in users_with("view_alerts", with_email=True):
        wants = notify.preferences(person)
        if not wants.new_incidents:
            continue
        mine = [i for i in found if _rank(i.severity) >= _rank(wants.minimum_severity)]
        if not mine:
            continue
        lines = [
            f"- {i.severity} (score {i.score:.0f}): {i.user_id}, {i.alert_count} alert(s) — "
            + notify.link(reverse("alerts:incident", args=[i.pk]))
            for i in mine[:50]
        ]
        more = f"\n…and {len(mine) - 50} more in the queue." if len(mine) > 50 else ""
        emails += notify.send_email(
            [person.email],
            f"{len(mine)} new privacy incident(s) at {wants.minimum_severity} or above",
            "New incidents from the latest detection run:\n\n" + "\n".join(lines) + more + "\n",
        )
    return {"emails": emails, "webhooks": webhooks}
