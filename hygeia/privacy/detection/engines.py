"""Where the detection SQL runs: DuckDB in-process (the default), or Apache Spark (local mode
or a cluster) when one machine is outgrown. The queries are the same text for both; an
engine only says how to read Parquet, how to turn a timestamp into epoch seconds, and how to
keep an intermediate result."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from hygeia.lake.store import Lake

# Detection holds a table of every access in the period; DuckDB spills to disk beyond this.
MEMORY_LIMIT = "4GB"


class EngineError(RuntimeError):
    """The engine cannot run here; the message says what is missing."""


class Engine(Protocol):
    name: str

    def parquet(self, view: str, paths: list[Path], base: Path | None = None) -> None: ...

    def epoch(self, column: str) -> str: ...

    def view(self, view: str, sql: str) -> None: ...

    def keep(self, view: str, sql: str) -> None: ...

    def append(self, view: str, sql: str) -> None: ...

    def query(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, store: Lake, memory_limit: str = MEMORY_LIMIT) -> None:
        # Work tables live in a scratch database file, stored compressed: the table of every
        # access in a long period is larger than memory, and spilling it uncompressed costs
        # far more than DuckDB's own storage.
        scratch = store.root / "_duckdb_tmp" / f"detect-{os.getpid()}-{id(self)}.duckdb"
        scratch.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        scratch.unlink(missing_ok=True)
        self.scratch = scratch
        self.con = store.connect(memory_limit, database=scratch)
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET preserve_insertion_order = false")

    def parquet(self, view: str, paths: list[Path], base: Path | None = None) -> None:
        listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
        self.con.execute(
            f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM "
            f"read_parquet([{listed}], hive_partitioning = true, union_by_name = true)"
        )

    def epoch(self, column: str) -> str:
        return f"CAST(epoch({column}) AS BIGINT)"

    def view(self, view: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {view} AS {sql}")

    def keep(self, view: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {view} AS {sql}")

    def append(self, view: str, sql: str) -> None:
        self.con.execute(f"INSERT INTO {view} {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
        for leftover in (self.scratch, self.scratch.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)


class SparkEngine:
    name = "spark"

    def __init__(self, master: str = "local[*]", memory: str = "2g") -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise EngineError(
                "the Spark engine needs PySpark (pip install pyspark) and Java 17"
            ) from exc
        if master.startswith("local") and not shutil.which("java"):
            raise EngineError("the Spark engine needs Java 17 on PATH (java not found)")
        os.environ.setdefault("PYSPARK_PYTHON", "python3")
        self.session: Any = (
            SparkSession.builder.master(master)
            .appName("hygeia-detect")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate()
        )
        self._kept: list[Any] = []

    def parquet(self, view: str, paths: list[Path], base: Path | None = None) -> None:
        if not paths:
            raise EngineError(f"no data for {view}")
        reader = self.session.read.option("mergeSchema", "true")
        if base is not None:  # partition columns (day=...) come from the folder names
            reader = reader.option("basePath", str(base))
        frame = reader.parquet(*[str(p) for p in paths])
        frame.createOrReplaceTempView(view)

    def epoch(self, column: str) -> str:
        return f"CAST(unix_timestamp({column}) AS BIGINT)"

    def view(self, view: str, sql: str) -> None:
        self.session.sql(sql).createOrReplaceTempView(view)

    def keep(self, view: str, sql: str) -> None:
        frame = self.session.sql(sql).cache()
        frame.count()
        frame.createOrReplaceTempView(view)
        self._kept.append(frame)

    def append(self, view: str, sql: str) -> None:
        frame = self.session.table(view).unionByName(self.session.sql(sql)).cache()
        frame.count()
        frame.createOrReplaceTempView(view)
        self._kept.append(frame)

    def query(self, sql: str) -> pa.Table:
        return self.session.sql(sql).toArrow()

    def close(self) -> None:
        for frame in self._kept:
            frame.unpersist()
        self._kept.clear()


def open_engine(name: str, store: Lake, master: str = "local[*]") -> Engine:
    if name == "duckdb":
        return DuckDBEngine(store)
    if name == "spark":
        return SparkEngine(master)
    raise EngineError(f"unknown engine {name!r} (duckdb or spark)")
