"""The policy library: versions and approval, acknowledgement links (scope, expiry),
exceptions, mapping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hygeia.program import policies
from hygeia.program.models import Acknowledgement, Policy
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("ciso", "Security Officer")


def test_versions_approval_and_review_date(officer, make_user):
    policy = Policy.objects.create(reference=policies.next_reference(), title="Acceptable use")
    first = policies.add_version(policy, "1.0", "Use systems for work.")
    with pytest.raises(policies.PolicyError, match="exists already"):
        policies.add_version(policy, "1.0", "again")
    with pytest.raises(policies.PolicyError, match="permission"):
        policies.approve(first, make_user("aud", "Auditor"))
    policies.approve(first, officer)
    first.refresh_from_db()
    assert policy.current == first and first.approved_by == officer
    assert first.next_review_on.year == timezone.localdate().year + 1
    second = policies.add_version(policy, "2.0", "Use systems for work; report phishing.")
    policies.approve(second, officer)
    first.refresh_from_db()
    assert first.status == "retired" and policy.current == second
    assert policies.next_reference() == "POL-002"


def test_acknowledgement_links_are_personal_hashed_and_expire(officer, smtp):
    policy = Policy.objects.create(reference="POL-001", title="Acceptable use")
    version = policies.add_version(policy, "1.0", "Use systems for work.")
    with pytest.raises(policies.PolicyError, match="approved"):
        policies.launch(version, ["a@x.example"], timezone.localdate() + timedelta(days=7))
    policies.approve(version, officer)
    campaign = policies.launch(
        version,
        ["A@x.example", "b@x.example", "not an address"],
        timezone.localdate() + timedelta(days=14),
    )
    assert sorted(campaign.acks.values_list("email", flat=True)) == ["a@x.example", "b@x.example"]
    links = [body.split("/ack/")[1].split("/")[0] for _, body in smtp.messages]
    assert len(links) == 2 and all(len(t) >= 43 for t in links)
    assert not Acknowledgement.objects.filter(token_hash__in=links).exists()  # hashes only
    client = Client()
    page = client.get(f"/ack/{links[0]}/")
    assert page.status_code == 200 and "Use systems for work." in page.content.decode()
    client.post(f"/ack/{links[0]}/", {"read": "yes"})
    assert policies.progress(campaign) == {"sent": 2, "acknowledged": 1, "rate": 0.5}
    assert "you acknowledged" in client.get(f"/ack/{links[0]}/").content.decode()
    other = Acknowledgement.objects.get(acknowledged_at__isnull=True)
    other.expires_at = timezone.now() - timedelta(seconds=1)
    other.save()
    assert client.get(f"/ack/{links[1]}/").status_code == 404
    assert client.get("/ack/guess/").status_code == 404


def test_exceptions_and_mapping_through_the_page(officer):
    client = signed_in_client(officer)
    client.post("/program/policies/", {"title": "Remote access", "owner": "CISO"})
    policy = Policy.objects.get(title="Remote access")
    url = f"/program/policies/{policy.reference}/act/"
    client.post(
        url,
        {
            "action": "exception",
            "scope": "Radiology reading room",
            "reason": "Vendor support",
            "expires_on": "2000-01-01",
        },
    )
    assert not policy.exceptions.exists()  # an exception must end in the future
    client.post(
        url,
        {
            "action": "exception",
            "scope": "Radiology reading room",
            "reason": "Vendor support",
            "expires_on": "2099-01-01",
        },
    )
    assert policy.exceptions.get().approver == officer
    client.post(url, {"action": "map", "framework": "nist-csf", "ref": "GV.PO-01"})
    client.post(url, {"action": "map", "framework": "nist-csf", "ref": "XX-99"})
    assert list(policy.requirements.values_list("ref", flat=True)) == ["GV.PO-01"]
