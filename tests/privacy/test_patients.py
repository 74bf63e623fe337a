"""Patient data: masked for roles that do not need identifiers, every view audited, and no
identifier in logs, URLs or error pages."""

from __future__ import annotations

import logging

import pytest

from hygeia.core.models import AuditEntry
from hygeia.privacy.phi import mask_tail
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def identifiers(patient) -> list[str]:
    return [
        patient.mrn,
        patient.family_name,
        patient.given_name,
        patient.birth_date.isoformat(),
        patient.address_line,
        patient.phone,
    ]


def test_privacy_officer_sees_full_identifiers(make_user, patients):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    p = patients[0]
    page = client.get(f"/patients/{p.id}/").content.decode()
    for value in identifiers(p):
        assert value in page


def test_analyst_and_auditor_see_masked_identifiers(make_user, patients):
    p = patients[0]
    for role in ("Security Analyst", "Auditor"):
        client = signed_in_client(make_user(role.split()[0].lower(), role))
        page = client.get(f"/patients/{p.id}/").content.decode()
        for value in (p.mrn, p.family_name, p.birth_date.isoformat(), p.address_line, p.phone):
            assert value not in page, f"{role} saw an identifier"
        assert mask_tail(p.mrn) in page
        assert "masked for your role" in page


def test_every_view_is_audited_by_opaque_id(make_user, patients):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    p = patients[1]
    client.get(f"/patients/{p.id}/")
    entry = AuditEntry.objects.filter(action="view_phi", patient_ref=str(p.id)).get()
    assert entry.actor == "pat" and entry.details == {"masked": False}
    client.get("/patients/")
    listing = AuditEntry.objects.filter(action="view_phi", patient_ref="").latest("seq")
    assert len(listing.details["patients"]) == 25
    for value in identifiers(p):
        assert not AuditEntry.objects.filter(summary__contains=value).exists()


def test_search_is_posted_and_finds_by_mrn_or_name(make_user, patients):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    p = patients[2]
    page = client.post("/patients/", {"q": p.mrn}).content.decode()
    assert p.mrn in page and page.count("/patients/") >= 1
    by_name = client.post(
        "/patients/", {"q": f"{p.family_name[:3]} {p.given_name}"}
    ).content.decode()
    assert p.mrn in by_name
    nothing = client.post("/patients/", {"q": "zzzz-no-match"}).content.decode()
    assert "No patient matches" in nothing


def test_api_masks_the_same_way(make_user, patients):
    p = patients[0]
    analyst = signed_in_client(make_user("sam", "Security Analyst"))
    body = analyst.get(f"/api/patients/{p.id}").json()
    assert body["masked"] is True and body["mrn"] == mask_tail(p.mrn)
    officer = signed_in_client(make_user("pat", "Privacy Officer"))
    assert officer.get(f"/api/patients/{p.id}").json()["mrn"] == p.mrn
    found = officer.post("/api/patients/search", {"q": p.mrn}, content_type="application/json")
    assert [row["id"] for row in found.json()] == [str(p.id)]
    assert officer.get("/api/patients/not-a-uuid").status_code == 422


def test_empty_directory_says_where_patients_come_from(make_user):
    client = signed_in_client(make_user("pat", "Privacy Officer"))
    assert "No patients yet" in client.get("/patients/").content.decode()


def test_no_identifier_reaches_logs_or_error_pages(make_user, patients, caplog, capfd):
    """Drive every patient-data view (and its errors) with all logging on, then grep."""
    caplog.set_level(logging.DEBUG)
    officer = signed_in_client(make_user("pat", "Privacy Officer"))
    staff = signed_in_client(make_user("stf", "Staff"))
    p = patients[4]
    pages = [
        officer.get("/patients/"),
        officer.post("/patients/", {"q": p.mrn}),
        officer.post("/patients/", {"q": p.family_name}),
        officer.get(f"/patients/{p.id}/"),
        officer.get(f"/api/patients/{p.id}"),
        officer.post("/api/patients/search", {"q": p.mrn}, content_type="application/json"),
        staff.get(f"/patients/{p.id}/"),  # 403
        officer.get("/patients/00000000-0000-0000-0000-000000000000/"),  # 404
        officer.get(f"/patients/{p.mrn}/"),  # identifier typed into a URL
        staff.post("/api/patients/search", {"q": p.mrn}, content_type="application/json"),
    ]
    captured = capfd.readouterr()
    text = "\n".join([caplog.text, captured.out, captured.err])
    assert "Forbidden" in text or "Not Found" in text  # the logs were captured at all
    for value in identifiers(p):
        assert value not in text, f"identifier {value!r} reached the logs"
    for response in pages[6:]:
        body = response.content.decode()
        assert response.status_code in (403, 404)
        for value in identifiers(p):
            assert value not in body


@pytest.mark.parametrize(
    "value, keep, masked",
    [
        ("MRN0012345", 4, "••••••2345"),
        ("555-0177", 0, "••••••••"),
        ("123", 4, "•••"),
        ("", 4, ""),
    ],
)
def test_mask_tail(value, keep, masked):
    assert mask_tail(value, keep) == masked
