"""A small hospital run through detection into the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hygeia.privacy.detection.run import detect
from hygeia.privacy.ingest import lake
from hygeia.privacy.models import Alert, AlertDetector, Incident
from tests.privacy.detection.scenario import DAY0, Scenario, at


def small_hospital(root) -> Scenario:
    sc = Scenario(root)
    nurses = [sc.person(f"c{i}", "Cardiology") for i in range(1, 7)]
    for user in nurses:
        sc.routine(user, range(0, 30, 2))
    # c5 opens a relative's record (same address), unexplained
    c5 = next(s for s in sc.staff if s.user_id == "c5")
    sc.patient("pt-fam", family="Mensah", address=c5.address_line, city="Riverbend")
    sc.access("c5", "pt-fam", at(6, 11))
    # q1 browses 20 unrelated patients
    sc.person("q1", "Cardiology", job="Unit Clerk")
    sc.routine("q1", range(0, 30, 2))
    for k in range(20):
        sc.access("q1", sc.patient(f"pt-browse-{k}"), at(10 + k % 3, 9 + k / 4))
    # a patient whose record was opened by care (explained) and by c2 (unexplained)
    sc.patient("pt-report", family="Okafor", given="Ada")
    sc.encounter("pt-report", "Cardiology", at(12, 8), participants=("c1",))
    sc.access("c1", "pt-report", at(12, 9))
    sc.access("c2", "pt-report", at(14, 15))
    return sc


@dataclass
class Hospital:
    scenario: Scenario


@pytest.fixture
def hospital(settings, db) -> Hospital:
    """The scenario written to this test's data directory and detected (alerts in the DB)."""
    sc = small_hospital(settings.DATA_DIR)
    sc.write()
    assert sc._lake is not None and sc._lake.root == lake().root
    from hygeia.privacy.models import Patient

    for p in sc.patients:
        Patient.objects.create(
            mrn=p.mrn,
            family_name=p.family_name,
            given_name=p.given_name,
            birth_date=p.birth_date,
            fhir_id=p.fhir_id,
            state=p.state,
        )
    detect(lake(), since=DAY0, until=DAY0 + timedelta(days=40))
    return Hospital(sc)


def make_alert(
    key: str,
    detector: str = "vip",
    severity: str = "high",
    score: float = 80,
    user: str = "",
    patient: str = "",
    department: str = "Cardiology",
    when: datetime | None = None,
    incident: Incident | None = None,
) -> Alert:
    moment = when or datetime(2025, 11, 1, tzinfo=UTC)
    alert = Alert.objects.create(
        key=key,
        user_id=user or f"user-{key}",
        patient_id=patient or f"pt-{key}",
        detectors=[detector],
        score=score,
        severity=severity,
        reasons=[f"reason for {key}"],
        first_event=moment,
        last_event=moment,
        events=1,
        department=department,
        incident=incident,
    )
    AlertDetector.objects.create(alert=alert, detector=detector)
    return alert


def make_incident(key: str, user: str, *alerts_spec: tuple[str, str]) -> Incident:
    moment = datetime(2025, 11, 1, tzinfo=UTC)
    incident = Incident.objects.create(
        key=key,
        user_id=user,
        first_event=moment,
        last_event=moment,
        severity="high",
        score=80,
        alert_count=len(alerts_spec),
    )
    for alert_key, patient in alerts_spec:
        make_alert(alert_key, user=user, patient=patient, incident=incident)
    return incident
