"""unusual_hours: activity outside the rostered shift and the user's own habits, in local
time (the data crosses the autumn daylight-saving change)."""


def test_day_shift_nurse_at_three_in_the_morning_flagged(found):
    hit = found.hit("unusual_hours", "u1")
    assert hit.events == 6 and hit.detail == "3:00-4:00 local time"


def test_the_alert_names_the_records_of_the_burst_only(found):
    # not the patient u1 was called in for two nights later (named on the encounter)
    patients = found.hit("unusual_hours", "u1").patients
    assert patients == tuple(sorted(f"pt-night-{k}" for k in range(6)))


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


def night_work(sc, user: str, patient: str, nights: tuple[int, ...]) -> None:
    """Five accesses to the user's own patient from 2 a.m. on each of `nights`."""
    from tests.privacy.detection.scenario import at

    for night in nights:
        for k in range(5):
            sc.access(user, patient, at(night, 2.1 + k / 10))


def strangers_at_night(sc, user: str, day: int, count: int) -> None:
    """`count` unrelated records opened from 2 a.m. on `day`."""
    from tests.privacy.detection.scenario import at

    for k in range(count):
        sc.access(user, sc.patient(f"far-{user}-{k}"), at(day, 2.05 + k / 12))


def test_one_night_that_dwarfs_a_few_stray_night_accesses_is_flagged_a_habit_is_not(tmp_path):
    """A surgeon seldom at work at night (two stray accesses in a month, 2.5% of their
    activity) opens nine unrelated records one night: far more than their busiest other night
    at those hours (one access). A colleague who worked two nights of five such accesses
    before does the same: nine is under twice five, a habit, not flagged."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    for user in ("surgeon", "nightly"):
        sc.person(user, "Cardiology", job="Surgeon", shift="day")
        sc.routine(user, range(0, 13))
    sc.patient("own")
    sc.encounter("own", "Cardiology", at(4, 0), hours=24 * 6, participants=("surgeon", "nightly"))
    sc.access("surgeon", "own", at(5, 2.5))
    sc.access("surgeon", "own", at(8, 3.2))
    night_work(sc, "nightly", "own", (5, 8))
    for user in ("surgeon", "nightly"):
        strangers_at_night(sc, user, day=20, count=9)
    found = sc.detect()
    assert found.of("unusual_hours") == {("surgeon", "")}
    hit = found.hit("unusual_hours", "surgeon")
    assert hit.events == 9 and hit.metric > 0.02  # flagged though over 2% of their activity


def test_a_day_crew_that_covers_nights_in_bursts_is_not_flagged_for_one_more(tmp_path):
    """A day-rostered psychiatrist covers a night now and then: two nights of five accesses
    in a month of busy days, under 2% of their activity. Another night of six is their
    habit, not a burst: the roster says day, their own history says these hours are theirs.
    A colleague with the same month and no night behind them is flagged for the same six."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    for user in ("covers", "never"):
        sc.person(user, "Cardiology", job="Psychiatrist", shift="day")
        sc.routine(user, range(0, 20), per_day=30)
    sc.patient("own")
    sc.encounter("own", "Cardiology", at(4, 0), hours=24 * 8, participants=("covers",))
    night_work(sc, "covers", "own", (5, 9))
    for user in ("covers", "never"):
        strangers_at_night(sc, user, day=15, count=6)
    found = sc.detect()
    assert found.of("unusual_hours") == {("never", "")}
    hit = found.hit("unusual_hours", "never")
    assert hit.events == 6 and hit.baseline == 0


def test_an_extra_night_on_the_user_s_own_unit_is_not_a_burst(found):
    assert ("u2", "") not in found.of("unusual_hours")
