"""unusual_hours: activity outside the rostered shift and the user's own habits, in local
time (the data crosses the autumn daylight-saving change)."""


def test_day_shift_nurse_at_three_in_the_morning_flagged(found):
    hit = found.hit("unusual_hours", "u1")
    assert hit.events == 6 and hit.detail == "3:00-4:00 local time"


def test_night_shift_at_night_and_routine_across_the_dst_change_are_not(found):
    assert found.of("unusual_hours") == {("u1", "")}


def test_scattered_off_shift_accesses_are_not_a_burst(tmp_path):
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    sc.person("d", "Cardiology", shift="day")
    sc.routine("d", range(0, 30))
    sc.patient("p")
    sc.encounter("p", "Cardiology", at(20, 0), hours=24, participants=("d",))
    for hour in (17, 19, 21, 23, 1.5, 3.5):  # six off-shift accesses, hours apart
        sc.access("d", "p", at(20 if hour > 12 else 21, hour))
    assert not sc.detect().of("unusual_hours")
