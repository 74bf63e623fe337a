"""From hits to alerts: what is usual for a role scores lower (compared kind with kind), a
behaviour alert takes in the user's flagged-record hits, and the budget and the floor decide
what is raised."""

from __future__ import annotations

from hygeia.privacy.detection.config import load
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.detection.detectors.base import Hit
from hygeia.privacy.detection.run import group, peer_factors, routine, within_budget


def hit(detector: str, user: str, patient: str = "", weak: bool = False, metric=1.0) -> Hit:
    return Hit(detector, user, patient, 0, 60, 1, metric, 1.0 if weak else 0.0, "")


def test_what_most_of_a_role_does_scores_lower_but_only_against_its_own_kind():
    billers = {f"b{i}": "billing / specialist" for i in range(10)}
    hits = [hit("coworker", f"b{i}", f"pt{i}", weak=True) for i in range(8)]
    hits.append(hit("coworker", "b9", "pt-colleague"))  # unexplained, the only one
    peers = peer_factors(hits, billers, {"billing / specialist": 10})
    weak_factor = peers[("coworker", "b0", True)][0]
    assert weak_factor < 0.5 and peers[("coworker", "b9", False)][0] > 0.9
    alerts = {a.patient_id: a for a in group(hits, load(), peers)}
    assert alerts["pt-colleague"].score > 30 > alerts["pt0"].score
    assert any("8 of the 10 active users" in r for r in alerts["pt0"].reasons)


def test_a_behaviour_alert_takes_in_the_users_flagged_record_hits():
    hits = [hit("data_theft", "d1", metric=200), hit("sensitive", "d1", "pt-a"),
            hit("vip", "d1", "pt-b"), hit("family", "d1", "pt-c"),
            hit("sensitive", "n1", "pt-a")]  # fmt: skip
    alerts = {(a.user_id, a.patient_id): a for a in group(hits, load())}
    assert set(alerts) == {("d1", ""), ("d1", "pt-c"), ("n1", "pt-a")}  # family stays apart
    assert "also opened 2 flagged record(s)" in alerts[("d1", "")].reasons[-1]
    # the folded records stay named: by the behaviour alert, with the records of its evidence
    theft = Hit("data_theft", "d2", "", 0, 60, 30, 30.0, 25.0, "", ("pt-x", "pt-y"))
    folded = {
        (a.user_id, a.patient_id): a for a in group([theft, hit("vip", "d2", "pt-b")], load())
    }
    assert set(folded) == {("d2", "")} and folded[("d2", "")].patients == ["pt-b", "pt-x", "pt-y"]
    assert alerts[("d1", "")].patients == ["pt-a", "pt-b"]
    assert alerts[("d1", "pt-c")].patients == []
    # scored against the role, but a behaviour of its own: never folded into another alert
    assert DETECTORS["unusual_hours"].peer_relative and not DETECTORS["unusual_hours"].folds


def test_the_budget_keeps_the_best_and_the_floor_keeps_out_the_discounted():
    alerts = group([hit("vip", f"u{i}", f"p{i}", metric=1 + i / 10) for i in range(30)], load())
    alerts += group([hit("vip", "w", "p-weak", weak=True)], load())  # scores below the floor
    kept, summary = within_budget(alerts, budget=5, users=100, days=30, floor=20)
    assert len(kept) == summary["allowed"] == 15 and summary["candidates"] == 31
    assert [a.score for a in kept] == sorted((a.score for a in kept), reverse=True)
    roomy, _ = within_budget(alerts, budget=50, users=100, days=30, floor=20)
    assert len(roomy) == 30 and all(a.patient_id != "p-weak" for a in roomy)
    everything, summary = within_budget(alerts, budget=0, users=100, days=30, floor=20)
    assert len(everything) == 31 and summary["allowed"] is None


def test_behaviour_a_third_of_a_role_shows_is_its_routine_and_is_not_raised():
    """The budget is a ceiling: odd hours that 10 of a 20-person night crew keep are the
    crew's routine, while the one clerk of 20 who keeps them is still raised, and a flagged
    record opened is a record-level hit that no share of the role drops."""
    roles = {f"n{i}": "nursing / night" for i in range(20)}
    roles |= {f"c{i}": "clerical" for i in range(20)}
    hits = [hit("unusual_hours", f"n{i}") for i in range(10)]
    hits.append(hit("unusual_hours", "c0"))
    hits += [hit("vip", f"n{i}", "pt-vip") for i in range(15)]
    peers = peer_factors(hits, roles, {"nursing / night": 20, "clerical": 20})
    kept, dropped = routine(hits, peers)
    assert dropped == {"unusual_hours": 10}
    assert [h.user_id for h in kept if h.detector == "unusual_hours"] == ["c0"]
    assert sum(h.detector == "vip" for h in kept) == 15
    # Under a third (7 of 20 + 5), the behaviour is raised, scored lower as usual for the role.
    few = [hit("unusual_hours", f"n{i}") for i in range(7)]
    kept, dropped = routine(few, peer_factors(few, roles, {"nursing / night": 20}))
    assert len(kept) == 7 and not dropped
