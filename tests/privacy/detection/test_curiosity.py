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
