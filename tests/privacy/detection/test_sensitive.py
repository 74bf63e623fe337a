"""sensitive: behavioural health, HIV and similar labels."""


def test_sensitive_label_flagged(found):
    assert ("c2", "pt-hiv") in found.of("sensitive")
    assert found.hit("sensitive", "c2", "pt-hiv").detail == "HIV"


def test_vip_records_are_left_to_the_vip_detector(found):
    assert ("c2", "pt-vip") not in found.of("sensitive")
