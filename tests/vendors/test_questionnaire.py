"""The questionnaire engine and the bundled definitions."""

from __future__ import annotations

import pytest

from hygeia.vendors import questionnaire
from hygeia.vendors.models import Questionnaire

SMALL = {
    "key": "t",
    "version": "1",
    "title": "T",
    "sections": [
        {
            "id": "s",
            "questions": [
                {"id": "a", "type": "yes_no", "text": "MFA?", "weight": 2},
                {
                    "id": "b",
                    "type": "text",
                    "text": "Why not?",
                    "required": True,
                    "show_if": {"question": "a", "equals": "no"},
                },
                {
                    "id": "c",
                    "type": "multiple",
                    "text": "Reports",
                    "weight": 4,
                    "options": [
                        {"value": "soc2", "score": 0.6},
                        {"value": "iso", "score": 0.6},
                        {"value": "none", "score": 0},
                    ],
                },
                {"id": "d", "type": "number", "text": "Hours to notify", "full_at_most": 72},
                {
                    "id": "e",
                    "type": "file",
                    "text": "Evidence",
                    "show_if": {"question": "c", "in": ["soc2"]},
                },
                {
                    "id": "f",
                    "type": "date",
                    "text": "Expiry",
                    "show_if": {"question": "d", "above": 0},
                },
            ],
        },
    ],
}


def test_bundled_definitions_load_and_install_once(db):
    installed = questionnaire.install_bundled()
    assert {q.key for q in installed} == {"healthcare-vendor-security", "mds2"}
    assert len(questionnaire.install_bundled()) == 2 and Questionnaire.objects.count() == 2
    vendor_form = questionnaire.form_for(next(q for q in installed if q.key != "mds2"))
    types = {q.type for q in vendor_form.questions}
    assert types == set(questionnaire.TYPES)  # every question type is used
    assert any(q.show_if for q in vendor_form.questions)
    mds2 = questionnaire.form_for(next(q for q in installed if q.key == "mds2"))
    assert len(mds2.sections) >= 20 and "AUTH-1" in mds2.by_id


def test_conditions_show_and_hide_questions():
    form = questionnaire.Form(SMALL)
    assert [q.id for q in form.visible({})] == ["a", "c", "d"]
    assert [q.id for q in form.visible({"a": "no", "c": ["soc2"], "d": 4})] == list("abcdef")
    # a condition on a hidden question stays hidden
    assert "b" not in [q.id for q in form.visible({"a": "yes"})]


def test_missing_required_answers_follow_the_conditions():
    form = questionnaire.Form(SMALL)
    assert [q.id for q in form.missing({"a": "no"})] == ["b"]
    assert form.missing({"a": "yes"}) == []


def test_scoring_is_the_share_of_weight_earned():
    form = questionnaire.Form(SMALL)
    # a (2) yes, c (4) soc2 + iso capped at 1, d (1) 48 h, e (1) file attached
    assert form.score({"a": "yes", "c": ["soc2", "iso"], "d": 48}, files=["e"]) == 100.0
    # a no, c soc2 only (0.6), d 96 h (over 72), e without file
    assert form.score({"a": "no", "c": ["soc2"], "d": 96}) == round(100 * 2.4 / 8, 1)
    assert form.score({}) == 0.0


@pytest.mark.parametrize(
    ("qid", "raw", "expected"),
    [
        ("a", "Yes", "yes"),
        ("a", "n/a", "n/a"),
        ("c", ["soc2", ""], ["soc2"]),
        ("d", "1,000", 1000),
        ("d", "2.5", 2.5),
        ("f", "2027-01-31", "2027-01-31"),
        ("b", "  ", None),
    ],
)
def test_answers_are_coerced(qid, raw, expected):
    form = questionnaire.Form(SMALL)
    assert form.coerce(form.by_id[qid], raw) == expected


@pytest.mark.parametrize(
    ("qid", "raw", "message"),
    [
        ("a", "maybe", "not one of the choices"),
        ("c", ["gold"], "gold"),
        ("d", "lots", "not a number"),
        ("f", "31/01/2027", "not a date"),
    ],
)
def test_bad_answers_are_explained(qid, raw, message):
    form = questionnaire.Form(SMALL)
    with pytest.raises(ValueError, match=message):
        form.coerce(form.by_id[qid], raw)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sections"][0]["questions"].append({"id": "a", "type": "text"}), "used twice"),
        (lambda d: d["sections"][0]["questions"][0].update(type="slider"), "not one of"),
        (lambda d: d["sections"][0]["questions"][2].pop("options"), "needs options"),
        (
            lambda d: d["sections"][0]["questions"][1].update(
                show_if={"question": "zz", "equals": 1}
            ),
            "earlier question",
        ),
        (lambda d: d["sections"][0]["questions"][1].update(show_if={"question": "a"}), "equals"),
    ],
)
def test_broken_definitions_are_refused(change, message):
    import copy

    definition = copy.deepcopy(SMALL)
    change(definition)
    with pytest.raises(questionnaire.DefinitionError, match=message):
        questionnaire.Form(definition, "mine.yaml")


def test_a_yaml_slip_is_caught():
    """An unquoted comma inside {…} silently splits a label into an extra key."""
    import copy

    definition = copy.deepcopy(SMALL)
    definition["sections"][0]["questions"][2]["options"][0] = {
        "value": "soc2",
        "label": "A",
        "B)": None,
    }
    with pytest.raises(questionnaire.DefinitionError, match="option"):
        questionnaire.Form(definition)
    definition = copy.deepcopy(SMALL)
    definition["sections"][0]["questions"][0]["in the US"] = None
    with pytest.raises(questionnaire.DefinitionError, match="unknown keys in the US"):
        questionnaire.Form(definition)


def test_a_broken_file_names_itself(tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("key: k\nversion: 1\nsections: [\n")
    with pytest.raises(questionnaire.DefinitionError, match=r"q\.yaml"):
        questionnaire.load_file(path)
    path.write_text("key: k\nversion: 1\nsections: []\n")
    with pytest.raises(questionnaire.DefinitionError, match="title"):
        questionnaire.load_file(path)
