"""surge: many users with no personal explanation on one patient within hours."""


def test_every_unrelated_user_in_the_surge_is_flagged(found):
    users = {u for u, p in found.of("surge") if p == "pt-news"}
    assert users == {"c1", "c2", "c3", "c4", "c6", "c7", "e2", "e3"}
    assert found.hit("surge", "c1", "pt-news").metric == 8


def test_a_busy_patient_whose_visitors_are_explained_is_not_a_surge(found):
    assert not any(p == "pt-busy" for _, p in found.of("surge"))
