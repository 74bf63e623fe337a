"""The analytics store: Parquet files under `$HYGEIA_DATA_DIR/lake`, queried with DuckDB.

Layout (Hive-style, so DuckDB, Spark and pyarrow read it as it is):

    lake/events/day=2026-03-08/part-<token>-0.parquet        access events by UTC day
    lake/context/<kind>/ingest=<token>/part-<token>-0.parquet context, one version per ingest
    lake/<dataset>/_committed/<token>                         one empty marker per committed
                                                              input: what readers may see
    lake/quarantine/<token>.ndjson                            what could not be stored, and why
    lake/_staging/<token>/                                    work in progress (ignored by
                                                              readers: names starting with _)

Each input file is read into one staged Parquet file, then committed in three steps that a
crash can interrupt at any point without leaving the store inconsistent:

1. `plan`: DuckDB removes rows already stored (or repeated in the file) and writes the rest,
   partitioned, inside the staging folder. A row whose key is stored but whose content
   differs is a conflict, never a duplicate: it is kept under a key derived from its content;
2. the caller records the list of moves in the manifest (the database): from then on the
   commit is decided, and `apply` is idempotent, so recovery rolls it forward;
3. `apply` renames the files into place, then creates the input's marker; the caller marks
   the file committed.

Readers see a commit whole or not at all: `files` lists only files whose input has a marker,
and a marker is created (one atomic file creation) after every file of its input is in place.
A reader needs no recovery first: an unfinished commit is simply not there yet.

A staging folder whose file never reached step 2 is discarded by `recover`. A staging folder
belongs to a live process as long as that process holds the lock on its `.lock` file, so
recovery never removes another running ingest's work.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

STAGING = "_staging"
COMMITTED = "_committed"  # per dataset: one marker file per committed input (its token)
# Rows gathered per partition before they are written (bounds memory: a file spread over many
# days holds at most this many rows per day in memory).
ROW_GROUP_ROWS = 32_768
MAX_IN_FLIGHT = 8  # row groups handed to the compressing threads and not yet written
# DuckDB's own limits, so that a commit of a very large file spills to disk instead of
# growing the process past the 2 GB the ingest promises.
DUCKDB_MEMORY_LIMIT = "1GB"


@dataclass(frozen=True)
class Table:
    """A dataset in the lake: where it lives, what identifies a row, how it is partitioned."""

    path: str  # relative to the lake root, e.g. "events" or "context/patient"
    key: str  # column whose value identifies a row; rows with a stored key are duplicates
    partition: str  # Hive partition column
    schema: pa.Schema
    order: str = ""  # which of several rows with one key is kept (the first by this column)
    # Events: a key always falls in the same partition (its day), so only the partitions being
    # written need checking. Context versions: a key may exist in any earlier partition.
    dedupe_all_partitions: bool = False
    # Columns that say where a row was read (file, line, ingest), not what it says: two rows
    # with one key are duplicates when everything else is equal, and a conflict otherwise.
    provenance: tuple[str, ...] = ()
    # Versioned records (context): the column naming the record, and the column naming the
    # source it came from. A new version of a record that another source sent is a conflict
    # (two sources' ids collide), counted, and stored like any other version.
    record: str = ""
    origin: str = ""

    def content_columns(self, present: set[str] | None = None) -> list[str]:
        """The columns compared to tell a duplicate from a conflict: all but the key, the
        partition (derived) and the provenance; only those `present` in stored files."""
        skip = {self.key, self.partition, *self.provenance}
        return [n for n in self.schema.names if n not in skip and (present is None or n in present)]


def crash_point(name: str) -> None:
    """Crash-test fail point: the process kills itself here when HYGEIA_CRASH_AT names it.

    Used by the tests to prove that a process killed at any step leaves the store consistent.
    """
    if os.environ.get("HYGEIA_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class StagedFile:
    """One input file's rows, written as they are read (bounded memory), already split into
    the dataset's partitions and in the store's format: when nothing in it is a duplicate, the
    commit only has to rename the files into place."""

    def __init__(self, folder: Path, table: Table, token: str) -> None:
        self.folder = folder
        self.table = table
        self.token = token
        self.rows = 0
        self._writers: dict[str, pq.ParquetWriter] = {}
        # Compression runs on other cores while the reader carries on; a few row groups at
        # most wait for it, so memory stays bounded. One partition's row groups are written
        # in order: a partition's next write waits for its previous one.
        self._compressor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="parquet")
        self._in_flight: deque[Future[None]] = deque()
        self._last_write: dict[str, Future[None]] = {}
        self._pending: dict[str, list[pa.Table]] = {}
        self._pending_rows: dict[str, int] = {}

    @property
    def files(self) -> list[Path]:
        return sorted((self.folder / "rows").glob("*/*.parquet"))

    def write(self, batch: pa.Table | pa.RecordBatch) -> None:
        if batch.num_rows == 0:
            return
        if isinstance(batch, pa.RecordBatch):
            batch = pa.Table.from_batches([batch])
        batch = batch.cast(self.table.schema)
        column = self.table.partition
        for value, part in _split_by(batch, column):
            key = str(value)
            self._pending.setdefault(key, []).append(part.drop_columns([column]))
            self._pending_rows[key] = self._pending_rows.get(key, 0) + part.num_rows
            if self._pending_rows[key] >= ROW_GROUP_ROWS:
                self._flush(key)
        self.rows += batch.num_rows

    def _flush(self, key: str) -> None:
        """Write a partition's pending rows as one row group: small row groups are slow to
        write and to read."""
        parts = self._pending.pop(key, [])
        self._pending_rows.pop(key, None)
        if parts:
            while len(self._in_flight) >= MAX_IN_FLIGHT:
                self._in_flight.popleft().result()
            previous = self._last_write.get(key)
            if previous is not None:
                previous.result()
            writer = self._writer(key)
            future = self._compressor.submit(writer.write_table, pa.concat_tables(parts))
            self._in_flight.append(future)
            self._last_write[key] = future

    def _writer(self, value: str) -> pq.ParquetWriter:
        writer = self._writers.get(value)
        if writer is None:
            folder = self.folder / "rows" / f"{self.table.partition}={value}"
            folder.mkdir(parents=True, exist_ok=True)
            schema = self.table.schema.remove(
                self.table.schema.get_field_index(self.table.partition)
            )
            writer = pq.ParquetWriter(
                folder / f"part-{self.token}-0.parquet",
                schema,
                compression="zstd",
                # The key is unique per row: a dictionary for it is built and thrown away.
                use_dictionary=[n for n in schema.names if n != self.table.key],
            )
            self._writers[value] = writer
        return writer

    def close(self) -> None:
        try:
            for key in list(self._pending):
                self._flush(key)
            while self._in_flight:
                self._in_flight.popleft().result()
        finally:
            for pending in self._in_flight:
                pending.cancel()
            self._compressor.shutdown(wait=True)
            self._in_flight.clear()
            self._last_write.clear()
            for writer in self._writers.values():
                writer.close()
            self._writers.clear()


def _split_by(batch: pa.Table, column: str) -> Iterator[tuple[Any, pa.Table]]:
    """The batch's rows grouped by a column's value: one sort and zero-copy slices, rather
    than one pass over the batch per value."""
    keys = batch[column]
    bounds = pc.min_max(keys)
    if keys.null_count == 0 and bounds["min"] == bounds["max"]:
        yield keys[0].as_py(), batch
        return
    batch = batch.take(pc.sort_indices(keys))
    runs = pc.run_end_encode(batch[column].combine_chunks())
    start = 0
    for value, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        yield value, batch.slice(start, end - start)
        start = end


@dataclass(frozen=True)
class Plan:
    """What committing a staged file will do: rows kept, and the renames that publish them."""

    staged: int
    stored: int
    moves: list[tuple[str, str]]  # (staging path, final path), both relative to the lake root
    # Stored rows whose key was taken by a different row (kept under a key derived from their
    # content), or new versions of records another source sent; with a few of their positions
    # (the table's `order` column, a line number for events).
    conflicts: int = 0
    conflict_at: tuple[int, ...] = ()

    @property
    def duplicate(self) -> int:
        return self.staged - self.stored


CONFLICT_SAMPLE = 5


class Lake:
    def __init__(self, root: Path) -> None:
        self.root = root

    # --- housekeeping ----------------------------------------------------------------------

    def _ensure(self) -> None:
        (self.root / STAGING).mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive right to commit: de-duplication must see every committed row."""
        self._ensure()
        with (self.root / ".commit.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def staging(self, token: str, table: Table) -> Iterator[StagedFile]:
        """A staging folder owned by this process while the block runs."""
        self._ensure()
        folder = self.root / STAGING / token
        folder.mkdir(mode=0o700, exist_ok=True)
        with (folder / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            staged = StagedFile(folder, table, token)
            try:
                yield staged
            finally:
                staged.close()

    def staging_tokens_not_in_use(self) -> list[str]:
        """Staging folders no live process holds: left by a crash."""
        found: list[str] = []
        base = self.root / STAGING
        if not base.is_dir():
            return found
        for folder in sorted(base.iterdir()):
            if not folder.is_dir():
                continue
            lock = folder / ".lock"
            if not lock.exists():
                found.append(folder.name)
                continue
            with lock.open("a") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                fcntl.flock(handle, fcntl.LOCK_UN)
                found.append(folder.name)
        return found

    def discard(self, token: str) -> None:
        shutil.rmtree(self.root / STAGING / token, ignore_errors=True)

    # --- DuckDB ------------------------------------------------------------------------------

    def connect(
        self, memory_limit: str = DUCKDB_MEMORY_LIMIT, database: Path | None = None
    ) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection spilling to the lake's temp folder: in memory, or on a
        database file for work tables larger than memory (stored compressed)."""
        temp = self.root / "_duckdb_tmp"
        temp.mkdir(parents=True, exist_ok=True, mode=0o700)
        con = duckdb.connect(
            str(database) if database is not None else ":memory:",
            config={
                "memory_limit": memory_limit,
                "temp_directory": str(temp),
                "threads": max(1, min(4, os.cpu_count() or 1)),
                "enable_external_access": True,
            },
        )
        con.execute("SET enable_progress_bar = false")
        return con

    def files(self, table: Table, partitions: list[Any] | None = None) -> list[Path]:
        """The dataset's committed files (of some partitions, or all).

        Markers are listed before files: a file whose input has a marker was in place before
        the marker was created, so the list holds every file of the inputs it shows, and none
        of an input whose commit is unfinished."""
        base = self.root / table.path
        if not base.is_dir():
            return []
        committed = self.committed_tokens(table)
        if partitions is None:
            found = sorted(base.glob(f"{table.partition}=*/*.parquet"))
        else:
            found = []
            for value in partitions:
                found.extend(sorted((base / f"{table.partition}={value}").glob("*.parquet")))
        if committed is None:  # a dataset written before markers existed: all of it is committed
            return found
        return [f for f in found if token_of(f) in committed]

    def committed_tokens(self, table: Table) -> set[str] | None:
        """Inputs whose commit is complete; None for a dataset written before markers."""
        folder = self.root / table.path / COMMITTED
        try:
            return set(os.listdir(folder))
        except FileNotFoundError:
            return None

    def read_table(self, table: Table, columns: list[str] | None = None) -> pa.Table:
        """Every committed row of a dataset (for tests and small context tables)."""
        import pyarrow.dataset as ds

        files = [str(f) for f in self.files(table)]
        if not files:
            return table.schema.empty_table().select(columns or table.schema.names)
        found = ds.dataset(files, format="parquet", partitioning="hive")
        return found.to_table(columns=columns)

    def scan_sql(self, table: Table, partitions: list[Any] | None = None) -> str | None:
        """A DuckDB table expression over the committed files (None when there are none)."""
        files = self.files(table, partitions)
        if not files:
            return None
        listed = ", ".join(_quote(str(f)) for f in files)
        return f"read_parquet([{listed}], hive_partitioning = true, union_by_name = true)"

    # --- commit ------------------------------------------------------------------------------

    def plan(self, staged: StagedFile, token: str) -> Plan:
        """De-duplicate a staged file against the store and lay out its partitions.

        The common case, a file with nothing already stored and no repeats, costs one pass
        over its keys; otherwise DuckDB rewrites the staged rows without the duplicates, and
        with conflicting rows under keys of their own (see `_verdicts`)."""
        table = staged.table
        if staged.rows == 0:
            return Plan(0, 0, [])
        key = _ident(table.key)
        con = self.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            files = ", ".join(_quote(str(f)) for f in staged.files)
            con.execute(
                f"CREATE VIEW staged AS SELECT * FROM read_parquet([{files}], "  # noqa: S608
                "hive_partitioning = true)"
            )
            values = [
                row[0]
                for row in con.execute(
                    f"SELECT DISTINCT CAST({_ident(table.partition)} AS VARCHAR) FROM staged"  # noqa: S608
                ).fetchall()
            ]
            existing = self.scan_sql(table, None if table.dedupe_all_partitions else values)
            if existing:
                con.execute(f"CREATE VIEW stored AS SELECT * FROM {existing}")  # noqa: S608
            (distinct,) = con.execute(f"SELECT count(DISTINCT {key}) FROM staged").fetchone()  # type: ignore[misc]  # noqa: S608
            overlap = 0
            if existing:
                (overlap,) = con.execute(  # type: ignore[misc]
                    f"SELECT count(*) FROM staged SEMI JOIN "  # noqa: S608
                    f"(SELECT {key} FROM stored) AS s USING ({key})"
                ).fetchone()
            conflicts, conflict_at = (0, ()) if not existing else _versions_from_others(con, table)
            if distinct == staged.rows and overlap == 0:
                source = staged.folder / "rows"
            else:
                source = staged.folder / "out"
                shutil.rmtree(source, ignore_errors=True)
                repeats = distinct != staged.rows
                clashes, clash_at, query = _verdicts(con, table, bool(existing), repeats)
                conflicts += clashes
                conflict_at = tuple(sorted(conflict_at + clash_at))[:CONFLICT_SAMPLE]
                con.execute(
                    f"COPY ({query}) TO {_quote(str(source))} (FORMAT parquet, COMPRESSION zstd, "
                    f"PARTITION_BY ({_ident(table.partition)}), "
                    f"FILENAME_PATTERN 'part-{token}-{{i}}')"
                )
        finally:
            con.close()
        moves: list[tuple[str, str]] = []
        stored = 0
        for path in sorted(source.glob("*/*.parquet")):
            stored += pq.ParquetFile(path).metadata.num_rows
            relative_source = path.relative_to(self.root)
            target = Path(table.path) / path.parent.name / path.name
            moves.append((str(relative_source), str(target)))
        return Plan(staged.rows, stored, moves, conflicts, conflict_at)

    def apply(self, dataset: str, token: str, moves: list[tuple[str, str]]) -> None:
        """Rename planned files into place, then mark the input committed: the marker is
        what makes them visible. Idempotent: safe to repeat after a crash."""
        if moves:
            self._markers(dataset)
        for index, (source, target) in enumerate(moves):
            src, dst = self.root / source, self.root / target
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.replace(src, dst)
            if index == 0:
                crash_point("commit-moved-first")
        crash_point("commit-moved")
        if moves:
            marker = self.root / dataset / COMMITTED / token
            if not marker.exists():
                with open(marker, "x"):
                    pass
                _sync_folder(marker.parent)

    def _markers(self, dataset: str) -> Path:
        """The dataset's marker folder, made before any file of a commit moves in, so that a
        dataset without one holds only what was committed before markers existed. Those
        inputs are marked when it is made (atomically: built aside, then renamed); the caller
        holds the commit lock and has finished any decided commit, so all of them are whole."""
        folder = self.root / dataset / COMMITTED
        if not folder.is_dir():
            adopted = {token_of(f) for f in (self.root / dataset).glob("*=*/*.parquet")}
            aside = folder.with_name(COMMITTED + ".new")
            shutil.rmtree(aside, ignore_errors=True)
            aside.mkdir(parents=True, mode=0o700)
            for old in adopted:
                (aside / old).touch()
            os.replace(aside, folder)
            _sync_folder(folder.parent)
        return folder

    # --- quarantine --------------------------------------------------------------------------

    def quarantine_path(self, token: str) -> Path:
        folder = self.root / "quarantine"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder / f"{token}.ndjson"

    def open_quarantine(self, token: str) -> IO[str]:
        return self.quarantine_path(token).open("w", encoding="utf-8")


def token_of(path: Path) -> str:
    """The input a stored file came from: its name is part-<token>-<n>.parquet."""
    return path.name.split("-", 2)[1] if path.name.count("-") >= 2 else ""


def _sync_folder(folder: Path) -> None:
    """Make a created marker durable before the manifest says the commit is done."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _content_sql(table: Table, present: set[str], alias: str) -> str:
    """A SHA-256 of a row's content columns, stable across runs and releases: the digest a
    conflicting row's own key is derived from. Missing and empty values are equal; times are
    taken as epoch microseconds, whatever the session's time zone."""
    parts = []
    for name in table.content_columns(present):
        column = f"{alias}.{_ident(name)}"
        kind = table.schema.field(name).type
        value = f"epoch_us({column})" if pa.types.is_timestamp(kind) else column
        parts.append(f"coalesce(CAST({value} AS VARCHAR), '')")
    return f"sha256(concat_ws(chr(31), {', '.join(parts) or chr(39) * 2}))"


def _fingerprint_sql(table: Table, present: set[str], alias: str) -> str:
    """A 64-bit hash of a row's content columns, to tell within one commit whether two rows
    with one key say the same thing: much cheaper than a digest of their text, and only ever
    compared, never stored. Missing and empty text are equal (a text column added later reads
    as missing in older files)."""
    parts = []
    for name in table.content_columns(present):
        column = f"{alias}.{_ident(name)}"
        is_text = pa.types.is_string(table.schema.field(name).type)
        parts.append(f"coalesce({column}, '')" if is_text else column)
    return f"hash({', '.join(parts) or chr(39) * 2})"


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE {view}").fetchall()}


def _verdicts(
    con: duckdb.DuckDBPyConnection, table: Table, has_stored: bool, repeats: bool
) -> tuple[int, tuple[int, ...], str]:
    """Which staged rows to keep, when some keys are stored already or repeated in the file
    (`repeats`).

    Only rows with such a key ("contested") are compared, by a fingerprint of their content.
    A row whose key and content are stored is a duplicate: on a file read again, that is every
    row, and nothing more is done. What is left ("pending", usually few rows) is judged per
    key and content: the content seen earlier in the file under that key is a duplicate; the
    first content of a key nobody stored keeps the key; any other content is a conflict, kept
    under a key derived from the key and a digest of its content (so that reading the file
    again finds it stored). Returns the conflicts, a few of their positions, and the query of
    the rows to write."""
    key = _ident(table.key)
    order = _ident(table.order) if table.order else "NULL"
    present = _columns(con, "stored") & _columns(con, "staged") if has_stored else None
    compared = present if present is not None else set(table.schema.names)
    # The SQL below is built from the Table's own column names (constants), quoted.
    source = "stored" if has_stored else "(SELECT * FROM staged WHERE false)"
    # Stored keys are unique (a conflict gets a key of its own), so no DISTINCT is needed.
    con.execute(
        f"""CREATE TEMP TABLE known AS
        SELECT s.{key}, {_fingerprint_sql(table, compared, "s")} AS fp
        FROM {source} s SEMI JOIN (SELECT {key} FROM staged) USING ({key})"""  # noqa: S608
    )
    repeated = f"SELECT {key} FROM staged GROUP BY {key} HAVING count(*) > 1 UNION "  # noqa: S608
    contested = f"{repeated if repeats else ''} SELECT DISTINCT {key} FROM known"  # noqa: S608
    con.execute(f"CREATE TEMP TABLE contested AS {contested}")
    con.execute(
        f"""CREATE TEMP TABLE pending AS
        SELECT c.* FROM (
            SELECT c.*, {_fingerprint_sql(table, compared, "c")} AS fp
            FROM staged c SEMI JOIN contested USING ({key})
        ) c ANTI JOIN known k ON k.{key} = c.{key} AND k.fp = c.fp"""  # noqa: S608
    )
    kept = f"SELECT * FROM staged ANTI JOIN contested USING ({key})"  # noqa: S608
    (pending,) = con.execute("SELECT count(*) FROM pending").fetchone()  # type: ignore[misc]
    if not pending:  # every contested row is stored already, as it is
        return 0, (), kept
    con.execute(
        f"""CREATE TEMP TABLE verdict AS
        WITH versions AS (
            SELECT {key}, fp, min({order}) AS first_at,
                   any_value({_content_sql(table, compared, "p")}) AS content
            FROM pending p GROUP BY ALL
        ), judged AS (
            SELECT v.*,
                v.{key} IN (SELECT {key} FROM known) AS key_stored,
                row_number() OVER (PARTITION BY v.{key} ORDER BY v.first_at, v.fp) = 1
                    AS first_in_file,
                left(sha256(v.{key} || chr(31) || v.content), 32) AS derived
            FROM versions v
        )
        SELECT {key}, fp, first_at, derived,
            CASE WHEN first_in_file AND NOT key_stored THEN 'keep'
                 WHEN derived IN (SELECT {key} FROM {source}) THEN 'duplicate'
                 ELSE 'conflict' END AS verdict
        FROM judged"""  # noqa: S608
    )
    conflicts, first = con.execute(
        "SELECT count(*), list(first_at ORDER BY first_at)[1:"  # noqa: S608
        f"{CONFLICT_SAMPLE}] FROM verdict WHERE verdict = 'conflict'"
    ).fetchone()  # type: ignore[misc]
    query = f"""
        {kept}
        UNION ALL BY NAME
        SELECT p.* EXCLUDE (fp) REPLACE (
            CASE v.verdict WHEN 'conflict' THEN v.derived ELSE p.{key} END AS {key})
        FROM pending p JOIN verdict v USING ({key}, fp)
        WHERE v.verdict <> 'duplicate'
        QUALIFY row_number() OVER (PARTITION BY p.{key}, p.fp ORDER BY {order}) = 1
    """  # noqa: S608
    return int(conflicts), tuple(int(x) for x in (first or []) if x is not None), query


def _versions_from_others(
    con: duckdb.DuckDBPyConnection, table: Table
) -> tuple[int, tuple[int, ...]]:
    """Records of a versioned dataset that a different source sent already: their ids collide
    across sources. Counted (and stored, as any new version is)."""
    if not (table.record and table.origin):
        return 0, ()
    record, origin, key = _ident(table.record), _ident(table.origin), _ident(table.key)
    order = f"n.{_ident(table.order)}" if table.order else "NULL"
    theirs = f"coalesce(s.{origin}, '')" if table.origin in _columns(con, "stored") else "''"
    found, first = con.execute(
        f"""SELECT count(DISTINCT n.{record}), list({order} ORDER BY {order})[1:{CONFLICT_SAMPLE}]
        FROM (SELECT * FROM staged ANTI JOIN (SELECT {key} FROM stored) USING ({key})) n
        JOIN (SELECT DISTINCT s.{record}, {theirs} AS origin FROM stored s) o
          ON o.{record} = n.{record} AND o.origin <> coalesce(n.{origin}, '')"""  # noqa: S608
    ).fetchone()  # type: ignore[misc]
    return int(found), tuple(sorted(int(x) for x in (first or []) if x is not None))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
