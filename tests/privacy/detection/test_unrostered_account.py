"""unrostered_account, and the accounts left out of the insider-threat population: portal
proxies, a family's account and an interface are not the workforce; an account on no roster
that works like staff is a finding."""

from __future__ import annotations

from hygeia.privacy.detection.accounts import classify

OUTSIDE = {"proxy1", "proxy2", "proxy3", "proxy4", "family1", "iface1", "iface2"}


def test_an_account_that_works_like_staff_but_is_on_no_roster_is_raised(found):
    hit = found.hit("unrostered_account", "x1")
    assert (hit.events, hit.metric) == (12, 12)
    assert hit.patients == tuple(sorted(f"pt-unrostered-{k}" for k in range(12)))


def test_every_kind_of_account_is_counted(found):
    kinds = found.summary["accounts"]
    assert {k: v for k, v in kinds.items() if k != "workforce"} == {
        "other_system": 5,
        "single_family": 1,
        "service": 1,
        "unrostered": 1,
    }
    assert kinds["workforce"] == sum(
        n for group, n in found.summary["role_groups"].items() if group
    )


def test_accounts_outside_the_workforce_raise_nothing(found):
    assert {(h.detector, h.user_id, h.patient_id) for h in found.hits if h.user_id in OUTSIDE} == {
        ("proxy_confidential", "proxy2", "pt-teen")  # the one finding on them: below
    }
    # proxy4's twenty records would be a curiosity hit, were it staff; the population
    # watched is the roster's and x1 (the one group without a roster row)
    assert found.summary["role_groups"][""] == 1


def _rows(*rows):
    return [
        {
            "user_id": u,
            "source_system": s,
            "events": n,
            "patients": p,
            "busiest_day_hours": h,
        }
        for u, s, n, p, h in rows
    ]


def test_without_a_roster_everyone_is_the_workforce():
    found = classify(_rows(("a", "EHR", 100, 50, 8), ("b", "PORTAL", 3, 1, 1)), set())
    assert {a.kind for a in found} == {"workforce"}


def test_a_source_the_roster_hardly_uses_is_another_system():
    rows = _rows(
        ("nurse", "EHR", 1000, 80, 9),
        ("nurse", "PORTAL", 2, 1, 9),  # staff reading their own record through the portal
        ("parent", "PORTAL", 60, 2, 3),
        ("parent", "EHR", 10, 2, 3),  # most of it through the portal
        ("clerk", "EHR", 40, 12, 8),
    )
    kinds = {a.user_id: a.kind for a in classify(rows, {"nurse"})}
    assert kinds == {"nurse": "workforce", "parent": "other_system", "clerk": "unrostered"}


def test_a_source_the_roster_uses_is_the_workforce_s_even_when_outsiders_share_it():
    rows = _rows(
        ("nurse", "EHR", 100, 80, 9),
        ("family", "EHR", 900, 3, 2),
        ("feed", "EHR", 5000, 900, 24),
        ("night", "EHR", 200, 40, 19),
    )
    kinds = {a.user_id: a.kind for a in classify(rows, {"nurse"})}
    assert kinds == {
        "nurse": "workforce",
        "family": "single_family",
        "feed": "service",
        "night": "unrostered",  # a long night shift is still a person's
    }


def test_a_small_system_only_the_roster_uses_is_not_another_system():
    rows = _rows(
        ("nurse", "EHR", 5000, 300, 9),
        ("tech", "LAB", 40, 30, 8),  # under 5% of the roster's work
        ("agency", "LAB", 40, 30, 8),
    )
    kinds = {a.user_id: a.kind for a in classify(rows, {"nurse", "tech"})}
    assert kinds["agency"] == "unrostered"


def test_a_proxy_in_a_confidential_record_is_raised_in_a_lane_of_its_own(found):
    from hygeia.privacy.detection.detectors import lane_of

    hit = found.hit("proxy_confidential", "proxy2", "pt-teen")
    assert (hit.events, hit.detail) == (1, "R")
    # not its sibling's record, and not the interface that reads it among others
    assert found.of("proxy_confidential") == {("proxy2", "pt-teen")}
    assert lane_of(["proxy_confidential"]) == "accounts"


def test_an_account_faster_than_anyone_on_the_roster_is_a_service():
    rows = _rows(
        ("clerk", "EHR", 900, 300, 10),
        ("report", "EHR", 600, 600, 1),  # a nightly job: one hour, six hundred records
        ("agency", "EHR", 200, 120, 9),  # busy, but a person's pace
    )
    for row, busiest in zip(rows, (150, 600, 120), strict=True):
        row["busiest_day_patients"] = busiest
    kinds = {a.user_id: a.kind for a in classify(rows, {"clerk"})}
    assert kinds == {"clerk": "workforce", "report": "service", "agency": "unrostered"}


def test_a_parent_of_five_is_a_proxy_and_an_interface_is_not():
    """A parent who reads five children's records and their own through the portal opens the
    adolescent's confidential record: raised. An interface engine that reads thousands of
    records, the confidential ones among them, is not."""
    import duckdb

    from hygeia.privacy.detection.detectors import DETECTORS
    from hygeia.privacy.detection.detectors.base import Params

    con = duckdb.connect()
    con.execute("CREATE TABLE outside_access (user_id VARCHAR, patient_id VARCHAR, t BIGINT)")
    con.executemany(
        "INSERT INTO outside_access VALUES (?, ?, 100)",
        [("parent", "pt-teen"), ("iface", "pt-teen")],
    )
    con.execute("CREATE TABLE patients (patient_id VARCHAR, labels VARCHAR)")
    con.execute("INSERT INTO patients VALUES ('pt-teen', 'R')")
    con.execute("CREATE TABLE accounts (user_id VARCHAR, patients BIGINT)")
    con.executemany("INSERT INTO accounts VALUES (?, ?)", [("parent", 6), ("iface", 6000)])
    sql = DETECTORS["proxy_confidential"].query(Params(0, {}, {}))
    assert [row[:2] for row in con.sql(sql).fetchall()] == [("parent", "pt-teen")]
    rows = _rows(("nurse", "EHR", 1000, 80, 9), ("big-family", "EHR", 30, 6, 3))
    kinds = {a.user_id: a.kind for a in classify(rows, {"nurse"})}
    assert kinds["big-family"] == "single_family"
