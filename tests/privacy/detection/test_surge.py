"""surge: many users with no personal explanation on one patient within hours or days."""

from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.detection.detectors.base import Hit, Params

OPTIONS = {
    "min_users": 8,
    "quantile": 0.999,
    "multiple": 2,
    "window_hours": 12,
    "long_window_hours": 72,
    "spread_window_hours": 168,
    "near_hours": 48,
}


def _surge_hits(rows: list[tuple[str, str, int, int]], **changes: float) -> list[tuple]:
    """The surge detector's rows over accesses (user, patient, t, explained) and no
    episodes, with the default options but `changes`."""
    import duckdb

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE access (user_id VARCHAR, patient_id VARCHAR, t BIGINT, explained INT)"
    )
    con.executemany("INSERT INTO access VALUES (?, ?, ?, ?)", rows)
    con.execute(
        "CREATE TABLE episodes (patient_id VARCHAR, kind VARCHAR, start_t BIGINT, end_t BIGINT)"
    )
    return con.sql(DETECTORS["surge"].query(Params(0, {**OPTIONS, **changes}, {}))).fetchall()


def test_every_unrelated_user_in_the_surge_is_flagged(found):
    users = {u for u, p in found.of("surge") if p == "pt-news"}
    assert users == {"c1", "c2", "c3", "c4", "c6", "c7", "e2", "e3"}
    assert found.hit("surge", "c1", "pt-news").metric == 8


def test_a_busy_patient_whose_visitors_are_explained_is_not_a_surge(found):
    assert not any(p == "pt-busy" for _, p in found.of("surge"))


