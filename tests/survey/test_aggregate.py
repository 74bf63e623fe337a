"""Published results never single out an organization: small cells are suppressed, and a
second cell is hidden wherever the first could be derived from the total."""

from __future__ import annotations

import csv
import io
import itertools

from hygeia.survey import aggregate, editions
from tests.survey.conftest import answers


def _respond(invite, **overrides):
    invitation, _ = invite()
    result = editions.save(invitation, answers(**overrides), submit=True)
    assert result.version is not None, (result.errors, result.missing)


def _cells(edition, question, dimension):
    return {
        c.segment: c
        for c in aggregate.aggregate(edition)
        if c.question_id == question and c.dimension == dimension
    }


def test_a_region_of_four_is_suppressed_and_cannot_be_derived(edition, invite):
    for region, count in (("northeast", 7), ("midwest", 6), ("south", 5), ("west", 4)):
        for _ in range(count):
            _respond(invite, region=region)
    overall = _cells(edition, "ai_approval_process", aggregate.ALL)[aggregate.ALL]
    assert (overall.n, overall.suppressed) == (22, False)
    by_region = _cells(edition, "ai_approval_process", "Region")
    assert by_region["west"].suppressed and "fewer than 5" in by_region["west"].reason
    assert by_region["south"].suppressed  # the complement: else west = all - the others
    assert not by_region["northeast"].suppressed and not by_region["midwest"].suppressed
    assert by_region["west"].as_json()["counts"] is None and by_region["west"].shares == {}


def test_no_breakdown_leaves_a_hidden_cell_derivable(edition, invite):
    """Whatever the mix, in every breakdown the hidden cells are none, or at least two that
    together hold at least five responses."""
    sizes = itertools.cycle(["small", "medium", "large"])
    types = ["hospital"] * 9 + ["payer", "vendor", "academic"] + ["health_system"] * 2
    for number, kind in enumerate(types):
        _respond(
            invite,
            org_type=kind,
            org_size=next(sizes),
            role="executive" if number % 5 else "non_management",
        )
    cells = aggregate.aggregate(edition)
    groups: dict[tuple[str, str], list[aggregate.Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.question_id, cell.dimension), []).append(cell)
    for (question, dimension), group in groups.items():
        hidden = [c for c in group if c.suppressed]
        assert not hidden or (len(hidden) >= 2 or len(group) == 1), (question, dimension)
        assert (
            not hidden
            or sum(c.n for c in hidden) >= aggregate.MIN_CELL
            or all(c.suppressed for c in group)
        ), (question, dimension)
        for cell in group:
            assert cell.suppressed or cell.n >= aggregate.MIN_CELL


def test_fewer_than_five_respondents_publish_nothing(edition, invite):
    for _ in range(4):
        _respond(invite)
    cells = aggregate.aggregate(edition)
    assert cells and all(c.suppressed for c in cells)
    text = aggregate.csv_text(edition, cells)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all(r["suppressed"] == "yes" and r["count"] == "" for r in rows)


def test_shares_count_only_submitted_answers_of_those_asked(edition, invite):
    for number in range(6):
        _respond(
            invite,
            significant_incident="yes" if number < 5 else "no",
            compromise_vectors=["email_phishing", "bec"] if number < 3 else ["email_phishing"],
        )
    draft, _ = invite()
    editions.save(draft, answers(ai_approval_process="no"), submit=False)  # not counted
    overall = _cells(edition, "compromise_vectors", aggregate.ALL)[aggregate.ALL]
    assert overall.n == 5  # only those with an incident were asked
    assert overall.shares["email_phishing"] == 100.0 and overall.shares["bec"] == 60.0
    approval = _cells(edition, "ai_approval_process", aggregate.ALL)[aggregate.ALL]
    assert approval.n == 6 and approval.counts["yes"] == 6


def test_an_amendment_replaces_the_organizations_answer(edition, invite):
    first, _ = invite()
    editions.save(first, answers(ransomware="no"), submit=True)
    for _ in range(5):
        _respond(invite, ransomware="no")
    editions.save(first, {"ransomware": "yes"}, submit=True, reason="we found out later")
    overall = _cells(edition, "ransomware", aggregate.ALL)[aggregate.ALL]
    assert (overall.n, overall.counts["yes"], overall.counts["no"]) == (6, 1, 5)
