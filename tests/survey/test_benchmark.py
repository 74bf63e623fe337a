"""Our answers against published figures, with proposals from Hygeia's own records."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.utils import timezone

from hygeia.ai.models import AIReview, AITool
from hygeia.cli import main
from hygeia.program.models import TrainingRecord
from hygeia.survey import benchmark, editions
from hygeia.survey import instrument as content
from hygeia.survey.proposals import propose
from tests.survey.conftest import answers

pytestmark = pytest.mark.django_db


def _reviewed_tool(reference: str) -> AITool:
    tool = AITool.objects.create(reference=reference, name=reference, state="approved")
    AIReview.objects.create(
        tool=tool,
        position=1,
        stage="privacy",
        title="Privacy",
        status="approved",
        decided_at=timezone.now(),
    )
    return tool


def test_nothing_is_proposed_without_records():
    form, _ = content.bundled()
    assert propose(form.questions) == {}


def test_records_propose_answers_with_their_evidence():
    form, _ = content.bundled()
    _reviewed_tool("AI-0001")
    _reviewed_tool("AI-0002")
    today = timezone.localdate()
    for course in ("Phishing awareness 2026", "HIPAA privacy refresher", "Fire safety"):
        TrainingRecord.objects.create(person="a@x.example", course=course, completed_on=today)
    TrainingRecord.objects.create(
        person="a@x.example", course="Deepfakes and you", completed_on=date(2001, 1, 1)
    )
    found = propose(form.questions)
    assert found["ai_approval_process"].answer == "yes"
    assert "2 AI request(s) reviewed in the last 12 months" in found["ai_approval_process"].evidence
    assert found["ai_permitted"].answer == "permitted"
    assert found["training_topics"].answer == ["email_phishing", "privacy"]  # not last century's
    assert "insider_program" not in found  # no access logs ingested


def test_accepting_a_proposal_keeps_its_evidence_until_changed_by_hand():
    _reviewed_tool("AI-0001")
    own = benchmark.current(2026)
    benchmark.save(own, {}, accepted=["ai_approval_process"], user="ciso")
    own.refresh_from_db()
    assert own.answers["ai_approval_process"] == "yes"
    assert "reviewed" in own.accepted_proposals["ai_approval_process"]
    benchmark.save(own, {"ai_approval_process": "no"}, accepted=[], user="ciso")
    own.refresh_from_db()
    assert own.answers["ai_approval_process"] == "no"
    assert "ai_approval_process" not in own.accepted_proposals
    errors = benchmark.save(own, {"region": "atlantis"}, accepted=[], user="ciso")
    assert "region" in errors


def test_rows_set_answers_against_the_published_distribution():
    own = benchmark.current()
    benchmark.save(own, {"ai_approval_process": "yes", "ransomware": "unknown"}, [], "ciso")
    rows = {r.question_id: r for r in benchmark.rows(own)}
    approval = rows["ai_approval_process"]
    assert approval.peer[0]["shares"] == {"yes": 47.0, "no": 42.0, "unsure": 11.0}
    assert benchmark.comparison(approval) == "47% of peers (2024) gave the same answer."
    ransomware = rows["ransomware"]
    assert ransomware.peer[0]["shares"]["unknown"] is None  # unpublished stays unknown
    assert "not published" in benchmark.comparison(ransomware)


def test_cli_benchmark_and_aggregate_json(capsys, smtp):
    _reviewed_tool("AI-0001")
    assert main(["survey", "benchmark", "--json"]) == 0
    rows = {r["question_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (
        rows["ai_approval_process"]["answer"] == "yes" and rows["ai_approval_process"]["proposed"]
    )
    assert rows["it_budget_change"]["peer"][0]["year"] == 2024
    assert set(rows["role"]) >= {"question_id", "answer", "evidence", "peer"}

    edition = editions.create_edition("e1", "E1", 2026, timezone.localdate().replace(year=2099))
    for number in range(5):
        participant = editions.register(f"Org {number}", f"a@o{number}.example.org")
        editions.invite(edition, participant)
        editions.save(
            edition.invitations.get(participant=participant),
            answers(region="west" if number == 0 else "south"),
            submit=True,
        )
    assert main(["survey", "aggregate", "e1", "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)
    region = [c for c in cells if c["question_id"] == "ransomware" and c["dimension"] == "Region"]
    assert all(c["suppressed"] and c["n"] is None for c in region)
    overall = next(
        c for c in cells if c["question_id"] == "ransomware" and c["segment"] == "All respondents"
    )
    assert overall["n"] == 5 and overall["shares"]["no"] == 100.0
    assert main(["survey", "aggregate", "nope"]) == 2
