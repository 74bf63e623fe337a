"""Frameworks as data: the bundled ones match their sources' counts; OSCAL catalogs import."""

from __future__ import annotations

import json

import pytest

from hygeia.program import frameworks
from hygeia.program.models import Framework, Mapping, Requirement

pytestmark = pytest.mark.django_db


def _levels(key):
    return frameworks.counts(Framework.objects.get(key=key))


def test_bundled_frameworks_have_their_sources_counts():
    frameworks.install_bundled()
    csf = _levels("nist-csf")
    assert (csf["function"], csf["category"], csf["subcategory"]) == (6, 22, 106)
    cpg = _levels("hhs-cpg")
    assert (cpg["tier"], cpg["goal"]) == (2, 20)
    hipaa = Framework.objects.get(key="hipaa-security")
    appendix_a = Requirement.objects.filter(
        framework=hipaa,
        level="specification",
        parent__parent__ref__in=["164.308", "164.310", "164.312"],
    )
    assert appendix_a.count() == 36
    assert appendix_a.filter(attributes__required=True).count() == 14
    standards = Requirement.objects.filter(framework=hipaa, level="standard")
    assert standards.filter(parent__ref__in=["164.308", "164.310", "164.312"]).count() == 18
    assert standards.count() == 22


def test_mappings_connect_cpg_and_hipaa_to_csf_and_every_target_exists():
    frameworks.install_bundled()
    mfa = Requirement.objects.get(framework__key="hhs-cpg", ref="CPG-E3")
    assert [m.target.ref for m in mfa.maps_to.all()] == ["PR.AA-03"]
    declared = sum(
        len(refs)
        for r in Requirement.objects.filter(attributes__has_key="maps_to")
        for refs in r.attributes["maps_to"].values()
    )
    assert Mapping.objects.count() == declared  # no mapping names a ref that does not exist
    every_cpg_goal = Requirement.objects.filter(framework__key="hhs-cpg", level="goal")
    assert all(goal.maps_to.exists() for goal in every_cpg_goal)


def test_installing_twice_changes_nothing():
    frameworks.install_bundled()
    before = (Requirement.objects.count(), Mapping.objects.count())
    frameworks.install_bundled()
    assert (Requirement.objects.count(), Mapping.objects.count()) == before


CATALOG = {  # shaped like NIST's OSCAL catalogs: CSF 2.0 groups, withdrawn items, SP 800-53 labels
    "catalog": {
        "uuid": "00000000-0000-4000-8000-000000000001",
        "metadata": {"title": "Example Catalog", "version": "1.2.0"},
        "groups": [
            {
                "id": "GV",
                "class": "function",
                "title": "GOVERN",
                "props": [{"name": "label", "value": "GOVERN (GV)"}],
                "parts": [{"id": "GV_overview", "name": "overview", "prose": "Strategy is set"}],
                "controls": [
                    {
                        "id": "GV.OC",
                        "class": "category",
                        "title": "Organizational Context",
                        "controls": [
                            {
                                "id": "GV.OC-01",
                                "class": "subcategory",
                                "title": "GV.OC-01",
                                "props": [{"name": "label", "value": "GV.OC-01"}],
                                "parts": [
                                    {
                                        "id": "s",
                                        "name": "statement",
                                        "prose": "The mission is understood",
                                    },
                                    {"id": "e", "name": "example", "prose": "Share the mission"},
                                ],
                            },
                            {
                                "id": "GV.OC-02",
                                "class": "subcategory",
                                "title": "GV.OC-02",
                                "props": [{"name": "status", "value": "withdrawn"}],
                            },
                        ],
                    },
                    {
                        "id": "ID.RM",
                        "class": "category",
                        "title": "Withdrawn category",
                        "props": [{"name": "status", "value": "withdrawn"}],
                        "controls": [
                            {"id": "ID.RM-01", "class": "subcategory", "title": "ID.RM-01"}
                        ],
                    },
                ],
            },
            {
                "id": "ac",
                "class": "family",
                "title": "Access Control",
                "controls": [
                    {
                        "id": "ac-2",
                        "class": "SP800-53",
                        "title": "Account Management",
                        "props": [{"name": "label", "value": "AC-2"}],
                        "parts": [
                            {
                                "id": "ac-2_smt",
                                "name": "statement",
                                "prose": "Manage accounts:",
                                "parts": [
                                    {"id": "ac-2_smt.a", "name": "item", "prose": "define types"}
                                ],
                            }
                        ],
                        "controls": [
                            {
                                "id": "ac-2.1",
                                "class": "SP800-53-enhancement",
                                "title": "Automated Account Management",
                                "props": [{"name": "label", "value": "AC-2(1)"}],
                            }
                        ],
                    },
                ],
            },
        ],
    }
}


def test_an_oscal_catalog_imports_without_its_withdrawn_items(tmp_path):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(CATALOG))
    framework, created = frameworks.import_file(path)
    assert created and framework.title == "Example Catalog" and framework.version == "1.2.0"
    refs = list(framework.requirements.values_list("ref", flat=True))
    assert refs == ["GV", "GV.OC", "GV.OC-01", "ac", "AC-2", "AC-2(1)"]
    subcategory = framework.requirements.get(ref="GV.OC-01")
    assert subcategory.title == "The mission is understood" and subcategory.assessable
    assert subcategory.parent.ref == "GV.OC" and subcategory.level == "subcategory"
    control = framework.requirements.get(ref="AC-2")
    assert control.description == "Manage accounts: define types" and not control.assessable
    assert frameworks.import_file(path)[1] is False  # the same version again: left as it is


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"catalog": {"metadata": {}, "groups": [{"title": "no id"}]}}', "without an id"),
        ('{"catalog": ', "line 1"),
        ('{"hello": 1}', "not an OSCAL catalog"),
        (
            '{"key": "k", "requirements": '
            '[{"ref": "A", "title": "a"}, {"ref": "A", "title": "b"}]}',
            "used twice",
        ),
        ('{"key": "k", "requirements": [{"title": "no ref"}]}', "needs ref and title"),
    ],
)
def test_unusable_framework_files_name_themselves(tmp_path, content, message):
    path = tmp_path / "mine.json"
    path.write_text(content)
    with pytest.raises(frameworks.FrameworkError) as caught:
        frameworks.parse(path)
    assert "mine.json" in str(caught.value) and message in str(caught.value)
