"""The Sources page and its quarantine browser: counts, freshness, masking by role, and the
audit trail."""

from __future__ import annotations

import pytest

from hygeia.core.models import AuditEntry
from hygeia.privacy.ingest import ingest
from hygeia.privacy.models import IngestFile
from hygeia.privacy.sources_views import mask_content
from tests.conftest import signed_in_client
from tests.privacy.helpers import audit_event, write_ndjson

pytestmark = pytest.mark.django_db
SECRET = "Zephyrine-Quillfeather"  # stands for patient data inside a refused record


@pytest.fixture
def ingested(tmp_path):
    bad = audit_event("b1", when="1870-01-01T00:00:00Z") | {"note": SECRET}
    path = write_ndjson(
        tmp_path / "AuditEvent.ndjson", [audit_event("a1"), bad, "{broken " + SECRET]
    )
    ingest([path])
    return IngestFile.objects.get()


def test_empty_state_teaches_the_next_step(make_user):
    page = signed_in_client(make_user("pat", "Privacy Officer")).get("/sources/")
    assert b"Nothing ingested yet" in page.content and b"hygeia privacy ingest" in page.content


def test_summary_counts_add_up(make_user, ingested):
    page = signed_in_client(make_user("pat", "Privacy Officer")).get("/sources/").content.decode()
    assert "FHIR AuditEvent" in page
    assert (ingested.read, ingested.stored, ingested.quarantined) == (3, 1, 2)
    assert f"/sources/{ingested.token}/quarantine/" in page


def test_privacy_officer_sees_the_records_and_the_view_is_audited(make_user, ingested):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    page = client.get(f"/sources/{ingested.token}/quarantine/").content.decode()
    assert SECRET in page and "outside 1990" in page and "invalid JSON" in page
    entry = AuditEntry.objects.filter(action="view_phi", object_type="privacy.quarantine").get()
    assert entry.details["masked"] is False and entry.actor == "pat"


def test_other_roles_see_reasons_and_shape_but_not_the_content(make_user, ingested):
    for role in ("Administrator", "Security Analyst", "Auditor"):
        client = signed_in_client(make_user(role.lower().replace(" ", ""), role))
        page = client.get(f"/sources/{ingested.token}/quarantine/").content.decode()
        assert SECRET not in page, role
        assert "outside 1990" in page and "resourceType" in page
    assert AuditEntry.objects.filter(action="view_phi", details__masked=True).count() == 3


@pytest.mark.parametrize(
    ("text", "hidden", "kept"),
    [
        ('{"name": "Ada Okafor", "age": 42, "ok": true}', ["Ada", "42"], ['"name"', '"age"']),
        (
            '<AuditMessage><X UserID="jdoe">Okafor</X></AuditMessage>',
            ["jdoe", "Okafor"],
            ["<X UserID="],
        ),
        ("17,2026-03-08 01:30:00,jdoe,MRN123", ["jdoe", "MRN123"], [","]),
        ("{broken Okafor", ["Okafor"], []),
    ],
)
def test_masking_keeps_shape_only(text, hidden, kept):
    masked = mask_content(text)
    assert not any(h in masked for h in hidden), masked
    assert all(k in masked for k in kept), masked


def test_conflicts_and_what_was_not_read_have_lines_of_their_own(make_user, tmp_path, settings):
    settings.QUARANTINE_KEEP = 1
    first = write_ndjson(tmp_path / "a" / "AuditEvent.ndjson", [audit_event("a1")])
    ingest([first])
    other = audit_event("a1", login="someone-else")  # the same id, another event
    second = write_ndjson(tmp_path / "b" / "AuditEvent.ndjson", [other, "{x", "{y"])
    ingest([second], source="")
    IngestFile.objects.filter(path=str(second)).update(unread_bytes=4096)
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    page = client.get("/sources/").content.decode()
    assert "Conflicts: 1 record had an id that a different record already held" in page
    assert "--source NAME" in page
    assert "Unread: 4096 bytes could not be read" in page
    token = IngestFile.objects.get(path=str(second)).token
    quarantine = client.get(f"/sources/{token}/quarantine/").content.decode()
    assert "2 records could not be stored. The first 1 are shown" in quarantine
    assert 'invalid JSON</td><td class="num">2</td>' in quarantine
