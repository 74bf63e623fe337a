"""Identity resolution without a shared key: own records, households and neighbours."""

from __future__ import annotations

from datetime import date

from hygeia.privacy.detection.identity import (
    Person,
    address,
    birth_similarity,
    jaro_winkler,
    resolve,
)


def staff(**kw) -> Person:
    base = dict(
        key="nurse1",
        family="Okafor",
        given="Adaeze",
        birth=date(1984, 3, 7),
        address="12 Quarry Street, Apt 4",
        city="Riverbend",
        postal="43701",
    )
    base.update(kw)
    return Person(**base)


def patient(key: str, **kw) -> Person:
    base = dict(
        key=key,
        family="Okafor",
        given="Adaeze",
        birth=date(1984, 3, 7),
        address="12 quarry st apt 4",
        city="RIVERBEND",
        postal="43701-2200",
    )
    base.update(kw)
    return Person(**base)


def links(staff_rows, patients):
    return {(link.patient_id, link.relation): link for link in resolve(staff_rows, patients)}


def test_address_normalisation_folds_case_suffixes_and_units():
    a = address("12 Quarry Street, Apt 4", "Riverbend", "43701")
    b = address("12 QUARRY ST #4", "riverbend", "43701-2200")
    assert a is not None and b is not None and a.home == b.home
    assert address("Quarry Street", "Riverbend", "") is None  # no house number: no match key


def test_name_and_birth_similarity_tolerate_typos():
    assert jaro_winkler("okafor", "okafor") == 1.0
    assert 0.9 < jaro_winkler("okafor", "okafro") < 1.0
    assert jaro_winkler("okafor", "lindqvist") < 0.6
    assert birth_similarity(date(1984, 3, 7), date(1984, 7, 3)) == 0.8  # day/month swapped
    assert birth_similarity(date(1984, 3, 7), date(1985, 3, 7)) == 0.8  # one digit
    assert birth_similarity(date(1984, 3, 7), date(1991, 11, 20)) == 0.0


def test_own_record_found_despite_typos_and_the_fields_are_named():
    found = links([staff()], [patient("pt-1", family="Okafro", birth=date(1984, 7, 3))])
    own = found[("pt-1", "self")]
    assert own.score >= 0.8
    assert "family name 0." in own.fields and "birth date near" in own.fields
    assert "same home address" in own.fields


def test_married_name_still_matches_on_birth_date_and_home():
    found = links([staff()], [patient("pt-1", family="Lindqvist")])
    assert ("pt-1", "self") in found


def test_namesake_with_another_birth_date_is_not_the_user():
    found = links([staff()], [patient("pt-1", birth=date(1950, 1, 1), address="9 Elm Rd")])
    assert ("pt-1", "self") not in found


def test_household_members_share_the_address_whatever_their_surname():
    rows = [
        patient("pt-1"),
        patient("pt-2", family="Mensah", given="Kofi", birth=date(1981, 1, 1)),
        patient("pt-3", given="Chidi", birth=date(2010, 5, 5)),
    ]
    found = links([staff()], rows)
    assert ("pt-1", "self") in found
    assert found[("pt-2", "household")].fields == "same home address"
    assert found[("pt-3", "household")].fields == "same home address, same family name"


def test_neighbours_same_building_nearby_and_same_street():
    rows = [
        patient(
            "pt-1", family="Ng", given="Li", birth=date(1970, 1, 1), address="12 Quarry St Apt 9"
        ),
        patient(
            "pt-2", family="Ng", given="Wei", birth=date(1971, 1, 1), address="20 Quarry Street"
        ),
        patient(
            "pt-3", family="Ng", given="Bo", birth=date(1972, 1, 1), address="900 Quarry Street"
        ),
        patient(
            "pt-4",
            family="Ng",
            given="Yu",
            birth=date(1973, 1, 1),
            address="20 Quarry Street",
            city="Lakemont",
        ),
    ]
    found = links([staff()], rows)
    assert found[("pt-1", "neighbour")].fields == "same building, another unit"
    assert found[("pt-2", "neighbour")].fields == "same street, house numbers 8 apart"
    assert found[("pt-3", "neighbour")].fields == "same street"
    assert found[("pt-1", "neighbour")].score > found[("pt-3", "neighbour")].score
    assert not any(k[0] == "pt-4" for k in found)  # another town


def test_a_staff_member_without_an_address_is_matched_on_name_and_birth_only():
    found = links([staff(address="", city="", postal="")], [patient("pt-1")])
    assert ("pt-1", "self") in found
    assert not any(rel != "self" for _, rel in found)
