"""`hygeia privacy ingest`: every record accounted for, nothing stored twice, and a store
that stays consistent whatever happens."""

from __future__ import annotations

import pytest

from hygeia.core.models import AuditEntry
from hygeia.privacy.events import EVENTS
from hygeia.privacy.ingest import ingest, lake
from hygeia.privacy.models import IngestFile, Patient
from tests.privacy.helpers import audit_event, patient, write_ndjson

pytestmark = pytest.mark.django_db


def stored_events() -> list[tuple]:
    rows = lake().read_table(EVENTS, ["event_id", "patient_ref"]).to_pylist()
    return [(r["event_id"], r["patient_ref"]) for r in rows]


def check_sums(report):
    for entry in report.files:
        assert entry.read == entry.stored + entry.duplicate + entry.quarantined, entry
    assert report.total("read") == (
        report.total("stored") + report.total("duplicate") + report.total("quarantined")
    )


def test_counts_add_up_and_reasons_name_file_and_line(tmp_path):
    path = write_ndjson(
        tmp_path / "fhir" / "AuditEvent.ndjson",
        [
            audit_event("a1"),
            audit_event("a2", when="2026-03-09T09:30:00Z"),
            audit_event("a2", when="2026-03-09T09:30:00Z"),  # repeated within the file
            "{not json",
            audit_event("a3", when="1870-01-01T00:00:00Z"),
            "",
            '["an", "array"]',
        ],
    )
    report = ingest([tmp_path / "fhir"])
    check_sums(report)
    (entry,) = report.files
    assert (entry.read, entry.stored, entry.duplicate, entry.quarantined) == (6, 2, 1, 3)
    assert len(stored_events()) == 2
    quarantined = (lake().quarantine_path(IngestFile.objects.get().token)).read_text().splitlines()
    lines = sorted(__import__("json").loads(q)["line"] for q in quarantined)
    assert lines == [4, 5, 7]
    assert all(str(path) in q for q in quarantined)
    assert AuditEntry.objects.filter(action="import").count() == 1


def test_reingesting_the_same_or_an_overlapping_file_stores_nothing_twice(tmp_path):
    first = write_ndjson(
        tmp_path / "a" / "AuditEvent.ndjson", [audit_event(f"e{i}") for i in range(5)]
    )
    ingest([first])
    again = ingest([first])
    assert (again.total("stored"), again.total("duplicate")) == (0, 5)
    overlap = write_ndjson(
        tmp_path / "b" / "AuditEvent.2.ndjson.gz",
        [audit_event(f"e{i}") for i in range(3, 8)],
        gz=True,
    )
    report = ingest([overlap])
    check_sums(report)
    assert (report.total("stored"), report.total("duplicate")) == (3, 2)
    ids = [row[0] for row in stored_events()]
    assert len(ids) == len(set(ids)) == 8


def test_patients_fill_the_directory_and_new_versions_are_kept_only_when_changed(tmp_path):
    path = write_ndjson(tmp_path / "Patient.ndjson", [patient("p1", "M1"), patient("p2", "M2")])
    ingest([path])
    assert set(Patient.objects.values_list("mrn", flat=True)) == {"M1", "M2"}
    assert ingest([path]).total("duplicate") == 2
    write_ndjson(path, [patient("p1", "M1", family="Haddad"), patient("p2", "M2")])
    report = ingest([path])
    assert (report.total("stored"), report.total("duplicate")) == (1, 1)
    assert Patient.objects.get(mrn="M1").family_name == "Haddad"


def test_unrecognised_files_are_named_and_fail_the_run_but_not_the_others(tmp_path):
    write_ndjson(tmp_path / "AuditEvent.ndjson", [audit_event("a1")])
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    write_ndjson(tmp_path / "Observation.ndjson", [{"resourceType": "Observation"}])
    write_ndjson(tmp_path / "OperationOutcome.ndjson", [{"resourceType": "OperationOutcome"}])
    report = ingest([tmp_path, tmp_path / "missing.ndjson"])
    failed = {f.path.rsplit("/", 1)[-1]: f.error for f in report.failed}
    assert set(failed) == {"notes.docx", "Observation.ndjson", "missing.ndjson"}
    assert "not a recognised input" in failed["notes.docx"]
    assert "Observation resources are not read" in failed["Observation.ndjson"]
    assert report.total("stored") == 1


