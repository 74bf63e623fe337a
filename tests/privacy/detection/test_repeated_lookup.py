"""repeated_lookup: one patient, again and again, on several days."""

import duckdb

from hygeia.privacy.detection.config import load
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.detection.detectors.base import WEAK, Hit, Params
from hygeia.privacy.detection.run import group, peer_factors, within_budget

DAY = 86400


def test_repeated_unexplained_lookups_flagged(found):
    hit = found.hit("repeated_lookup", "c4", "pt-rep")
    assert (hit.metric, hit.baseline, hit.detail) == (5, 0, "3")
    assert "opened 5 times on 3 different days" in DETECTORS["repeated_lookup"].reason(hit)


def test_two_lookups_on_one_day_are_not(found):
    assert ("c7", "pt-twice") not in found.of("repeated_lookup")


def _hits(rows: list[tuple[str, str, int, int]]) -> dict[tuple[str, str], tuple]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE access (user_id VARCHAR, patient_id VARCHAR, t BIGINT, local_t BIGINT, "
        "explained INT)"
    )
    con.executemany(
        "INSERT INTO access VALUES (?, ?, ?, ?, ?)", [(u, p, t, t, x) for u, p, t, x in rows]
    )
    options = {"min_events": 4, "min_days": 2}
    sql = DETECTORS["repeated_lookup"].query(Params(0, options, {}))
    return {(r[0], r[1]): r for r in con.sql(sql).fetchall()}


def test_a_chart_reopened_under_a_weak_routine_is_a_hit_marked_weak():
    """Fifteen opens on five days that only a role's weak routine explains are a hit (its
    baseline says so); the same under a strong routine is the role's work."""
    rows = [("b1", "pt-acct", d * DAY + k * 600, WEAK) for d in range(5) for k in range(3)]
    rows += [("n1", "pt-ward", d * DAY + k * 600, 5) for d in range(5) for k in range(3)]
    rows += [("c1", "pt-mixed", d * DAY, (0, WEAK)[d % 2]) for d in range(4)]
    hits = _hits(rows)
    assert set(hits) == {("b1", "pt-acct"), ("c1", "pt-mixed")}
    weak, mixed = hits[("b1", "pt-acct")], hits[("c1", "pt-mixed")]
    assert (weak[4], weak[6], weak[7]) == (15, 1.0, "5")  # events, baseline (weak), days
    assert (mixed[6], mixed[7]) == (0.0, "4")  # one unexplained access: not weak


def test_a_weak_hit_scores_lower_and_one_most_of_the_role_has_is_not_raised():
    """One biller of 76 who reopens an account fifteen times is raised, below an unexplained
    look-up; records clerks who each rework a chart or two, as most of them do, are not."""

    def hit(user: str, patient: str, events: int, days: int, weak: bool) -> Hit:
        return Hit("repeated_lookup", user, patient, 0, 60, events, float(events),
                   1.0 if weak else 0.0, str(days))  # fmt: skip

    roles = {f"b{i}": "billing" for i in range(76)} | {f"r{i}": "records" for i in range(20)}
    hits = [hit("b0", "pt-acct", 15, 5, True), hit("b1", "pt-other", 6, 3, False)]
    hits += [hit(f"r{i}", f"pt-r{i}", 4, 2, True) for i in range(14)]
    peers = peer_factors(hits, roles, {"billing": 76, "records": 20})
    alerts = {a.patient_id: a for a in group(hits, load(), peers)}
    assert alerts["pt-other"].score > alerts["pt-acct"].score
    kept, _ = within_budget(list(alerts.values()), budget=50, users=96, days=30, floor=20)
    assert {a.patient_id for a in kept} == {"pt-acct", "pt-other"}
    assert "only what the user's role often does" in alerts["pt-acct"].reasons[0]
