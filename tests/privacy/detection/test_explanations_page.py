"""The learned-explanations page: reviewers read what detection learned in plain words; a
privacy officer pins, rejects and releases (audited); other roles cannot."""

from __future__ import annotations

import pytest

from hygeia.core.models import AuditEntry
from hygeia.privacy.models import ExplanationTemplate
from hygeia.privacy.templates import decisions
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def learned():
    return ExplanationTemplate.objects.create(
        role_group="care management / case manager", kind="IMP", relation="any", scope="*",
        bin="d", events=120, group_events=400, users=5, lift=18.5, rank=5,
        description="during the patient's inpatient stay (by the routine of the user's role)",
    )  # fmt: skip


def test_the_page_says_what_was_learned(make_user, learned):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    page = client.get("/alerts/explanations/").content.decode()
    assert "care management / case manager" in page
    assert "during the patient&#x27;s inpatient stay" in page and "30%" in page
    assert "routine" in page and 'value="pin"' in page
    hidden = client.get("/alerts/explanations/?group=billing").content.decode()
    assert "No explanation matches" in hidden


def test_an_empty_site_is_told_how_to_learn(make_user):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    assert "Nothing learned yet" in client.get("/alerts/explanations/").content.decode()


def test_pin_reject_and_release_reach_detection_and_the_audit_trail(make_user, learned):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    for action, expected in (("pin", "pinned"), ("reject", "rejected"), ("release", "")):
        reply = client.post(
            "/alerts/explanations/decide/", {"template": learned.pk, "action": action}
        )
        assert reply.status_code == 302
        learned.refresh_from_db()
        assert learned.decision == expected
    assert decisions() == {}
    client.post("/alerts/explanations/decide/", {"template": learned.pk, "action": "reject"})
    assert decisions() == {learned.key: "rejected"}
    trail = AuditEntry.objects.filter(object_type="privacy.explanationtemplate")
    learned.refresh_from_db()
    assert trail.count() == 4 and learned.decided_by == "pat"


def test_a_reader_sees_the_page_but_cannot_decide(make_user, learned):
    client = signed_in_client(make_user("ana", "Security Analyst"))
    page = client.get("/alerts/explanations/").content.decode()
    assert "care management / case manager" in page and 'value="pin"' not in page
    reply = client.post("/alerts/explanations/decide/", {"template": learned.pk, "action": "pin"})
    assert reply.status_code == 403
    learned.refresh_from_db()
    assert learned.decision == ""


def test_an_unknown_template_or_action_changes_nothing(make_user, learned):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    assert (
        client.post("/alerts/explanations/decide/", {"template": "x", "action": "pin"}).status_code
        == 404
    )
    client.post("/alerts/explanations/decide/", {"template": learned.pk, "action": "drop"})
    learned.refresh_from_db()
    assert learned.decision == ""