def test_hostile_input_is_quarantined_without_crashing(tmp_path):
    import gzip

    folder = tmp_path / "fhir"
    folder.mkdir()
    good = "\n".join(__import__("json").dumps(audit_event(f"g{i}")) for i in range(50)) + "\n"
    blob = gzip.compress(good.encode())
    (folder / "AuditEvent.1.ndjson.gz").write_bytes(blob[: len(blob) // 2])  # truncated gzip
    (folder / "AuditEvent.2.ndjson").write_bytes(
        b"\x00\xff\xfe garbage\n" + b"[" * 100_000 + b"\n" + b'{"a":' + b"x" * (2 << 20) + b"}\n"
    )
    write_ndjson(
        folder / "AuditEvent.3.ndjson",
        [{**audit_event("t1"), "recorded": 12}, {**audit_event("t2"), "agent": "nobody"}],
    )
    report = ingest([folder])
    check_sums(report)
    assert not report.failed
    assert report.total("quarantined") >= 6


def quarantined_lines(report) -> list[dict]:
    path = lake().quarantine_path(IngestFile.objects.get(path=report.files[0].path).token)
    return [__import__("json").loads(line) for line in path.read_text().splitlines()]


def test_the_quarantine_keeps_the_first_records_and_counts_the_rest(tmp_path, settings):
    settings.QUARANTINE_KEEP = 5
    lines = [audit_event("a1")] + ["{not json"] * 20 + ['{"resourceType": "Patient"}'] * 10
    report = ingest([write_ndjson(tmp_path / "AuditEvent.ndjson", lines)])
    check_sums(report)
    (entry,) = report.files
    assert (entry.stored, entry.quarantined, entry.kept) == (1, 30, 5)
    assert entry.reasons == {"invalid JSON": 20, "resourceType is 'Patient', not 'AuditEvent'": 10}
    assert [q["line"] for q in quarantined_lines(report)] == [2, 3, 4, 5, 6]


def test_a_flood_of_bad_records_is_counted_without_keeping_them(tmp_path, settings):
    """After the kept records, readers hand over counts by reason: nothing per record."""
    settings.QUARANTINE_KEEP = 3
    flood = [audit_event("a1")] + ["{}"] * 200_000 + [audit_event("a2")]
    report = ingest([write_ndjson(tmp_path / "AuditEvent.ndjson.gz", flood, gz=True)])
    check_sums(report)
    (entry,) = report.files
    assert (entry.stored, entry.quarantined, entry.kept) == (2, 200_000, 3)
    assert entry.reasons == {"resourceType is '', not 'AuditEvent'": 200_000}
    assert len(quarantined_lines(report)) == 3


def test_a_file_whose_first_records_all_fail_is_dropped_in_one_sentence(tmp_path):
    """A 300,000-line gzip of `{}` (a few kilobytes) stops at 100,000 refusals, keeps the
    content of 10,000, stores nothing, and says why."""
    path = write_ndjson(tmp_path / "AuditEvent.ndjson.gz", ["{}"] * 300_000, gz=True)
    report = ingest([path])
    (entry,) = report.files
    assert entry.status == "failed" and report.needs_attention
    assert (entry.stored, entry.kept) == (0, 10_000)
    assert entry.read == entry.quarantined
    assert 100_000 <= entry.quarantined < 200_000  # counted a block at a time past the kept ones
    assert entry.error == (
        f"{path}: the first {entry.quarantined:,} records were all refused (mostly: "
        "resourceType is '', "
        "not 'AuditEvent'), so reading stopped; it is probably not FHIR AuditEvent (bulk "
        "NDJSON), or not in a layout Hygeia reads. Nothing of it was stored."
    )
    assert stored_events() == []
    assert len(quarantined_lines(report)) == 10_000
    assert IngestFile.objects.get().status == IngestFile.Status.FAILED


def test_a_csv_read_through_the_wrong_profile_is_dropped_with_a_hint(tmp_path, monkeypatch):
    monkeypatch.setattr("hygeia.privacy.ingest.GIVE_UP_AFTER", 50)
    csv = tmp_path / "access.csv"
    csv.write_text(
        "event_id,occurred,user_login,patient_id,action\n"
        + "".join(f"{i},08/03/2026 10:00,jdoe,p1,read\n" for i in range(200)),
        encoding="utf-8",
    )
    report = ingest([csv], profile="canonical")
    (entry,) = report.files
    assert entry.status == "failed" and entry.quarantined == 50
    assert "name the right one with --profile" in entry.error
    assert stored_events() == []


def test_a_gzipped_export_is_recognised_by_its_header_and_read_whole(tmp_path):
    import gzip

    rows = "".join(f"{i},2026-03-09T10:0{i}:00-05:00,jdoe,p1,read\n" for i in range(5))
    text = "event_id,occurred,user_login,patient_id,action\n" + rows
    with gzip.open(tmp_path / "access_2026-03-09.csv.gz", "wt", encoding="utf-8") as handle:
        handle.write(text)
    (tmp_path / "notes.csv.gz").write_bytes(gzip.compress(b"what,ever\n1,2\n"))
    report = ingest([tmp_path], profile="canonical")
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert by_name["access_2026-03-09.csv.gz"].stored == 5
    assert by_name["access_2026-03-09.csv.gz"].format == "csv:canonical"
    assert "header lacks the columns" in by_name["notes.csv.gz"].error
    assert len(stored_events()) == 5


def test_a_gzipped_roster_is_refused_with_the_reason(tmp_path):
    import gzip

    from hygeia.privacy.sources import staff_roster

    header = ",".join(staff_roster.COLUMNS) + "\n"
    (tmp_path / "staff.csv.gz").write_bytes(gzip.compress(header.encode()))
    (entry,) = ingest([tmp_path / "staff.csv.gz"]).files
    assert entry.status == "failed" and "read uncompressed" in entry.error
