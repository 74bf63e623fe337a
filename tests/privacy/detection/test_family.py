"""family: a household member's record, without being named on their care."""


def test_household_member_with_another_surname_is_flagged(found):
    assert ("c5", "pt-fam") in found.of("family")
    assert "same home address" in found.hit("family", "c5", "pt-fam").detail


def test_treating_ones_relative_on_the_encounter_is_not_flagged(found):
    assert ("c6", "pt-fam2") not in found.of("family")
