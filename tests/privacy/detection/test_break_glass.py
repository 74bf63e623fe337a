"""break_glass: emergency access with no relationship to the patient."""


def test_break_glass_without_relationship_flagged(found):
    assert ("c6", "pt-bg") in found.of("break_glass")


def test_break_glass_by_the_treating_clinician_is_not(found):
    assert ("e1", "pt-ed") not in found.of("break_glass")
    assert found.of("break_glass") == {("c6", "pt-bg")}
