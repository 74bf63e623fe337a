"""The vendor spreadsheet: import (CSV, TSV, XLSX), idempotence, bad rows, export."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from hygeia.vendors import records
from hygeia.vendors.models import Baa, Contract, Product, Vendor

pytestmark = pytest.mark.django_db

SHEET = (
    "Legal name,Aliases,Product,Product type,PHI volume,Network access,EHR integration,"
    "Clinical criticality,Contract,Contract value,Renewal date,BAA status,BAA signed,Receives PHI\n"
    'Acme Imaging Inc,Acme;Acme Health,PACS,saas,high,integrated,yes,high,MSA,"$1,200,000",'
    "2027-01-15,signed,01/10/2024,yes\n"
    "Acme Imaging Inc,,Viewer,Software (on premises),low,remote,no,medium,,,,,,\n"
    ",,Archive,software,none,none,no,none,,,,,,\n"
    "Blue Courier LLC,,Courier,service,none,none,no,none,,,,not required,,no\n"
    "Bad Row Co,,Thing,spaceship,,,,,,,,,,\n"
    "Worse Row Co,,,,,,maybe,,,,,,,\n"
)


def _import(text: str | bytes, name: str = "vendors.csv") -> records.ImportReport:
    raw = text.encode() if isinstance(text, str) else text
    return records.import_file(name, io.BytesIO(raw), len(raw), "tester")


def test_import_counts_add_up_and_rows_continue_their_vendor():
    report = _import(SHEET)
    assert report.read == 6
    assert report.read == report.created + report.updated + report.unchanged + len(report.rejected)
    assert [line for line, _ in report.rejected] == [6, 7]
    assert "spaceship" in report.rejected[0][1] and "not yes or no" in report.rejected[1][1]
    acme = Vendor.objects.get(legal_name="Acme Imaging Inc")
    assert acme.aliases == ["Acme", "Acme Health"]
    assert sorted(acme.products.values_list("name", flat=True)) == ["Archive", "PACS", "Viewer"]
    contract = Contract.objects.get(vendor=acme)
    assert str(contract.value) == "1200000.00" and str(contract.renewal_on) == "2027-01-15"
    baa = Baa.objects.get(vendor=acme)
    assert baa.status == "signed" and str(baa.signed_on) == "2024-01-10" and baa.receives_phi
    assert Product.objects.get(name="Viewer").kind == "software"
    assert acme.tier == 1 and not Vendor.objects.filter(legal_name__startswith="Bad").exists()


def test_importing_the_same_file_again_changes_nothing():
    _import(SHEET)
    before = (Vendor.objects.count(), Product.objects.count(), Contract.objects.count())
    again = _import(SHEET)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert (Vendor.objects.count(), Product.objects.count(), Contract.objects.count()) == before


def test_an_edited_cell_updates_the_record():
    _import(SHEET)
    report = _import(SHEET.replace("PACS,saas,high", "PACS,saas,medium"))
    assert report.updated == 1
    assert Product.objects.get(name="PACS").phi_volume == "medium"


def test_tab_separated_and_a_header_below_a_title():
    report = _import("Vendor register 2026\n\nVendor\tProduct\nZeta Labs\tLIS\n", "v.tsv")
    assert report.created == 1 and Product.objects.get().name == "LIS"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("Name,Product\nA,B\n", "v.csv", "no header row with a Vendor column"),
        (b"\xff\xfe\x00bad", "v.csv", "binary content"),
        ("Vendor\n" + '"' + "x" * 3_000_000 + '"\n', "v.csv", "line"),
        (b"PK\x03\x04not really", "v.xlsx", "damaged"),
        ("Vendor\nA\n", "v.exe", "not accepted"),
    ],
)
def test_unusable_files_are_refused_whole(content, name, message):
    with pytest.raises(records.ImportError_) as caught:
        _import(content, name)
    assert name in str(caught.value) and message in str(caught.value)
    assert not Vendor.objects.exists()


def test_an_xlsx_zip_bomb_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 50_000_000)
    with pytest.raises(records.ImportError_, match="zip bomb"):
        _import(out.getvalue(), "bomb.xlsx")


def test_xlsx_round_trip_keeps_everything():
    _import(SHEET)
    exported = records.export_xlsx()
    before = _without_ids(records.export_csv())
    Vendor.objects.all().delete()
    report = _import(exported, "vendors.xlsx")  # ids of products that are gone: by name
    assert not report.rejected and report.created == 2
    assert _without_ids(records.export_csv()) == before


def _without_ids(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(row.pop("product id") for row in rows if row["product"])
    return rows


def test_an_xlsx_with_the_register_on_a_later_sheet():
    book = openpyxl.Workbook()
    book.active.append(["Notes for the auditors"])
    sheet = book.create_sheet("Register")
    sheet.append(["Vendor", "Product", "BAA expires"])
    sheet.append(["Kappa Health", "Portal", "2027-03-01"])
    out = io.BytesIO()
    book.save(out)
    report = _import(out.getvalue(), "register.xlsx")
    assert report.created == 1 and str(Baa.objects.get().expires_on) == "2027-03-01"


def test_csv_export_cannot_smuggle_formulas():
    Vendor.objects.create(legal_name='=HYPERLINK("http://evil")')
    text = records.export_csv()
    assert "'=HYPERLINK" in text


def test_a_contract_covers_the_product_on_its_row():
    _import(SHEET)
    contract = Contract.objects.get(title="MSA")
    assert contract.product is not None and contract.product.name == "PACS"
    rows = list(records.export_rows())
    pacs = next(r for r in rows if r["product"] == "PACS")
    viewer = next(r for r in rows if r["product"] == "Viewer")
    assert pacs["contract"] == "MSA" and viewer["contract"] == ""


def test_a_contract_can_only_cover_the_vendors_own_products(make_user):
    from tests.conftest import signed_in_client

    _import(SHEET)
    acme = Vendor.objects.get(legal_name="Acme Imaging Inc")
    courier = Product.objects.get(name="Courier")  # another vendor's
    client = signed_in_client(make_user("vera", "Vendor Risk Manager"))
    client.post(
        f"/vendors/{acme.pk}/add/contract/",
        {"contract-title": "Support", "contract-product": courier.pk},
    )
    assert not Contract.objects.filter(title="Support").exists()
    pacs = Product.objects.get(name="PACS")
    client.post(
        f"/vendors/{acme.pk}/add/contract/",
        {"contract-title": "Support", "contract-product": pacs.pk},
    )
    assert Contract.objects.get(title="Support").product == pacs


def test_a_file_broken_half_way_is_refused_whole():
    filler = b"".join(b"Filler %d LLC,,Thing,saas,,,,,,,,,,\n" % n for n in range(100))
    raw = SHEET.encode() + filler + b"Late Row Inc,,Thing,\xff\xfe,,,,,,,,,,\n"
    with pytest.raises(records.ImportError_, match=r"vendors\.csv: line 108: not UTF-8"):
        _import(raw)
    assert not Vendor.objects.exists()


def test_a_sheet_is_read_a_row_at_a_time(settings):
    """Memory follows the row, not the file: a file over the row limit is refused after
    reading that many rows, holding none of them."""
    import tracemalloc

    settings.MAX_UPLOAD_BYTES = 1 << 30
    rows = b"".join(b"Vendor %d LLC,,Product,saas\n" % n for n in range(records.MAX_ROWS + 20))
    raw = b"Legal name,Aliases,Product,Product type\n" + rows * 3
    tracemalloc.start()
    with pytest.raises(records.ImportError_, match="more than"):
        records.import_file("big.csv", io.BytesIO(raw), len(raw), "tester")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < len(raw) / 3, f"{peak / 1e6:.0f} MB traced for a {len(raw) / 1e6:.0f} MB file"
