"""Notifications: e-mail over a real local SMTP server, signed webhooks to a real local HTTP
endpoint, per-user preferences, and the `hygeia webhook` commands."""

from __future__ import annotations

import hmac
import json
import threading
from hashlib import sha256
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from hygeia.cli import main
from hygeia.core import notify
from hygeia.core.models import NotificationPreference, Webhook
from hygeia.privacy.models import Incident
from hygeia.privacy.notifications import announce
from tests.privacy.cases.conftest import make_incident

pytestmark = pytest.mark.django_db


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    status = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    Receiver.received = []
    Receiver.status = 204
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook"
    finally:
        server.shutdown()


def hook(url: str, secret: str = "s3cret", events=()) -> Webhook:  # noqa: S107
    found = Webhook(name="siem", url=url, events=list(events))
    found.key = secret
    found.save()
    return found


def test_webhook_is_signed_over_timestamp_and_body(endpoint):
    hook(endpoint)
    (delivery,) = notify.post_webhooks("privacy.incident", {"incident": 7})
    assert delivery.ok and delivery.status == "HTTP 204"
    headers, body = Receiver.received[0]
    expected = hmac.new(b"s3cret", headers["X-Hygeia-Timestamp"].encode() + b"." + body, sha256)
    assert headers["X-Hygeia-Signature"] == "sha256=" + expected.hexdigest()
    assert headers["X-Hygeia-Event"] == "privacy.incident"
    assert json.loads(body)["data"] == {"incident": 7}
    assert Webhook.objects.get().last_status == "HTTP 204"


def test_webhook_failures_are_reported_not_raised(endpoint):
    hook(endpoint)
    Receiver.status = 500
    assert [d.ok for d in notify.post_webhooks("privacy.incident", {})] == [False]
    Webhook.objects.update(url="http://127.0.0.1:9/nothing-listens")
    (delivery,) = notify.post_webhooks("privacy.incident", {})
    assert not delivery.ok and "Connection" in delivery.status


def test_webhook_event_filter(endpoint):
    hook(endpoint, events=["privacy.breach_concluded"])
    assert notify.post_webhooks("privacy.incident", {}) == []


def test_new_incidents_go_to_readers_at_or_above_their_threshold(make_user, smtp, endpoint):
    hook(endpoint)
    make_incident("i1", "nurse1", ("k1", "pt-secret-1"))  # high
    low = make_incident("i2", "nurse2", ("k2", "pt-2"))
    Incident.objects.filter(pk=low.pk).update(severity="medium", score=40)
    officer = make_user("po", "Privacy Officer")
    analyst = make_user("an", "Security Analyst")
    NotificationPreference.objects.create(user=analyst, minimum_severity="medium")
    quiet = make_user("po2", "Privacy Officer")
    NotificationPreference.objects.create(user=quiet, new_incidents=False)
    make_user("staff", "Staff")  # does not see alerts
    sent = announce(Incident.objects.all())
    assert sent == {"emails": 2, "webhooks": 1}
    by_person = {to[0]: body for to, body in smtp.messages}
    assert set(by_person) == {officer.email, analyst.email}
    assert "nurse1" in by_person[officer.email] and "nurse2" not in by_person[officer.email]
    assert "nurse2" in by_person[analyst.email]
    assert all("pt-secret" not in body for body in by_person.values())


def test_webhook_commands(endpoint, capsys):
    assert main(["webhook", "add", "siem", endpoint, "--event", "webhook.test"]) == 0
    secret = json.loads(capsys.readouterr().out)["secret"]
    assert Webhook.objects.get().key == secret and secret not in Webhook.objects.get().secret
    assert main(["webhook", "add", "siem", endpoint]) == 2
    assert main(["webhook", "add", "other", "ftp://x"]) == 2
    assert main(["webhook", "test", "siem"]) == 0
    assert Receiver.received[0][0]["X-Hygeia-Event"] == "webhook.test"
    assert capsys.readouterr().out == "siem: HTTP 204\n"
    assert main(["webhook", "list"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["last_status"] == "HTTP 204"
    assert main(["webhook", "remove", "siem"]) == 0 and not Webhook.objects.exists()
    assert main(["webhook", "remove", "siem"]) == 2


def test_each_user_sets_their_own_preferences(make_user):
    from tests.conftest import signed_in_client

    user = make_user("po", "Privacy Officer")
    client = signed_in_client(user)
    assert "E-mail notifications" in client.get("/account/").content.decode()
    client.post("/account/notifications/", {"minimum_severity": "medium", "deadlines": "on"})
    chosen = notify.preferences(user)
    assert (chosen.new_incidents, chosen.minimum_severity, chosen.deadlines) == (
        False,
        "medium",
        True,
    )
    client.post("/account/notifications/", {"new_incidents": "on", "minimum_severity": "bogus"})
    chosen = notify.preferences(user)
    assert (chosen.new_incidents, chosen.minimum_severity, chosen.deadlines) == (
        True,
        "high",
        False,
    )


def test_approaching_deadlines_are_posted_to_webhooks_until_delivered(make_user, endpoint):
    from datetime import date

    from hygeia.privacy.cases import breach, workflow
    from hygeia.privacy.cases.models import BreachAssessment

    officer = make_user("po", "Privacy Officer")
    case = workflow.open_case(officer, incidents=[make_incident("i1", "n1", ("k1", "pt-1"))])
    case.discovered_on = date(2026, 1, 1)
    case.save()
    BreachAssessment.objects.create(case=case, conclusion="breach", individuals_affected=2)
    hook(endpoint, events=["privacy.deadline"])
    Receiver.status = 503
    breach.send_reminders(date(2026, 2, 23))  # individuals: 7 days left; refused
    Receiver.status = 204
    breach.send_reminders(date(2026, 2, 23))  # delivered now
    breach.send_reminders(date(2026, 2, 23))  # not again
    bodies = [json.loads(body)["data"] for _, body in Receiver.received]
    assert len(bodies) == 2
    assert bodies[-1]["kind"] == "individuals" and bodies[-1]["days_left"] == 7
    assert bodies[-1]["case"] == case.number and "pt-1" not in json.dumps(bodies)
