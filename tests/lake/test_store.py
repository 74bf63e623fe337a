"""The store's staging and commit, directly: partitions, duplicates, failures."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from hygeia.lake.store import Lake, Table

TABLE = Table(
    path="things",
    key="id",
    partition="day",
    schema=pa.schema([("id", pa.string()), ("n", pa.int64()), ("day", pa.date32())]),
)


def rows(ids: list[str], day: date) -> pa.Table:
    return pa.table(
        {"id": ids, "n": list(range(len(ids))), "day": [day] * len(ids)}, schema=TABLE.schema
    )


def commit(lake: Lake, token: str, *batches: pa.Table):
    with lake.staging(token, TABLE) as staged:
        for batch in batches:
            staged.write(batch)
        staged.close()
        plan = lake.plan(staged, token)
        lake.apply(plan.moves)
    lake.discard(token)
    return plan


def test_rows_land_in_their_partitions_and_duplicates_are_dropped(tmp_path):
    lake = Lake(tmp_path / "lake")
    first = commit(lake, "t1", rows(["a", "b"], date(2026, 3, 8)), rows(["c"], date(2026, 3, 9)))
    assert (first.staged, first.stored, first.duplicate) == (3, 3, 0)
    assert sorted(p.parent.name for p in lake.files(TABLE)) == ["day=2026-03-08", "day=2026-03-09"]
    again = commit(lake, "t2", rows(["b", "d", "d"], date(2026, 3, 8)))
    assert (again.staged, again.stored, again.duplicate) == (3, 1, 2)
    stored = sorted(lake.read_table(TABLE, ["id"])["id"].to_pylist())
    assert stored == ["a", "b", "c", "d"]


def test_a_failure_in_the_writer_reaches_the_reader(tmp_path):
    lake = Lake(tmp_path / "lake")
    wrong = pa.table({"id": ["a"], "n": ["not a number"], "day": [date(2026, 3, 8)]})
    with pytest.raises(pa.ArrowInvalid), lake.staging("t1", TABLE) as staged:
        staged.write(wrong)
        staged.close()
