"""self_access: a user opening their own record (found by identity matching)."""


def test_own_record_flagged_with_the_matched_fields(found):
    assert ("c3", "pt-self") in found.of("self_access")
    hit = found.hit("self_access", "c3", "pt-self")
    assert "birth date exact" in hit.detail and hit.metric >= 0.8


def test_a_namesake_with_another_birth_date_is_not_self(found):
    assert ("c4", "pt-namesake") not in found.of("self_access")


def test_opening_a_colleagues_record_is_not_self(found):
    assert ("c7", "pt-c8") not in found.of("self_access")
    assert ("c8", "pt-c8") in found.of("self_access")
