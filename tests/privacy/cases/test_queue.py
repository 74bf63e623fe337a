"""The alert queue: filters, orders, counts, masking and the audited reveal, bulk triage."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hygeia.core.models import AuditEntry
from hygeia.privacy import queue
from hygeia.privacy.models import Alert, AlertTally
from tests.conftest import signed_in_client
from tests.privacy.cases.conftest import make_alert

pytestmark = pytest.mark.django_db


def test_empty_state_says_how_to_get_alerts(make_user):
    client = signed_in_client(make_user("po", "Privacy Officer"))
    page = client.get("/alerts/").content.decode()
    assert "No alerts yet" in page and "hygeia privacy detect" in page


def test_parse_drops_unknown_values_and_reports_bad_ones():
    found = queue.Filters.parse(
        {
            "status": "bogus",
            "detector": "nope",
            "order": "x",
            "min_score": "high",
            "since": "yesterday",
            "severity": "high",
            "user": " Alice ",
        }
    )
    assert (found.status, found.detector, found.order, found.severity) == (
        "open",
        "",
        "score",
        "high",
    )
    assert found.user == "alice" and found.min_score is None and found.since is None
    assert len(found.problems) == 2
    assert queue.Filters.parse({"min_score": "250"}).min_score == 100


def test_each_filter_narrows_and_orders_are_stable():
    make_alert(
        "a1",
        "vip",
        "high",
        90,
        user="u1",
        department="Cardiology",
        when=datetime(2025, 11, 1, tzinfo=UTC),
    )
    make_alert(
        "a2",
        "surge",
        "medium",
        60,
        user="u2",
        department="Oncology",
        when=datetime(2025, 11, 5, tzinfo=UTC),
    )
    make_alert(
        "a3",
        "vip",
        "low",
        30,
        user="u1",
        department="Oncology",
        when=datetime(2025, 11, 9, tzinfo=UTC),
    )
    closed = make_alert("a4", "vip", "high", 95, user="u3")
    closed.status = Alert.Status.CLOSED
    closed.save()

    def keys(**params):
        return [a.key for a in queue.alerts(queue.Filters.parse(params))]

    assert keys() == ["a1", "a2", "a3"]  # open only, highest score first
    assert keys(status="all") == ["a4", "a1", "a2", "a3"]
    assert keys(detector="vip") == ["a1", "a3"]
    assert keys(department="Oncology") == ["a2", "a3"]
    assert keys(user="U1") == ["a1", "a3"]
    assert keys(severity="medium") == ["a2"]
    assert keys(min_score="50") == ["a1", "a2"]
    assert keys(since="2025-11-05", until="2025-11-05") == ["a2"]
    assert keys(order="newest") == ["a3", "a2", "a1"]
    assert keys(order="oldest") == ["a1", "a2", "a3"]
    assert keys(order="department") == ["a1", "a2", "a3"]
    counts = queue.counts()
    assert counts["open"] == 3 and counts["by_status"]["closed"] == 1
    assert counts["open_by_severity"] == {"critical": 0, "high": 1, "medium": 1, "low": 1}
    assert counts["restricted_open"] == 0
    assert queue.Filters.parse({"since": "2025-11-05"}).since == date(2025, 11, 5)


def test_the_restricted_lane_has_its_own_open_count():
    make_alert("r1", "restricted_record")
    make_alert("r2", "restricted_record").delete()
    done = make_alert("r3", "restricted_record")
    done.status = Alert.Status.CLOSED
    done.save()
    make_alert("v1", "vip")
    assert queue.counts()["restricted_open"] == 1


def test_patients_masked_until_an_audited_reveal(make_user):
    make_alert("k1", patient="pt-secret-123")
    client = signed_in_client(make_user("po", "Privacy Officer"))
    before = AuditEntry.objects.filter(action="view_phi").count()
    page = client.get("/alerts/").content.decode()
    assert "pt-secret-123" not in page and "•••123" in page and "reason for k1" in page
    assert "Reveal patient identifiers" in page
    assert AuditEntry.objects.filter(action="view_phi").count() == before + 1
    client.post("/alerts/reveal/", {"next": "/alerts/"})
    reveal = AuditEntry.objects.filter(object_type="privacy.reveal").get()
    assert "revealed" in reveal.summary and reveal.actor == "po"
    page = client.get("/alerts/").content.decode()
    assert "pt-secret-123" in page  # not in the directory: its FHIR id is shown


def test_reveal_refused_to_roles_without_identifiers(make_user):
    make_alert("k1", patient="pt-secret-123")
    client = signed_in_client(make_user("an", "Security Analyst"))
    assert client.post("/alerts/reveal/", {"next": "/alerts/"}).status_code == 403
    page = client.get("/alerts/").content.decode()
    assert "pt-secret-123" not in page and "Reveal patient identifiers" not in page


def test_bulk_triage_changes_only_the_selected_and_leaves_cases_alone(make_user):
    a1, a2, a3 = (make_alert(k) for k in ("k1", "k2", "k3"))
    a3.status = Alert.Status.IN_CASE
    a3.save()
    client = signed_in_client(make_user("an", "Security Analyst"))
    response = client.post(
        "/alerts/triage/",
        {
            "alert": [a1.pk, a3.pk],
            "action": "false_positive",
            "reason": "covering a colleague",
            "next": "/alerts/?status=all",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/alerts/?status=all"
    a1.refresh_from_db(), a2.refresh_from_db(), a3.refresh_from_db()
    assert (a1.status, a1.disposition) == ("closed", "false_positive")
    assert "covering a colleague" in a1.disposition_note
    assert a2.status == "new" and a3.status == "in_case"
    client.post("/alerts/triage/", {"alert": [a1.pk], "action": "reopen"})
    a1.refresh_from_db()
    assert (a1.status, a1.disposition) == ("new", "")
    assert AuditEntry.objects.filter(object_type="privacy_alert").count() == 2


def test_triage_without_a_selection_or_with_an_unknown_action_changes_nothing(make_user):
    a1 = make_alert("k1")
    client = signed_in_client(make_user("an", "Security Analyst"))
    client.post("/alerts/triage/", {"action": "review"})
    client.post("/alerts/triage/", {"alert": [a1.pk], "action": "delete_everything"})
    a1.refresh_from_db()
    assert a1.status == "new"


def test_analyst_cannot_open_a_case_from_the_queue(make_user):
    a1 = make_alert("k1")
    client = signed_in_client(make_user("an", "Security Analyst"))
    client.post("/alerts/triage/", {"alert": [a1.pk], "action": "open_case"})
    a1.refresh_from_db()
    assert a1.status == "new"


def test_paging_keeps_the_filters(make_user):
    for k in range(60):
        make_alert(f"k{k:02d}", "vip", score=k)
    client = signed_in_client(make_user("po", "Privacy Officer"))
    page = client.get("/alerts/?detector=vip&min_score=5").content.decode()
    assert "55 alerts match" in page
    assert "detector=vip&amp;min_score=5&amp;page=2" in page


def test_tally_kept_exact_by_the_database_through_every_kind_of_write():
    def exact():
        real = {}
        for a in Alert.objects.all():
            real[(a.status, a.severity)] = real.get((a.status, a.severity), 0) + 1
        kept = {(t.status, t.severity): t.n for t in AlertTally.objects.all() if t.n}
        return real == kept

    for k in range(12):
        make_alert(f"k{k}", severity=("low", "high")[k % 2])
    assert exact()
    Alert.objects.filter(severity="low").update(status="closed")  # one statement, many rows
    assert exact()
    one = Alert.objects.filter(severity="high").first()
    one.severity, one.status = "critical", "in_case"
    one.save()
    assert exact()
    Alert.objects.filter(status="closed")[:1].get().delete()
    Alert.objects.filter(status="new").delete()
    assert exact()
    assert queue.counts()["total"] == Alert.objects.count()


def test_filtered_totals_are_capped_and_status_totals_exact(monkeypatch):
    for k in range(7):
        make_alert(f"k{k}", "vip")
    monkeypatch.setattr(queue, "COUNT_CAP", 5)
    vip = queue.Filters.parse({"detector": "vip"})
    assert queue.matching(vip, queue.alerts(vip)) == (5, True)
    plain = queue.Filters.parse({"severity": "high"})
    assert queue.matching(plain, queue.alerts(plain)) == (7, False)
    user = queue.Filters.parse({"user": "user-k1"})
    assert queue.matching(user, queue.alerts(user)) == (1, False)
