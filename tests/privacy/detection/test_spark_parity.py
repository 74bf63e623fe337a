"""Detections are written once: Spark (local mode, a real JVM) finds exactly what DuckDB
finds on the same store."""

from __future__ import annotations

import logging
import shutil

import pytest

from hygeia.privacy.detection.engines import SparkEngine
from tests.privacy.detection.conftest import clinic


@pytest.fixture(scope="module")
def spark_engine():
    assert shutil.which("java"), "Spark needs Java 17 (make installs it when missing)"
    engine = SparkEngine("local[2]", memory="1g")
    yield engine
    engine.close()
    engine.session.stop()
    logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.mark.database_independent
def test_spark_and_duckdb_find_the_same(tmp_path, found, spark_engine):
    on_spark = clinic(tmp_path).detect(engine=spark_engine)
    duck = sorted(found.hits, key=_key)
    sparks = sorted(on_spark.hits, key=_key)
    assert len({h.detector for h in duck}) >= 12, sorted({h.detector for h in duck})
    assert [_key(h) for h in sparks] == [_key(h) for h in duck]
    for a, b in zip(duck, sparks, strict=True):
        assert (a.first_t, a.last_t, a.events, a.detail, a.patients) == (
            b.first_t,
            b.last_t,
            b.events,
            b.detail,
            b.patients,
        )
        assert a.metric == pytest.approx(b.metric) and a.baseline == pytest.approx(b.baseline)
    assert any(h.patients for h in sparks), "user-level hits name their records on Spark too"
    assert on_spark.summary == found.summary


def _key(hit):
    return (hit.detector, hit.user_id, hit.patient_id, hit.first_t)
