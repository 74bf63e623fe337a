"""deceased: a deceased patient's record without a relationship."""


def test_deceased_patient_flagged(found):
    assert found.of("deceased") == {("c2", "pt-dead")}
