"""The store is plain Hive-partitioned Parquet: Apache Spark (local mode, a real JVM) reads
the same rows, types and partitions as DuckDB."""

from __future__ import annotations

import logging
import os
import shutil

import pytest

from hygeia.privacy.events import EVENTS
from hygeia.privacy.formats import FHIR_FORMATS
from hygeia.privacy.hospital import simulate
from hygeia.privacy.ingest import ingest, lake

# Spark reads Parquet; the database only keeps the ingest manifest.
pytestmark = [pytest.mark.django_db, pytest.mark.database_independent]


@pytest.fixture(scope="module")
def spark():
    assert shutil.which("java"), "Spark needs Java 17 (make installs it when missing)"
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("hygeia-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    yield session
    session.stop()
    logging.getLogger("py4j").setLevel(logging.WARNING)  # its shutdown chatter after pytest


def test_spark_reads_what_duckdb_reads(spark, tmp_path):
    out = tmp_path / "hospital"
    simulate(out, staff=40, days=4, seed=3)
    report = ingest([out / "fhir", out / "staff.csv"])
    assert not report.failed
    store = lake()

    events = spark.read.parquet(str(store.root / "events"))
    types = dict(events.dtypes)
    assert types["occurred_utc"] == "timestamp" and types["day"] == "date"
    assert types["purpose_of_use"] == "array<string>"

    con = store.connect()
    scan = store.scan_sql(EVENTS)
    by_day = f"SELECT CAST(day AS VARCHAR), count(*) FROM {scan} GROUP BY 1"  # noqa: S608
    duck = dict(con.execute(by_day).fetchall())
    sparks = {str(r["day"]): r["count"] for r in events.groupBy("day").count().collect()}
    assert sparks == duck and sum(duck.values()) == report.total("stored") - sum(
        f.stored for f in report.files if f.format != "fhir-auditevent"
    )
    first = con.execute(f"SELECT min(occurred_utc), max(occurred_utc) FROM {scan}").fetchone()  # noqa: S608
    bounds = events.selectExpr("min(occurred_utc) AS lo", "max(occurred_utc) AS hi").collect()[0]
    assert (bounds["lo"], bounds["hi"]) == tuple(t.replace(tzinfo=None) for t in first)

    patients = spark.read.parquet(str(store.root / "context" / "patient"))
    patient_scan = store.scan_sql(FHIR_FORMATS["Patient"].table)
    (stored_patients,) = con.execute(f"SELECT count(*) FROM {patient_scan}").fetchone()  # noqa: S608
    assert patients.count() == stored_patients > 0
