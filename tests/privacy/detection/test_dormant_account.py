"""dormant_account: a long-idle account used again; new starters are not dormant."""


def test_idle_account_waking_up_flagged(found):
    hit = found.hit("dormant_account", "z1")
    assert hit.metric >= 21 and hit.events == 3


def test_new_starter_is_not_dormant(found):
    assert ("n1", "") not in found.of("dormant_account")
    assert found.of("dormant_account") == {("z1", "")}


def test_a_single_event_after_a_long_gap_is_not_an_awakening(found):
    assert ("z2", "") not in found.of("dormant_account")


def test_the_alert_names_the_records_the_awakened_account_opened(found):
    assert found.hit("dormant_account", "z1").patients == ("pt-z-0", "pt-z-1", "pt-z-2")
