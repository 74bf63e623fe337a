"""The daily run (evidence and BAA warnings, triggers) and the breach-portal match."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hygeia.vendors import monitor
from hygeia.vendors.models import Baa, BreachReport, Certification, Contract, Trigger, Vendor

pytestmark = pytest.mark.django_db

PORTAL = (
    "Name of Covered Entity,State,Covered Entity Type,Individuals Affected,"
    "Breach Submission Date,Type of Breach,Location of Breached Information,"
    "Business Associate Present,Web Description\n"
    '"Meridian Infusion Technologies, Inc.",OR,Business Associate,"12,840",03/14/2026,'
    "Hacking/IT Incident,Network Server,Yes,\n"
    "Meridian Health System,WA,Healthcare Provider,610,02/02/2026,Theft,Laptop,No,\n"
    "Acme Hlth,TX,Business Associate,900,01/05/2026,Hacking/IT Incident,Email,Yes,\n"
    ",TX,Healthcare Provider,1,01/05/2026,Theft,Laptop,No,\n"
)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Meridian Infusion Technologies, Inc.", "Meridian Infusion Technologies", True),
        ("THE ACME HEALTH CORPORATION", "Acme Health", True),
        ("Acme Health LLC", "Acme Hlth", True),
        ("Meridian Health System", "Meridian Infusion Technologies", False),
        ("Northside Clinic", "Southside Clinic", False),
    ],
)
def test_name_similarity(a, b, same):
    assert (monitor.similarity(a, b) >= monitor.MATCH_THRESHOLD) is same


def test_breach_portal_rows_resembling_a_vendor_are_queued_for_review(tmp_path, product):
    Vendor.objects.create(legal_name="Acme Health", aliases=["Acme Hlth"])
    path = tmp_path / "breach_report.csv"
    path.write_text(PORTAL)
    counts = monitor.import_breach_report(path)
    assert (counts["read"], counts["matched"], counts["unmatched"], counts["rejected"]) == (
        4,
        2,
        1,
        1,
    )
    assert counts["read"] == counts["matched"] + counts["unmatched"] + counts["rejected"]
    meridian = BreachReport.objects.get(vendor=product.vendor)
    assert meridian.individuals == 12840 and meridian.submitted_on == date(2026, 3, 14)
    assert meridian.business_associate_present and meridian.source_line == 2
    monitor.import_breach_report(path)  # the same export again: nothing new
    assert BreachReport.objects.count() == 2
    monitor.review_breach(meridian, same=True)
    assert Trigger.objects.get(kind="breach").vendor == product.vendor
    other = BreachReport.objects.exclude(pk=meridian.pk).get()
    monitor.review_breach(other, same=False)
    assert Trigger.objects.filter(kind="breach").count() == 1


def test_a_file_that_is_not_a_portal_export(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"other\.csv"):
        monitor.import_breach_report(path)


def test_evidence_and_baa_warnings_and_renewal_triggers(product, smtp, make_user):
    make_user("vera", "Vendor Risk Manager")
    today = date(2026, 6, 1)
    vendor = product.vendor
    cert = Certification.objects.create(
        vendor=vendor, kind="soc2_type2", expires_on=today + timedelta(days=30)
    )
    Baa.objects.create(vendor=vendor, status="signed", expires_on=today + timedelta(days=60))
    Contract.objects.create(vendor=vendor, title="Pumps", renewal_on=today + timedelta(days=80))
    Contract.objects.create(vendor=vendor, title="Later", renewal_on=today + timedelta(days=200))
    sent = monitor.remind(today)
    assert sent["evidence"] == 1 and sent["baas"] == 1
    cert.refresh_from_db()
    assert sorted(cert.reminders_sent) == [30, 60]  # the 60-day notice was not sent earlier
    assert monitor.remind(today)["evidence"] == 0  # once
    assert monitor.remind(today + timedelta(days=23))["evidence"] == 1  # 7 days before
    subjects = [body for _, body in smtp.messages]
    assert any("SOC 2 Type II report of Meridian" in b for b in subjects)
    assert any("BAA with Meridian" in b for b in subjects)
    renewal = Trigger.objects.get(kind="renewal")
    assert "Pumps renews on 2026-08-20" in renewal.detail
    vendor.tier, vendor.next_assessment_due = 1, today + timedelta(days=10)
    vendor.save()
    monitor.raise_triggers(today)
    assert Trigger.objects.filter(kind="cadence", vendor=vendor).count() == 1


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_breach_exports_with_other_line_endings(tmp_path, product, newline):
    path = tmp_path / "breach_report.csv"
    path.write_bytes(("\ufeff" + PORTAL).replace("\n", newline).encode())
    counts = monitor.import_breach_report(path)
    assert (counts["read"], counts["matched"], counts["rejected"]) == (4, 1, 1)
    assert counts["problems"] == ["breach_report.csv: line 5: no entity name"]
    assert BreachReport.objects.get().source_line == 2


def test_a_byte_that_is_not_utf8_is_named_by_its_line(tmp_path, product):
    rows = [
        f"Clinic {n},OR,Healthcare Provider,10,01/05/2026,Theft,Laptop,No,\n" for n in range(5000)
    ]
    rows[3999] = rows[3999].replace("Clinic", "Cl\xe9nic")
    path = tmp_path / "breach_report.csv"
    path.write_bytes(PORTAL.encode() + "".join(rows).encode("latin-1"))
    with pytest.raises(ValueError, match=r"^breach_report\.csv: line 4005: not UTF-8 text"):
        monitor.import_breach_report(path)
    assert BreachReport.objects.count() == 0  # what was read before the bad line rolls back


def test_a_quote_left_open_is_a_clear_error_not_a_crash(tmp_path):
    import csv

    path = tmp_path / "breach_report.csv"
    opened = 'x,OR,Healthcare Provider,1,01/05/2026,Theft,"Laptop,No,\n'
    rest = "y,WA,Healthcare Provider,2,01/06/2026\n"  # no quote: the field runs on
    path.write_text(PORTAL + opened + rest * (csv.field_size_limit() // len(rest) + 10))
    with pytest.raises(ValueError, match=r"^breach_report\.csv: line 6: a field longer than"):
        monitor.import_breach_report(path)


def test_a_giant_line_is_refused_with_its_number(tmp_path):
    from hygeia.streams import MAX_LINE

    path = tmp_path / "breach_report.csv"
    path.write_text(PORTAL + "x" * (MAX_LINE + 10) + "\n")
    with pytest.raises(ValueError, match=r"^breach_report\.csv: line 6: longer than"):
        monitor.import_breach_report(path)


def test_breach_problems_keep_the_first_hundred(tmp_path):
    path = tmp_path / "breach_report.csv"
    path.write_text(PORTAL + ",TX,Healthcare Provider,1,01/05/2026,Theft,Laptop,No,\n" * 150)
    counts = monitor.import_breach_report(path)
    assert counts["rejected"] == 151 and counts["read"] == 154
    assert len(counts["problems"]) == 100 and counts["problems_omitted"] == 51


def test_a_big_export_is_read_without_holding_it(tmp_path):
    """Python's allocations stay far below the file's size (reading it whole takes more)."""
    import tracemalloc

    path = tmp_path / "breach_report.csv"
    description = "x" * 1000
    row = f"Clinic,OR,Healthcare Provider,10,01/05/2026,Theft,Laptop,No,{description}\n"
    with path.open("w") as out:
        out.write(PORTAL)
        for _ in range(20):
            out.write(row * 3000)
    size = path.stat().st_size
    assert size > 60_000_000
    tracemalloc.start()
    try:
        counts = monitor.import_breach_report(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts["read"] == 4 + 60_000
    assert peak < size / 20, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB file"
