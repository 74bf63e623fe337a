"""coworker: a colleague's record opened with nothing to explain it."""


def test_colleagues_record_flagged(found):
    assert ("c7", "pt-c8") in found.of("coworker")
    assert "roster" in found.hit("coworker", "c7", "pt-c8").detail


def test_own_record_is_not_a_coworker_alert(found):
    assert ("c8", "pt-c8") not in found.of("coworker")


def test_only_staff_records_count(found):
    assert all(patient in ("pt-c8", "pt-self") for _, patient in found.of("coworker"))
