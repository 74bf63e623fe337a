"""The vendor pages and API over the demo's data, and their empty states."""

from __future__ import annotations

import io

import openpyxl
import pytest

from hygeia.vendors import demo
from hygeia.vendors.models import Assessment, Product, Vendor
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(make_user):
    manager = make_user("vera", "Vendor Risk Manager")
    make_user("ciso", "Security Officer")
    summary = demo.seed()
    return signed_in_client(manager), summary


def test_the_demo_has_every_state_and_a_kev_product(seeded):
    _, summary = seeded
    assert summary["vendors"] == 8 and summary["kev_products"] == 1
    states = set(Assessment.objects.values_list("state", flat=True))
    assert states == set(Assessment.State.values)
    assert demo.seed() == {"vendors": 8}  # once


def test_pages_render_with_data(seeded):
    client, _ = seeded
    vendor = Vendor.objects.get(legal_name="Meridian Infusion Technologies")
    pump = Product.objects.get(vendor=vendor)
    concluded = Assessment.objects.get(state="concluded")
    for url, expected in [
        ("/vendors/", "Meridian Infusion Technologies"),
        (f"/vendors/{vendor.pk}/", "Infusion pump gateway"),
        (f"/vendors/{vendor.pk}/", '<span class="badge warn">2</span>'),  # 2 KEV, not the CPE one
        (f"/vendors/products/{pump.pk}/", "CVE-2021-44228"),
        ("/vendors/exposure/", "CVE-2022-22965"),
        ("/vendors/assessments/", concluded.number),
        (f"/vendors/assessments/{concluded.number}/", "No multifactor authentication"),
        ("/vendors/dashboard/", "Harbor Transcription Services, Inc."),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode(), url


def test_dashboard_figures(seeded):
    client, _ = seeded
    page = client.get("/vendors/dashboard/")
    context = page.context
    coverage = context["coverage"]
    # PHI-handling vendors: all but the courier; Harbor (no BAA) and Bluepeak (requested) lack one
    assert (coverage["handling"], coverage["covered"]) == (7, 5)
    assert {v.legal_name for v in coverage["missing"]} == {
        "Harbor Transcription Services",
        "Bluepeak Telehealth",
    }
    assert [r["product"] for r in context["kev_products"]] == ["Infusion pump gateway"]
    assert context["open_findings"] == 0  # the demo's finding is accepted
    assert len(context["acceptances"]) == 1
    assert "<svg" in page.content.decode()


def test_empty_states(make_user):
    client = signed_in_client(make_user("vera", "Vendor Risk Manager"))
    assert "No vendors yet" in client.get("/vendors/").content.decode()
    assert "No product has an SBOM yet" in client.get("/vendors/exposure/").content.decode()
    assert "import your vendor spreadsheet" in client.get("/vendors/dashboard/").content.decode()


def test_import_and_export_through_the_pages(make_user):
    client = signed_in_client(make_user("vera", "Vendor Risk Manager"))
    upload = io.BytesIO(b"Vendor,Product,PHI volume\nZeta Labs,LIS,high\nBad,X,lots\n")
    upload.name = "vendors.csv"
    page = client.post("/vendors/import/", {"file": upload}, follow=True).content.decode()
    assert "2 rows read = 1 created" in page and "line 3" in page
    book = openpyxl.load_workbook(io.BytesIO(client.get("/vendors/vendors.xlsx").content))
    assert book.active.title == "Vendors" and book.active["A2"].value == "Zeta Labs"
    assert client.get("/vendors/vendors.pdf").status_code == 404


def test_send_an_assessment_from_the_vendor_page(make_user, smtp):
    client = signed_in_client(make_user("vera", "Vendor Risk Manager"))
    vendor = Vendor.objects.create(legal_name="Zeta Labs", contact_email="sec@zeta.example")
    client.get(f"/vendors/{vendor.pk}/")
    from hygeia.vendors import questionnaire

    form = questionnaire.install_bundled()[0]
    page = client.post(
        f"/vendors/{vendor.pk}/assess/",
        {"questionnaire": form.pk, "email": "sec@zeta.example", "due_on": "2099-01-01"},
        follow=True,
    ).content.decode()
    assert "/portal/" in page  # shown once to the sender
    assert smtp.messages and "/portal/" in smtp.messages[0][1]
    again = client.get(f"/vendors/assessments/{Assessment.objects.get().number}/")
    assert "/portal/" not in again.content.decode()


def test_api(seeded):
    client, _ = seeded
    vendors = client.get("/api/vendors").json()
    assert len(vendors) == 8 and {"tier", "residual_risk", "baa", "products"} <= set(vendors[0])
    one = client.get(f"/api/vendors/{vendors[0]['id']}").json()
    assert one["legal_name"] == vendors[0]["legal_name"]
    exposure = client.get("/api/vendors/exposure").json()
    assert any(r["kev"] == ["CVE-2021-44228", "CVE-2022-22965"] for r in exposure)
    assert client.get("/api/vendors/baa-coverage").json() == {
        "handling": 7,
        "covered": 5,
        "share": 71,
    }
    states = {a["state"] for a in client.get("/api/vendors/assessments").json()}
    assert "concluded" in states


def test_an_assurance_report_is_recorded_with_its_file(make_user):
    client = signed_in_client(make_user("vera", "Vendor Risk Manager"))
    vendor = Vendor.objects.create(legal_name="Zeta Labs")
    report = io.BytesIO(b"%PDF-1.7 SOC 2 Type II")
    report.name = "soc2.pdf"
    client.post(
        f"/vendors/{vendor.pk}/add/certification/",
        {"certification-kind": "soc2_type2", "certification-expires_on": "2027-06-30",
         "file": report},
    )  # fmt: skip
    cert = vendor.certifications.get()
    assert cert.file.name == "soc2.pdf" and cert.file.kind == "pdf"
    page = client.get(f"/vendors/{vendor.pk}/").content.decode()
    assert f"/vendors/files/{cert.file.pk}/" in page
    download = client.get(f"/vendors/files/{cert.file.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.7 SOC 2 Type II"
    bad = io.BytesIO(b"<html>not a pdf</html>")
    bad.name = "report.pdf"
    client.post(
        f"/vendors/{vendor.pk}/add/certification/",
        {"certification-kind": "pentest", "certification-expires_on": "2027-06-30", "file": bad},
    )
    assert vendor.certifications.count() == 1


def test_the_assessment_report_pdf(seeded):
    from pypdf import PdfReader

    client, _ = seeded
    concluded = Assessment.objects.get(state="concluded")
    response = client.get(f"/vendors/assessments/{concluded.number}/report.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert concluded.number in text and "Cobalt Cloud Billing" in text
    assert "No multifactor authentication" in text and "Accepted by" in text
    assert "Acceptable with conditions" in text
