"""vip: a celebrity-labelled record opened without a link."""


def test_unexplained_vip_access_flagged(found):
    assert ("c2", "pt-vip") in found.of("vip")
    assert "CEL" in found.hit("vip", "c2", "pt-vip").detail


def test_vip_treated_by_the_user_is_not_flagged(found):
    assert ("c1", "pt-vip2") not in found.of("vip")