def test_a_crowd_of_the_treating_departments_is_care_and_strangers_make_a_surge(tmp_path):
    """Twelve staff of the two wards treating a patient with two stays at once open the record
    within hours, none named on it: the care of a busy patient, not a surge. A patient in the
    emergency department is opened by three of its nurses and eight people from elsewhere
    whom nothing links to the patient: a surge, and the three colleagues are part of it."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    wards = {"Cardiology": [f"w{k}" for k in range(6)], "Laboratory": [f"l{k}" for k in range(6)]}
    for department, users in wards.items():
        for user in users:
            sc.person(user, department)
            sc.routine(user, range(0, 20, 4))
    ed = [sc.person(f"e{k}", "Emergency") for k in range(3)]
    strangers = [sc.person(f"s{k}", "Information Technology") for k in range(8)]
    sc.patient("pt-complex")
    sc.encounter("pt-complex", "Cardiology", at(19, 0), hours=72, klass="IMP")
    sc.encounter("pt-complex", "Laboratory", at(19, 6), hours=60, klass="IMP")
    for k, user in enumerate(wards["Cardiology"] + wards["Laboratory"]):
        sc.access(user, "pt-complex", at(20, 8 + k / 4))
    sc.patient("pt-famous")
    sc.encounter("pt-famous", "Emergency", at(22, 6), hours=10)
    for k, user in enumerate(ed + strangers):
        sc.access(user, "pt-famous", at(22, 9 + k / 4))
    found = sc.detect()
    flagged = {(u, p) for u, p in found.of("surge")}
    assert not any(p == "pt-complex" for _, p in flagged)
    assert {u for u, p in flagged if p == "pt-famous"} == set(ed + strangers)


def test_a_story_that_runs_for_days_is_a_surge_in_the_long_window(tmp_path):
    """Twenty-one people from all over the hospital look at a patient nobody treats, seven a
    day for three days: no twelve hours hold eight of them, three days hold all. Four people
    over four days are not a crowd."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    crowd = [sc.person(f"s{k}", ("Finance", "Pharmacy", "Radiology")[k % 3]) for k in range(25)]
    for user in crowd:
        sc.routine(user, range(0, 30, 3))
    sc.patient("pt-story")
    for k, user in enumerate(crowd[:21]):
        sc.access(user, "pt-story", at(20 + k // 7, 8 + (k % 7) * 1.5))
    sc.patient("pt-few")
    for k, user in enumerate(crowd[21:]):
        sc.access(user, "pt-few", at(24 + k, 10))
    found = sc.detect()
    flagged = {u for u, p in found.of("surge") if p == "pt-story"}
    assert flagged == set(crowd[:21])
    hit = found.hit("surge", "s0", "pt-story")
    assert hit.metric == 21 and hit.detail == "72"
    assert "21 users whom nothing names" in DETECTORS["surge"].reason(hit)
    assert "within 72 hours" in DETECTORS["surge"].reason(hit)
    assert not any(p == "pt-few" for _, p in found.of("surge"))


def test_a_story_that_lingers_for_days_is_a_surge_of_the_week(tmp_path):
    """Nine people from elsewhere open an inpatient's record two or three a day for four days:
    no 12-hour or 72-hour window holds eight of them, a week does."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    ward = [sc.person(f"w{k}", "Cardiology") for k in range(6)]
    for user in ward:
        sc.routine(user, range(0, 30, 2))
    strangers = [sc.person(f"s{k}", "Information Technology") for k in range(9)]
    for user in strangers:
        sc.routine(user, range(1, 30, 4))
    sc.patient("pt-lingers")
    sc.encounter("pt-lingers", "Cardiology", at(18, 8), hours=24 * 10, participants=("w0",))
    for k, user in enumerate(strangers):
        sc.access(user, "pt-lingers", at(20 + k * 0.43, 11))
    found = sc.detect()
    assert {u for u, p in found.of("surge") if p == "pt-lingers"} == set(strangers)
    assert found.hit("surge", "s0", "pt-lingers").detail == "168"


def test_a_user_named_on_the_care_once_is_a_stranger_in_a_later_crowd():
    """Pairs named on the care at every touch are left out before the windows are laid; a
    user named once, weeks before, still counts in a later crowd of strangers."""
    rows = [("u0", "pt-x", 3600, 1)]  # named on an earlier stay
    rows += [(f"u{k}", "pt-x", 20 * 86400 + k * 600, 0) for k in range(10)]  # 20 days on
    hits = _surge_hits(rows)
    assert {row[0] for row in hits} == {f"u{k}" for k in range(10)}


def test_once_a_record_surges_those_who_came_days_before_are_part_of_it():
    """Twelve strangers in one morning are a surge (at least three times the usual four of a
    twelve-hour window). Eight who looked four days earlier were a crowd above the usual but
    under the surge's bar: part of the same story, and named. Eight in a morning on a record
    that never surges are not."""
    day = 86400
    rows = [
        (f"b{p}-{d}-{k}", f"pt-{p}", d * day + 10 * 3600 + k * 60, 0)
        for p in range(20)
        for d in range(14)
        for k in range(4)
    ]  # the usual: four a day on every record
    rows += [(f"s{k}", "pt-news", 20 * day + 10 * 3600 + k * 600, 0) for k in range(12)]
    rows += [(f"e{k}", "pt-news", 16 * day + 10 * 3600 + k * 600, 0) for k in range(8)]
    rows += [(f"q{k}", "pt-quiet", 25 * day + 10 * 3600 + k * 600, 0) for k in range(8)]
    hits = {(r[0], r[1]): r for r in _surge_hits(rows, quantile=0.9, multiple=3)}
    assert {u for u, p in hits if p == "pt-news"} == {f"s{k}" for k in range(12)} | {
        f"e{k}" for k in range(8)
    }
    assert not any(p == "pt-quiet" for _, p in hits)
    early = hits[("e0", "pt-news")]
    assert early[7] == "12 around" and early[5] == 8
    reason = DETECTORS["surge"].reason(
        Hit("surge", "e0", "pt-news", 0, 0, 1, 8.0, early[6], early[7])
    )
    assert "within 12 hours" in reason and "around a surge of at least 12" in reason
    assert hits[("s0", "pt-news")][7] == "12"
