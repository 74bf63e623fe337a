"""data_theft: an export spike against own history and peers, before termination."""


def test_export_spike_before_termination_flagged(found):
    hit = found.hit("data_theft", "d1")
    assert hit.metric == 40 and hit.metric >= hit.baseline
    assert hit.detail == "5 days before the termination date"


def test_no_one_else_exports(found):
    assert found.of("data_theft") == {("d1", "")}


def test_the_alert_names_the_exported_records(found):
    patients = found.hit("data_theft", "d1").patients
    assert patients == tuple(sorted(f"pt-x-{k}" for k in range(40)))
