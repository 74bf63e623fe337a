"""repeated_lookup: one patient, again and again, on several days."""


def test_repeated_unexplained_lookups_flagged(found):
    hit = found.hit("repeated_lookup", "c4", "pt-rep")
    assert (hit.metric, hit.baseline) == (5, 3)


def test_two_lookups_on_one_day_are_not(found):
    assert ("c7", "pt-twice") not in found.of("repeated_lookup")
