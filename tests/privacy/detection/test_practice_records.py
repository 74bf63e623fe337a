"""Test and training records: recognised from the data, left out of detection; a flagged
record is never one; a reviewer's mark wins either way."""

from __future__ import annotations

TRAINERS = {f"it{k}" for k in range(1, 7)}


def test_a_chart_trainers_open_all_month_that_nobody_treats_is_left_out(found):
    assert not [h for h in found.hits if h.patient_id == "pt-train"]
    assert found.summary["test_records"] == {"records": 2, "recognised": 1, "accesses": 120}


def test_without_it_every_trainer_would_be_a_repeated_look_up(found):
    # the same pattern on a chart a reviewer marked real
    assert {u for u, p in found.of("repeated_lookup") if p == "pt-train-real"} == TRAINERS


def test_a_flagged_record_is_never_taken_for_a_test_chart(found):
    assert {u for u, p in found.of("restricted_record") if p == "pt-train-vip"} == TRAINERS


def test_a_chart_a_reviewer_marked_as_a_test_record_is_left_out(found):
    assert not [h for h in found.hits if h.patient_id == "pt-demo"]


def test_a_crowd_of_a_few_days_is_not_a_test_chart(found):
    assert ("c1", "pt-news") in found.of("surge")


def test_marks_are_audited_and_can_be_released(db):
    from hygeia.core.models import AuditEntry
    from hygeia.privacy import record_lists
    from hygeia.privacy.models import TestRecord

    record_lists.decide_test_record(" pt-1 ", "test", "reviewer")
    assert record_lists.test_record_decisions() == {"pt-1": "test"}
    record_lists.decide_test_record("pt-1", "real", "reviewer")
    assert record_lists.test_record_decisions() == {"pt-1": "real"}
    record_lists.decide_test_record("pt-1", "", "reviewer")
    assert not TestRecord.objects.exists()
    trail = list(AuditEntry.objects.filter(object_type="privacy.testrecord"))
    assert [e.patient_ref for e in trail] == ["pt-1"] * 3
    import pytest

    with pytest.raises(ValueError, match="unknown decision"):
        record_lists.decide_test_record("pt-1", "maybe", "reviewer")
