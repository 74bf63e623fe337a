"""curiosity: many unexplained distinct patients, against department colleagues."""


def test_browser_flagged_with_count_and_bar(found):
    assert ("q1", "") in found.of("curiosity")
    hit = found.hit("curiosity", "q1")
    assert hit.metric == 20 and hit.metric >= hit.baseline >= 15


def test_colleagues_with_a_few_unexplained_accesses_are_not(found):
    assert {u for u, _ in found.of("curiosity")} <= {"q1", "d1"}


def test_the_alert_names_the_browsed_records_not_the_explained_ones(found):
    patients = found.hit("curiosity", "q1").patients
    assert patients == tuple(sorted(f"pt-browse-{k}" for k in range(20)))


def _curious(users: dict[str, tuple[str, int, int]]) -> dict[str, tuple]:
    """users: id -> (role group, patients opened, of which unexplained)."""
    import duckdb

    from hygeia.privacy.detection.config import load
    from hygeia.privacy.detection.detectors import DETECTORS
    from hygeia.privacy.detection.detectors.base import Params

    rows = [
        (user, group, f"pt-{user}-{k}", 3600 + k, 0 if k < strangers else 1)
        for user, (group, opened, strangers) in users.items()
        for k in range(opened)
    ]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE access (user_id VARCHAR, role_group VARCHAR, patient_id VARCHAR, "
        "t BIGINT, explained INT)"
    )
    con.executemany("INSERT INTO access VALUES (?, ?, ?, ?, ?)", rows)
    options = load().detectors["curiosity"]
    sql = DETECTORS["curiosity"].query(Params(0, options, {}))
    return {row[0]: row for row in con.sql(sql).fetchall()}


def test_a_handful_of_strangers_where_the_role_has_none_is_raised_by_its_rate():
    """Eight strangers among 136 patients, where forty colleagues have one among 4,400, lie
    far under the spread's bar (15) but far over what the group's rate gives by chance. A
    role whose users each leave eight of a hundred unexplained raises none of them, four
    strangers are too few to say anything, and an account the roster lacks has no role to
    compare with."""
    users = {f"doc{k}": ("primary care / physician", 110, 0) for k in range(40)}
    users["doc0"] = ("primary care / physician", 110, 1)
    users["browser"] = ("primary care / physician", 136, 8)
    users["few"] = ("primary care / physician", 120, 4)
    users |= {f"clerk{k}": ("records / clerk", 100, 8) for k in range(5)}
    users["clerk0"] = ("records / clerk", 100, 11)
    users["unlisted"] = ("", 12, 12)
    hits = _curious(users)
    assert set(hits) == {"browser"}
    assert hits["browser"][5] == 8  # the count of strangers
    assert hits["browser"][7] == (
        "others of the same role usually open none; at their rate, the 136 patients this "
        "user opened would hold fewer than one"
    )
