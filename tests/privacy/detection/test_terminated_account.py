"""terminated_account: use after the roster's termination date."""


def test_use_after_termination_flagged(found):
    hit = found.hit("terminated_account", "t1")
    assert hit.events == 3 and hit.metric > 9


def test_work_up_to_the_termination_date_is_not(found):
    assert ("t2", "") not in found.of("terminated_account")
