"""Access-log CSV exports read through profiles, including daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from hygeia.lake.records import Rejected, Unread
from hygeia.privacy.formats import ReadContext
from hygeia.privacy.resolve import MRN_INDEX
from hygeia.privacy.sources import csv_access

CLARITY = "ACCESS_LOG_ID,ACCESS_INSTANT,USER_ID,PAT_MRN_ID,METRIC_NAME,WORKSTATION_ID\n"


def mrn_index(mapping: dict[str, str]):
    """A patient context holding these MRN -> FHIR id links."""
    table = pa.table({"mrn": list(mapping), "fhir_id": list(mapping.values())}, MRN_INDEX)
    return lambda: table


def read(path: Path, profile: str, lookup=None) -> tuple[list[dict], list[Rejected], ReadContext]:
    ctx = ReadContext(token="t", lookup_mrn=lookup)
    rows, rejected = [], []
    for item in csv_access.read(path, csv_access.find_profile(profile), ctx):
        if isinstance(item, Rejected):
            rejected.append(item)
        else:
            rows.extend(item.to_pylist())
    return rows, rejected, ctx


def write(tmp_path: Path, text: str, name: str = "access.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_profiles_load_and_there_are_at_least_three():
    names = {p.name for p in csv_access.shipped_profiles()}
    assert {"canonical", "epic-clarity-access-log", "millennium-audit-export"} <= names


def test_local_times_cross_both_daylight_saving_changes(tmp_path):
    path = write(
        tmp_path,
        CLARITY
        + "1,2026-03-08 01:59:00,u1,M1,Chart Review,W1\n"  # CST
        + "2,2026-03-08 02:30:00,u1,M1,Chart Review,W1\n"  # does not exist: read as CST
        + "3,2026-03-08 03:00:00,u1,M1,Chart Review,W1\n"  # CDT
        + "4,2026-11-01 01:30:00,u1,M1,Chart Review,W1\n"  # happens twice: first (CDT)
        + "5,2026-11-01 02:30:00,u1,M1,Chart Review,W1\n",  # CST
    )
    rows, rejected, ctx = read(path, "epic-clarity-access-log", mrn_index({"M1": "p1"}))
    assert not rejected
    utc = [r["occurred_utc"] for r in rows]
    assert utc == [
        datetime(2026, 3, 8, 7, 59, tzinfo=UTC),
        datetime(2026, 3, 8, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
    ]
    assert [r["utc_offset_minutes"] for r in rows] == [-360, -360, -300, -300, -360]
    assert ctx.notes == {
        "non-existent local times (clocks went forward)": 1,
        "ambiguous local times (clocks went back)": 1,
    }
    assert {r["patient_ref"] for r in rows} == {"Patient/p1"}
    assert {r["patient_identifier"] for r in rows} == {"M1"}


def test_a_profile_can_refuse_to_guess_in_the_changed_hours(tmp_path):
    text = (
        "EVENT_DT_TM\tPRSNL_USERNAME\tPERSON_ID\tEVENT_NAME\n"
        "03/08/2026 02:30:00 AM\tu1\tp1\tView\n"
        "11/01/2026 01:30:00 AM\tu1\tp1\tView\n"
        "11/01/2026 02:30:00 PM\tu1\tp1\tView\n"
    )
    rows, rejected, _ = read(write(tmp_path, text, "audit.tsv"), "millennium-audit-export")
    assert [r["occurred_utc"] for r in rows] == [datetime(2026, 11, 1, 19, 30, tzinfo=UTC)]
    assert [(q.location.line, q.reason.split(" ")[2]) for q in rejected] == [
        (2, "does"),
        (3, "falls"),
    ]


def test_bad_rows_are_quarantined_with_their_row_number(tmp_path):
    path = tmp_path / "access.csv"
    path.write_bytes(
        CLARITY.encode()
        + b"1,2026-02-30 10:00:00,u1,M1,Chart Review,W1\n"  # no such date
        + b"2,2026-03-01 10:00:00,,M1,Chart Review,W1\n"  # no user
        + b"3,2026-03-01\n"  # too few columns
        + b"4,2026-03-01 10:00:00,u\xff\xfe,M1,Chart Review,W1\n"  # not UTF-8
        + b"5,1850-03-01 10:00:00,u1,M1,Chart Review,W1\n"  # absurd
        + b"6,2026-03-01 10:00:00,u1,M1,Chart Review,W1\n"
    )
    rows, rejected, _ = read(path, "epic-clarity-access-log")
    assert len(rows) == 1 and rows[0]["source_line"] == 7
    reasons = {q.location.line: q.reason for q in rejected}
    assert sorted(reasons) == [2, 3, 4, 5, 6]
    assert "not a time" in reasons[2]
    assert "USER_ID is empty" in reasons[3]
    assert "columns" in reasons[4]
    assert "not UTF-8" in reasons[5]
    assert "outside" in reasons[6]
    assert all(q.location.file == str(path) for q in rejected)


def test_canonical_profile_needs_offsets_and_maps_actions_strictly(tmp_path):
    text = (
        "event_id,occurred,user_login,patient_id,action,purpose_of_use,break_glass\n"
        "a,2026-03-08T01:30:00-05:00,u1,p1,read,TREAT|ETREAT,true\n"
        "b,2026-03-08T01:30:00,u1,p1,read,,\n"
        "c,2026-03-08T01:30:00Z,u1,p1,peek,,\n"
    )
    rows, rejected, _ = read(write(tmp_path, text), "canonical")
    assert len(rows) == 1
    assert rows[0]["purpose_of_use"] == ["TREAT", "ETREAT"] and rows[0]["break_glass"]
    assert rows[0]["utc_offset_minutes"] == -300
    assert {q.location.line for q in rejected} == {3, 4}


def test_event_ids_are_stable_across_reads(tmp_path):
    path = write(tmp_path, CLARITY + "9,2026-06-01 10:00:00,u1,M1,Chart Review,W1\n")
    first = read(path, "epic-clarity-access-log")[0][0]["event_id"]
    assert read(path, "epic-clarity-access-log")[0][0]["event_id"] == first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("columns: {time: a}\n", "must name the user_login, action"),
        ("columns: {time: a, user_login: b, action: c, colour: d}\n", "unknown field"),
        ("columns: {time: a, user_login: b, action: c}\ntime: {format: '%Y'}\n", "timezone"),
        (
            "columns: {time: a, user_login: b, action: c}\n"
            "time: {format: '%Y', timezone: Mars/Base}\n",
            "unknown time zone",
        ),
        (
            "columns: {time: a, user_login: b, action: c}\nactions: {map: {x: peek}}\n",
            "actions map",
        ),
        ("[not, a, mapping]\n", "mapping"),
    ],
)
def test_profile_errors_name_the_file_and_problem(tmp_path, content, message):
    path = write(tmp_path, content, "mine.yaml")
    with pytest.raises(csv_access.ProfileError, match=message) as error:
        csv_access.load_profile(path)
    assert str(path) in str(error.value)


def test_a_toml_profile_works(tmp_path):
    path = write(
        tmp_path,
        '[columns]\ntime = "T"\nuser_login = "U"\naction = "A"\n[actions]\notherwise = "read"\n',
        "mine.toml",
    )
    profile = csv_access.load_profile(path)
    csv = write(tmp_path, "T,U,A\n2026-01-01T00:00:00Z,u1,whatever\n")
    rows, rejected, ctx = read(csv, str(path))
    assert profile.otherwise == "read" and len(rows) == 1 and not rejected
    assert ctx.notes == {"unmapped actions read as read": 1}


def test_a_multi_megabyte_row_is_quarantined_and_reading_goes_on(tmp_path):
    path = tmp_path / "access.csv"
    path.write_text(
        CLARITY
        + "1,2026-03-01 10:00:00,u1,M1,Chart Review,W1\n"
        + "2,2026-03-01 10:00:00,u1,M1,"
        + "x" * (10 << 20)
        + ",W1\n"
        + "3,2026-03-01 10:00:00,u1,M1,Chart Review,W1\n"
    )
    rows, rejected, _ = read(path, "epic-clarity-access-log")
    assert [r["source_line"] for r in rows] == [2, 4]
    assert [(q.location.line, "longer than" in q.reason) for q in rejected] == [(3, True)]
    assert len(rejected[0].content) <= 4096


def test_columns_the_file_lacks_are_empty_not_missing(tmp_path):
    path = write(tmp_path, CLARITY + "1,2026-06-01 10:00:00,u1,M1,Chart Review,W1\n")
    (row,), _, _ = read(path, "epic-clarity-access-log")
    assert row["purpose_of_use"] == [] and row["user_practitioner"] == ""
    assert row["break_glass"] is False


def test_identity_does_not_depend_on_whether_the_mrn_is_known_yet(tmp_path):
    text = "ACCESS_INSTANT,USER_ID,PAT_MRN_ID,METRIC_NAME\n2026-06-01 10:00:00,u1,M1,Chart Review\n"
    path = write(tmp_path, text)
    (before,), _, _ = read(path, "epic-clarity-access-log")
    (after,), _, _ = read(path, "epic-clarity-access-log", mrn_index({"M1": "p1"}))
    assert before["patient_ref"] == "" and after["patient_ref"] == "Patient/p1"
    assert before["event_id"] == after["event_id"]


def test_rows_without_their_own_id_are_identified_by_content(tmp_path):
    path = write(
        tmp_path,
        CLARITY
        + ",2026-06-01 10:00:00,u1,M1,Chart Review,W1\n"
        + ",2026-06-01 10:05:00,u1,M1,Chart Review,W1\n",
    )
    rows, _, _ = read(path, "epic-clarity-access-log")
    assert len({r["event_id"] for r in rows}) == 2


# --- faults: a bad line costs itself, never the rest of the file -----------------------------

CANONICAL = "event_id,occurred,user_login,patient_id,action\n"


def canonical_rows(count: int, bad: dict[int, str]) -> str:
    """`count` rows, row i (0-based; line i + 2) replaced by `bad[i]`."""
    return CANONICAL + "".join(
        bad.get(i, f"e{i},2026-03-08T10:00:00Z,u{i % 7},p{i},read") + "\n" for i in range(count)
    )


def read_all(path: Path, profile: str = "canonical"):
    ctx = ReadContext(token="t")
    items = list(csv_access.read(path, csv_access.find_profile(profile), ctx))
    rows = [r for i in items if isinstance(i, pa.Table) for r in i.to_pylist()]
    rejected = [i for i in items if isinstance(i, Rejected)]
    unread = [i for i in items if isinstance(i, Unread)]
    return rows, rejected, unread


@pytest.mark.parametrize("block_bytes", [8 << 20, 4096], ids=["one-block", "many-blocks"])
def test_a_quote_left_open_costs_its_line_only(tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(csv_access, "BLOCK_BYTES", block_bytes)
    path = write(tmp_path, canonical_rows(3000, {8: 'e8,2026-03-08T10:00:00Z,"u8,p8,read'}))
    rows, (rejected,), unread = read_all(path)
    assert [r["source_line"] for r in rows] == [n for n in range(2, 3002) if n != 10]
    assert (rejected.location.line, rejected.reason) == (10, "wrong number of columns")
    assert rejected.content == 'e8,2026-03-08T10:00:00Z,"u8,p8,read' and not unread


def test_a_quote_left_open_in_the_last_column_keeps_its_row_to_its_line(tmp_path):
    path = write(tmp_path, canonical_rows(500, {3: 'e3,2026-03-08T10:00:00Z,u3,p3,"read'}))
    rows, rejected, unread = read_all(path)
    assert len(rows) == 500 and not rejected and not unread
    assert rows[3]["action"] == "read" and rows[4]["source_line"] == 6


def test_a_line_longer_than_a_block_is_rejected_and_reading_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_access, "BLOCK_BYTES", 4096)
    long = "e5,2026-03-08T10:00:00Z,u5,p5," + "x" * 20_000
    path = write(tmp_path, canonical_rows(1000, {5: long}))
    rows, (rejected,), unread = read_all(path)
    assert len(rows) == 999 and rows[5]["source_line"] == 8 and not unread
    assert (rejected.location.line, rejected.reason) == (7, "line longer than 4096 bytes")


def test_a_header_that_is_not_utf8_leaves_the_file_unread(tmp_path):
    path = tmp_path / "access.csv"
    path.write_bytes(b"event_id,occ\xffurred,user_login,patient_id,action\n" + b"e,t,u,p,a\n" * 20)
    rows, rejected, (unread,) = read_all(path)
    assert not rows and not rejected
    assert unread.location.line == 1 and unread.reason.startswith("the header is not UTF-8")
    assert (unread.bytes, unread.records) == (path.stat().st_size, 20)


def test_a_header_without_the_profiles_columns_leaves_the_file_unread(tmp_path):
    path = write(tmp_path, "id,when,who\n1,2,3\n4,5,6")  # no newline at the end
    rows, rejected, (unread,) = read_all(path)
    assert not rows and not rejected
    assert unread.reason.startswith("header lacks the column(s) occurred, user_login, action")
    assert (unread.bytes, unread.records) == (path.stat().st_size, 2)


def test_rows_are_numbered_by_their_line_in_the_file(tmp_path):
    text = canonical_rows(3, {}).replace("\ne1,", "\n\n\ne1,").replace("\ne2", "\r\n\ne2")
    rows, rejected, _ = read_all(write(tmp_path, text))
    assert [r["source_line"] for r in rows] == [2, 5, 7] and not rejected
