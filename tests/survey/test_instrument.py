"""The instrument and the peer figures are data, checked on load; figures cite sources."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hygeia.core.questionnaire import DefinitionError
from hygeia.survey import instrument as content


def test_the_bundled_instrument_covers_the_survey_topics():
    form, _ = content.bundled()
    topics = {q.spec.get("topic") for q in form.questions}
    assert form.topics()[0]["id"] == "profile"
    assert all(t["title"] and t["intro"] for t in form.topics())
    assert {
        "profile",
        "budget",
        "incidents",
        "ransomware",
        "ai",
        "third_party",
        "insider",
        "awareness",
        "barriers",
    } <= topics
    assert [q.id for q in form.segments()] == ["role", "org_type", "org_size", "region"]
    # skip logic: the compromise vectors only follow a significant incident
    assert "compromise_vectors" not in {q.id for q in form.visible({"significant_incident": "no"})}
    assert "compromise_vectors" in {q.id for q in form.visible({"significant_incident": "yes"})}


def test_published_figures_cite_their_source_and_leave_unknowns_unknown():
    _, figures = content.bundled()
    approval = figures.for_question("ai_approval_process")[0]
    assert (approval.year, approval.shares) == (2024, {"yes": 47.0, "no": 42.0, "unsure": 11.0})
    assert approval.source["respondents"] == 273
    budget = figures.for_question("it_budget_change")[0].shares
    assert budget == {"increase": 52.0, "decrease": 10.0, "same": 28.0, "unknown": 10.0}
    ransomware = figures.for_question("ransomware")[0].shares
    assert "unknown" not in ransomware  # not published: not invented
    assert {f.year for f in figures.figures} == {2022, 2023, 2024}
    for figure in figures.figures:
        assert figure.source.get("title") and figure.source.get("publisher")
    assert figures.for_question("security_share") == []


def _figures(tmp_path: Path, entry: dict) -> Path:
    path = tmp_path / "figures.yaml"
    path.write_text(
        yaml.safe_dump(
            {"version": "t", "sources": {"s": {"publisher": "P", "title": "T"}}, "figures": [entry]}
        ),
        encoding="utf-8",
    )
    return path


def _entry(question="ransomware", year=2024, source="s", **shares):
    return {"question": question, "year": year, "source": source, "shares": shares or {"yes": 1}}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_entry(question="nope"), "unknown question"),
        (_entry(maybe=1), "no option"),
        (_entry(yes=120), "0-100"),
        (_entry(source="x"), "not listed"),
        (_entry(year=24), "year"),
        (_entry(yes=60, no=60), "past 100"),
    ],
)
def test_a_broken_figures_file_is_refused_with_the_entry_named(tmp_path, entry, message):
    form, _ = content.bundled()
    with pytest.raises(DefinitionError, match=message) as raised:
        content.load_figures(form, _figures(tmp_path, entry))
    assert "figures.yaml: figure 1" in str(raised.value)


def _instrument(tmp_path: Path, topic: str) -> Path:
    path = tmp_path / "i.yaml"
    question = {"id": "q", "type": "yes_no", "text": "?", "topic": topic}
    definition = {
        "key": "k",
        "version": "1",
        "title": "t",
        "topics": [{"id": "budget", "title": "Budgets"}],
        "sections": [{"id": "s", "questions": [question]}],
    }
    path.write_text(yaml.safe_dump(definition), encoding="utf-8")
    return path


def test_an_instrument_without_segment_questions_is_refused(tmp_path):
    with pytest.raises(DefinitionError, match="segment question org_type"):
        content.load_instrument(_instrument(tmp_path, "budget"))


def test_a_question_in_an_unknown_chapter_is_refused(tmp_path):
    with pytest.raises(DefinitionError, match="question q: topic 'budgets' is not one of"):
        content.load_instrument(_instrument(tmp_path, "budgets"))
