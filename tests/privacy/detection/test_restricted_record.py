"""restricted_record: every access to a restricted or VIP record outside its care, in a lane
the budget never cuts."""

from __future__ import annotations

from hygeia.privacy.detection.detectors.base import Hit
from hygeia.privacy.detection.run import Scored, in_lanes, within_budget


def test_a_restricted_record_opened_outside_its_care_is_raised(found):
    assert {pair for pair in found.of("restricted_record") if pair[1] == "pt-very"} == {
        ("c4", "pt-very"),  # the department treated the patient, but not that week
        ("e5", "pt-very"),  # another department, during the stay
    }


def test_the_care_named_and_the_unit_caring_at_the_time_are_not(found):
    pairs = found.of("restricted_record")
    assert not {("c1", "pt-very"), ("c3", "pt-very"), ("c7", "pt-very")} & pairs
    assert ("c1", "pt-vip2") not in pairs  # a VIP treated by c1, named on it


def test_vip_labels_and_the_site_s_own_list_restrict_a_record(found):
    pairs = found.of("restricted_record")
    assert ("c2", "pt-vip") in pairs
    assert ("e6", "pt-listed") in pairs
    assert found.hit("restricted_record", "e6", "pt-listed").detail == ""


def _alert(user: str, detector: str, score: float) -> Scored:
    hit = Hit(detector, user, f"pt-{user}", 0, 0, 1, 1.0, 0.0, "")
    return Scored(user, f"pt-{user}", [hit], score=score)


def test_the_budget_never_cuts_the_restricted_lane():
    alerts = [_alert(f"u{k}", "restricted_record", 30.0) for k in range(5)] + [
        _alert(f"v{k}", "curiosity", 90.0 - k) for k in range(5)
    ]
    lanes, queue = in_lanes(alerts)
    assert [a.user_id for a in lanes["restricted"]] == [f"u{k}" for k in range(5)]
    kept, _ = within_budget(queue, budget=1, users=1000, days=2)
    assert [a.user_id for a in kept] == ["v0", "v1"]


def test_an_alert_s_lane_follows_its_detectors_and_is_exported():
    from datetime import UTC, datetime

    from hygeia.privacy.detection.detectors import lane_of
    from hygeia.privacy.detection.export import record
    from hygeia.privacy.models import Alert

    assert lane_of(["restricted_record", "vip"]) == "restricted"
    assert lane_of(["vip"]) == lane_of([]) == "queue"
    moment = datetime(2025, 11, 1, tzinfo=UTC)
    alert = Alert(
        key="k",
        user_id="u",
        detectors=["surge", "restricted_record"],
        score=50,
        severity="medium",
        first_event=moment,
        last_event=moment,
    )
    assert record(alert)["lane"] == "restricted"


def test_a_label_no_list_names_is_reported_for_the_site_to_give_it_a_meaning(found):
    # CEL, HIV, R and V are configured; N marks an ordinary record (labels.ordinary)
    assert found.summary["unknown_labels"] == {"STARRED": 1}


def _labelled(tmp_path, labelled: int, total: int):
    """`total` patients, the first `labelled` of them labelled R, one more on the site's own
    list; c1 opens every one of them with nothing to explain it."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    sc.person("c1", "Cardiology")
    sc.routine("c1", range(0, 20, 2))
    for k in range(total):
        sc.patient(f"pt-{k}", labels=("R",) if k < labelled else ())
        sc.access("c1", f"pt-{k}", at(30, 9 + k / 60))
    sc.restricted.append("pt-last")
    sc.patient("pt-last")
    sc.access("c1", "pt-last", at(31, 9))
    return sc.detect()


def test_a_restricted_label_on_a_large_share_of_the_records_marks_care_not_records(tmp_path):
    """R on 10% of the patient index (say, every adolescent's record): a kind of care. Its
    records are scored as sensitive in the queue instead of flooding the lane; the site's
    own list still restricts, and the summary says which label was set aside."""
    found = _labelled(tmp_path, 4, 40)
    assert found.summary["common_restricted"] == {"R": 4}
    assert found.of("restricted_record") == {("c1", "pt-last")}
    assert {("c1", f"pt-{k}") for k in range(4)} <= found.of("sensitive")


def test_a_rare_restricted_label_restricts_its_records(tmp_path):
    found = _labelled(tmp_path, 1, 40)
    assert found.summary["common_restricted"] == {}
    assert found.of("restricted_record") == {("c1", "pt-0"), ("c1", "pt-last")}


def test_a_record_flagged_only_in_the_audit_feed_is_restricted(tmp_path):
    """An ATNA feed marks the record V in ParticipantObjectSensitivity while its Patient
    resource has no label: the record is restricted all the same, and the run lists a code no
    label list names."""
    from tests.privacy.detection.scenario import Scenario, at

    sc = Scenario(tmp_path)
    sc.person("c1", "Cardiology")
    sc.routine("c1", range(0, 20, 2))
    for k in range(30):
        sc.patient(f"pt-{k}")
    sc.access("c1", "pt-3", at(30, 9), sensitivity=("V",))
    sc.access("c1", "pt-4", at(30, 10), sensitivity=("NOTABLE",))
    found = sc.detect()
    assert ("c1", "pt-3") in found.of("restricted_record")
    assert found.summary["unknown_labels"] == {"NOTABLE": 1}
    # a code no list names, on a few records: the site's own flag, restricting until named
    assert ("c1", "pt-4") in found.of("restricted_record")


def test_an_unknown_label_restricts_until_the_site_names_it_and_a_default_never_does():
    """A code on a few records that no list names is taken for the site's flag; listed in
    `labels.ordinary` (or any other list) it is known; on more than 5% of the records it is
    a default and left alone."""
    from dataclasses import replace

    from hygeia.privacy.detection.config import load
    from hygeia.privacy.detection.prepare import _unknown_labels

    counted = ([("N", 900), ("HOUSE", 80), ("NOTABLE", 3), ("CEL", 2)], 1000)
    config = load()
    assert _unknown_labels(counted, config) == {"NOTABLE": 3}
    named = replace(config, labels={**config.labels, "ordinary": ("N", "NOTABLE")})
    assert _unknown_labels(counted, named) == {}
