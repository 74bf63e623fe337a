"""The HR staff roster."""

from __future__ import annotations

from datetime import date

from hygeia.lake.records import Parsed, Rejected, Unread
from hygeia.privacy.sources import staff_roster

HEADER = (
    "employee_id,user_id,practitioner_id,family_name,given_name,birth_date,address_line,city,"
    "state,postal_code,department,job_title,hire_date,termination_date,shift,badge_colour\n"
)
ROW = (
    "E1,u1,pr-1,Okafor,Ada,1980-01-02,1 Quarry St,Fairhaven,MA,02701,Emergency,RN,2020-05-01,,"
    "night,blue\n"
)


def test_rows_extra_columns_and_problems(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(
        HEADER
        + ROW
        + "E2,u2,,Haddad,Sam,1990-13-01,,,,,Lab,Tech,2021-01-01,,,\n"
        + "E3,,,Haddad,Sam,,,,,,Lab,Tech,2021-01-01,,,\n"
        + ROW
        + "E4,u4\n"
    )
    items = list(staff_roster.read(path))
    parsed = [i.value for i in items if isinstance(i, Parsed)]
    rejected = {i.location.line: i.reason for i in items if isinstance(i, Rejected)}
    assert [p.employee_id for p in parsed] == ["E1"]
    assert parsed[0].extra == {"badge_colour": "blue"} and parsed[0].shift == "night"
    assert parsed[0].termination_date is None and parsed[0].hire_date == date(2020, 5, 1)
    assert "birth_date is not a date" in rejected[3]
    assert "user_id is empty" in rejected[4]
    assert "repeated (first on line 2)" in rejected[5]
    assert "columns" in rejected[6]


def test_the_same_file_is_the_same_snapshot(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + ROW)
    first = next(iter(staff_roster.read(path))).value.snapshot
    assert next(iter(staff_roster.read(path))).value.snapshot == first
    path.write_text(HEADER + ROW.replace(",,night", ",2026-01-31,night"))
    assert next(iter(staff_roster.read(path))).value.snapshot != first


def test_roster_detection_by_header():
    assert staff_roster.is_roster(HEADER.strip().split(","))
    assert not staff_roster.is_roster(["employee_id", "user_id"])


def staff(count: int, bad: dict[int, str]) -> str:
    """A roster of `count` rows, row i (line i + 2) replaced by `bad[i]`."""
    return HEADER + "".join(bad.get(i, ROW.replace("E1,u1", f"E{i},u{i}")) for i in range(count))


def read_roster(path):
    items = list(staff_roster.read(path))
    return (
        [i for i in items if isinstance(i, Parsed)],
        [i for i in items if isinstance(i, Rejected)],
        [i for i in items if isinstance(i, Unread)],
    )


def test_a_quote_left_open_costs_its_line_only(tmp_path):
    broken = ROW.replace("E1,u1", "E3,u3").replace("1 Quarry St", '"1 Quarry St')
    path = tmp_path / "staff.csv"
    path.write_text(staff(50, {3: broken}))
    parsed, (rejected,), unread = read_roster(path)
    assert [p.location.line for p in parsed] == [n for n in range(2, 52) if n != 5]
    assert rejected.location.line == 5 and not unread
    assert rejected.reason == "a quote is not closed on this line"
    assert rejected.content == broken.rstrip("\n")


def test_a_quoted_address_over_two_lines_is_one_row(tmp_path):
    two_lines = ROW.replace("E1,u1", "E3,u3").replace("1 Quarry St", '"1 Quarry St\nFlat 2"')
    path = tmp_path / "staff.csv"
    path.write_text(staff(6, {3: two_lines}))
    parsed, rejected, unread = read_roster(path)
    assert not rejected and not unread
    assert [p.location.line for p in parsed] == [2, 3, 4, 5, 7, 8]
    assert parsed[3].value.address_line == "1 Quarry St\nFlat 2"


def test_a_header_with_a_quote_left_open_leaves_the_file_unread(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER.replace("city,", '"city,') + ROW + ROW.replace("E1,u1", "E2,u2"))
    parsed, rejected, (unread,) = read_roster(path)
    assert not parsed and not rejected
    assert unread.location.line == 1 and unread.reason.startswith("the header row cannot be read")
    assert (unread.bytes, unread.records) == (path.stat().st_size, 2)
