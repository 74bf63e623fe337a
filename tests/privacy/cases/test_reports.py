"""The incident page (timeline, relationships, volume chart), the patient access report
(HTML, CSV, PDF checked as text), the dashboard and the monthly report."""

from __future__ import annotations

import csv
import io

import pytest
from pypdf import PdfReader

from hygeia.core.models import AuditEntry
from hygeia.privacy import accesses
from hygeia.privacy.cases import workflow
from hygeia.privacy.ingest import lake
from hygeia.privacy.models import Alert, Incident, Patient
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_incident_page_shows_the_timeline_explained_or_not(hospital, make_user):
    incident = Incident.objects.get(user_id="c5")
    client = signed_in_client(make_user("po", "Privacy Officer"))
    page = client.get(f"/alerts/incidents/{incident.pk}/").content.decode()
    assert "named on the patient&#x27;s encounter" in page  # c5's routine care
    assert "<strong>unexplained</strong>" in page  # the relative's record
    assert "<svg" in page and "department median" in page
    assert "Mensah" not in page  # masked until revealed
    client.post("/alerts/reveal/", {"next": "/"})
    page = client.get(f"/alerts/incidents/{incident.pk}/").content.decode()
    assert "Mensah" in page
    assert AuditEntry.objects.filter(object_type="privacy.incident").count() == 2


def test_a_browsing_alert_names_its_records_and_the_timeline_marks_them(hospital, make_user):
    alert = Alert.objects.get(user_id="q1", patient_id="")
    assert alert.patients == sorted(f"pt-browse-{k}" for k in range(20))
    client = signed_in_client(make_user("po", "Privacy Officer"))
    page = client.get(f"/alerts/incidents/{alert.incident_id}/").content.decode()
    assert "user behaviour: 20 records, marked in the timeline" in page
    assert page.count('class="unexplained flagged"') == 20  # the browsed records, not routine
    assert "pt-browse-" not in page  # masked until revealed


def test_lookup_finds_one_patients_accesses_with_their_explanation(hospital):
    rows, cut = accesses.lookup(lake(), hospital_day(0), hospital_day(40), patient_id="pt-report")
    assert not cut
    assert [(r.user_id, r.explained) for r in rows] == [("c1", True), ("c2", False)]
    assert rows[0].explanation == "named on the patient's encounter"
    assert rows[0].department == "Cardiology" and rows[0].user_name.startswith("Given")
    rows, cut = accesses.lookup(lake(), hospital_day(0), hospital_day(40), user_id="q1", limit=5)
    assert len(rows) == 5 and cut
    with pytest.raises(ValueError, match="name a user or a patient"):
        accesses.lookup(lake(), hospital_day(0), hospital_day(1))


def hospital_day(n: int):
    from datetime import timedelta

    from tests.privacy.detection.scenario import DAY0

    return DAY0 + timedelta(days=n)


def test_patient_access_report_as_page_csv_and_pdf(hospital, make_user):
    patient = Patient.objects.get(fhir_id="pt-report")
    client = signed_in_client(make_user("po", "Privacy Officer"))
    base = f"/patients/{patient.pk}/access-report/?since=2025-10-01&until=2025-11-10"
    page = client.get(base).content.decode()
    assert "2 accesses, 1 without a recorded reason" in page
    rows = list(csv.DictReader(io.StringIO(client.get(base + "&format=csv").content.decode())))
    assert [(r["user"], r["explained"], r["department"]) for r in rows] == [
        ("c1", "yes", "Cardiology"),
        ("c2", "no", "Cardiology"),
    ]
    response = client.get(base + "&format=pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Who looked at your health record" in text and "Okafor" in text
    assert rows[0]["user_name"] in text and "not recorded" in text
    exports = AuditEntry.objects.filter(object_type="privacy.patient_access_report")
    assert exports.count() == 3 and {e.patient_ref for e in exports} == {str(patient.pk)}


def test_patient_access_report_refuses_bad_periods_and_needs_a_detection_run(make_user, patients):
    client = signed_in_client(make_user("po", "Privacy Officer"))
    url = f"/patients/{patients[0].pk}/access-report/"
    page = client.get(url + "?since=2026-05-01&until=2026-04-01").content.decode()
    assert "start date is after the end date" in page
    page = client.get(url + "?since=soon").content.decode()
    assert "not a date" in page
    page = client.get(url).content.decode()
    assert "Run `hygeia privacy detect`" in page or "run `hygeia privacy detect`" in page.lower()
    assert client.get(url + "?format=pdf")["Content-Type"].startswith("text/html")


def test_dashboard_and_monthly_report_count_cases_and_violations(hospital, make_user):
    officer = make_user("po", "Privacy Officer")
    case = workflow.open_case(officer, incidents=[Incident.objects.get(user_id="c5")])
    workflow.decide(case, officer, "violation", "relative", "family")
    workflow.set_status(case, "closed", officer)
    client = signed_in_client(make_user("aud", "Auditor"))
    page = client.get("/privacy-reports/").content.decode()
    assert "confirmed violations" in page and "<svg" in page
    created = case.created_at
    response = client.get(f"/privacy-reports/{created.year}-{created.month}.pdf")
    text = pdf_text(response.content)
    assert "Privacy monitoring report" in text and "Confirmed violations" in text
    assert "Looked up a family or household member" in text
    assert Alert.objects.filter(disposition="true_positive").count() == 1
    assert client.get("/privacy-reports/2026-13.pdf").status_code == 404
