"""neighbour: someone on the user's street, unexplained."""


def test_neighbour_flagged_with_distance(found):
    assert ("c1", "pt-nb") in found.of("neighbour")
    assert found.hit("neighbour", "c1", "pt-nb").detail == "same street, house numbers 4 apart"


def test_patients_elsewhere_are_not_neighbours(found):
    assert {p for _, p in found.of("neighbour")} == {"pt-nb"}
