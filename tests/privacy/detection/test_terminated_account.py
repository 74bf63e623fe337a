"""terminated_account: use after the roster's termination date."""


def test_use_after_termination_flagged(found):
    hit = found.hit("terminated_account", "t1")
    assert hit.events == 3 and hit.metric > 9


def test_work_up_to_the_termination_date_is_not(found):
    assert ("t2", "") not in found.of("terminated_account")


def test_the_alert_names_the_records_opened_after_termination(found):
    assert found.hit("terminated_account", "t1").patients == (
        "pt-after-0",
        "pt-after-1",
        "pt-after-2",
    )
