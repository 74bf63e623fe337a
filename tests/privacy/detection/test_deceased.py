"""deceased: a deceased patient's record without a relationship, after the death."""

from tests.privacy.detection.scenario import at


def test_deceased_patient_flagged(found):
    assert found.of("deceased") == {("c2", "pt-dead"), ("c2", "pt-died")}


def test_only_the_look_after_the_death_counts_when_the_record_says_when(found):
    hit = found.hit("deceased", "c2", "pt-died")
    assert hit.events == 1 and hit.first_t == int(at(16, 14).timestamp())
