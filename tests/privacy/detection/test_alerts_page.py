"""The alert list: masking by role, filters, the audit entry, the empty state."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hygeia.core.models import AuditEntry
from hygeia.privacy.models import Alert
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def alert(key: str, detector: str, severity: str, score: float) -> Alert:
    return Alert.objects.create(
        key=key,
        user_id=f"user-{key}",
        patient_id=f"pt-{key}",
        detectors=[detector],
        score=score,
        severity=severity,
        reasons=[f"reason for {key}"],
        first_event=datetime(2025, 11, 1, tzinfo=UTC),
        last_event=datetime(2025, 11, 1, tzinfo=UTC),
        events=1,
    )


def test_empty_state_says_how_to_get_alerts(make_user):
    client = signed_in_client(make_user("po", "Privacy Officer"))
    page = client.get("/alerts/").content.decode()
    assert "No alerts yet" in page and "hygeia privacy detect" in page


def test_privacy_officer_sees_patient_ids_and_the_view_is_audited(make_user):
    alert("k1", "vip", "high", 90)
    client = signed_in_client(make_user("po", "Privacy Officer"))
    before = AuditEntry.objects.filter(action="view_phi").count()
    page = client.get("/alerts/").content.decode()
    assert "pt-k1" in page and "reason for k1" in page
    assert AuditEntry.objects.filter(action="view_phi").count() == before + 1


def test_analyst_sees_alerts_with_patient_ids_masked(make_user):
    alert("k1", "vip", "high", 90)
    client = signed_in_client(make_user("an", "Security Analyst"))
    page = client.get("/alerts/").content.decode()
    assert "user-k1" in page and "pt-k1" not in page


def test_filters_by_detector_and_severity_highest_score_first(make_user):
    alert("k1", "vip", "high", 90)
    alert("k2", "surge", "medium", 60)
    alert("k3", "vip", "low", 30)
    client = signed_in_client(make_user("po", "Privacy Officer"))
    page = client.get("/alerts/?detector=vip").content.decode()
    assert "user-k1" in page and "user-k3" in page and "user-k2" not in page
    assert page.index("user-k1") < page.index("user-k3")
    page = client.get("/alerts/?severity=medium").content.decode()
    assert "user-k2" in page and "user-k1" not in page
