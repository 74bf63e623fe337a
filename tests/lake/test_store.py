"""The store's staging and commit, directly: partitions, duplicates, conflicts, what readers
see, failures."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from hygeia.lake.store import COMMITTED, Lake, Table

TABLE = Table(
    path="things",
    key="id",
    partition="day",
    order="line",
    provenance=("line",),
    schema=pa.schema(
        [("id", pa.string()), ("n", pa.int64()), ("line", pa.int64()), ("day", pa.date32())]
    ),
)
MARCH_8, MARCH_9 = date(2026, 3, 8), date(2026, 3, 9)


def rows(ids: list[str], day: date, values: list[int] | None = None) -> pa.Table:
    """Rows with these ids; `n` (the content) is 0 unless given, `line` counts from 1."""
    return pa.table(
        {
            "id": ids,
            "n": values or [0] * len(ids),
            "line": list(range(1, len(ids) + 1)),
            "day": [day] * len(ids),
        },
        schema=TABLE.schema,
    )


def commit(lake: Lake, token: str, *batches: pa.Table):
    with lake.staging(token, TABLE) as staged:
        for batch in batches:
            staged.write(batch)
        staged.close()
        plan = lake.plan(staged, token)
        lake.apply(TABLE.path, token, plan.moves)
    lake.discard(token)
    return plan


def stored(lake: Lake) -> list[tuple[str, int]]:
    return sorted((r["id"], r["n"]) for r in lake.read_table(TABLE, ["id", "n"]).to_pylist())


def test_rows_land_in_their_partitions_and_duplicates_are_dropped(tmp_path):
    lake = Lake(tmp_path / "lake")
    first = commit(lake, "t1", rows(["a", "b"], MARCH_8), rows(["c"], MARCH_9))
    assert (first.staged, first.stored, first.duplicate, first.conflicts) == (3, 3, 0, 0)
    assert sorted(p.parent.name for p in lake.files(TABLE)) == ["day=2026-03-08", "day=2026-03-09"]
    again = commit(lake, "t2", rows(["b", "d", "d"], MARCH_8))
    assert (again.staged, again.stored, again.duplicate, again.conflicts) == (3, 1, 2, 0)
    assert stored(lake) == [("a", 0), ("b", 0), ("c", 0), ("d", 0)]


def test_a_row_that_differs_is_never_a_duplicate(tmp_path):
    """Same key, other content (two systems reusing ids): kept under a key of its own,
    counted as a conflict with its line, and found stored when read again."""
    lake = Lake(tmp_path / "lake")
    commit(lake, "t1", rows(["a", "b"], MARCH_8, [1, 2]))
    other = rows(["a", "b", "c"], MARCH_8, [1, 9, 3])
    plan = commit(lake, "t2", other)
    assert (plan.staged, plan.stored, plan.duplicate, plan.conflicts) == (3, 2, 1, 1)
    assert plan.conflict_at == (2,)
    kept = stored(lake)
    assert sorted(n for _, n in kept) == [1, 2, 3, 9]
    assert len({key for key, _ in kept}) == 4  # every row has an identity of its own
    again = commit(lake, "t3", other)
    assert (again.stored, again.duplicate, again.conflicts) == (0, 3, 0)
    assert len(stored(lake)) == 4


def test_rows_of_one_file_that_share_a_key_but_differ_are_all_kept(tmp_path):
    lake = Lake(tmp_path / "lake")
    plan = commit(lake, "t1", rows(["a", "a", "a", "a"], MARCH_8, [1, 2, 1, 3]))
    assert (plan.stored, plan.duplicate, plan.conflicts) == (3, 1, 2)
    assert plan.conflict_at == (2, 4)
    assert sorted(n for _, n in stored(lake)) == [1, 2, 3]
    assert ("a", 1) in stored(lake)  # the first one read keeps the key


def test_readers_see_only_committed_inputs(tmp_path):
    """Files moved into place are invisible until their input's marker exists."""
    lake = Lake(tmp_path / "lake")
    commit(lake, "t1", rows(["a"], MARCH_8))
    with lake.staging("t2", TABLE) as staged:
        staged.write(rows(["b", "c"], MARCH_8, [5, 5]))
        staged.close()
        plan = lake.plan(staged, "t2")
    for source, target in plan.moves:  # as a process killed before the marker leaves them
        (lake.root / target).parent.mkdir(parents=True, exist_ok=True)
        (lake.root / source).rename(lake.root / target)
    assert stored(lake) == [("a", 0)]
    lake.apply(TABLE.path, "t2", plan.moves)  # recovery repeats the commit: idempotent
    assert stored(lake) == [("a", 0), ("b", 5), ("c", 5)]


class Killed(Exception):
    pass


@pytest.mark.parametrize("first_commit", [True, False])
@pytest.mark.parametrize("point", ["commit-moved-first", "commit-moved"])
def test_a_commit_stopped_while_moving_is_invisible(tmp_path, monkeypatch, first_commit, point):
    """Whether or not the dataset held anything before, files moved by an unfinished commit
    are not read; finishing the commit (recovery repeats it) shows all of them."""
    lake = Lake(tmp_path / "lake")
    before = [] if first_commit else [("a", 0)]
    if not first_commit:
        commit(lake, "t1", rows(["a"], MARCH_8))

    def crash(name: str) -> None:
        if name == point:
            raise Killed

    with lake.staging("t2", TABLE) as staged:
        staged.write(rows(["b"], MARCH_8, [5]))
        staged.write(rows(["c"], MARCH_9, [5]))
        staged.close()
        plan = lake.plan(staged, "t2")
    monkeypatch.setattr("hygeia.lake.store.crash_point", crash)
    with pytest.raises(Killed):
        lake.apply(TABLE.path, "t2", plan.moves)
    assert stored(lake) == before
    monkeypatch.undo()
    lake.apply(TABLE.path, "t2", plan.moves)
    assert stored(lake) == [*before, ("b", 5), ("c", 5)]


def test_a_store_written_before_markers_is_adopted_whole(tmp_path):
    lake = Lake(tmp_path / "lake")
    commit(lake, "t1", rows(["a"], MARCH_8))
    marker_folder = lake.root / TABLE.path / COMMITTED
    for marker in marker_folder.iterdir():
        marker.unlink()
    marker_folder.rmdir()
    assert stored(lake) == [("a", 0)]  # no markers at all: everything there is committed
    commit(lake, "t2", rows(["b"], MARCH_9))
    assert sorted(p.name for p in marker_folder.iterdir()) == ["t1", "t2"]
    assert stored(lake) == [("a", 0), ("b", 0)]


def test_a_failure_in_the_writer_reaches_the_reader(tmp_path):
    lake = Lake(tmp_path / "lake")
    wrong = pa.table({"id": ["a"], "n": ["not a number"], "line": [1], "day": [MARCH_8]})
    with pytest.raises(pa.ArrowInvalid), lake.staging("t1", TABLE) as staged:
        staged.write(wrong)
        staged.close()
