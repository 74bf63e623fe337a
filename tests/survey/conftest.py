from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hygeia.survey import editions


def answers(**overrides: object) -> dict[str, object]:
    """A complete, valid response; overrides change single answers."""
    given: dict[str, object] = {
        "role": "executive",
        "org_type": "hospital",
        "org_size": "medium",
        "region": "south",
        "it_budget_change": "increase",
        "security_share": "from_3_to_6",
        "significant_incident": "no",
        "ransomware": "no",
        "ir_plan_tested": "yes",
        "ai_permitted": "permitted",
        "ai_approval_process": "yes",
        "ai_monitoring": "no",
        "ai_acceptable_use": "yes",
        "third_party_program": "yes",
        "insider_program": "no",
    }
    given.update(overrides)
    return given


@pytest.fixture
def edition(db):
    return editions.create_edition(
        "2026", "Survey 2026", 2026, timezone.localdate() + timedelta(days=30)
    )


@pytest.fixture
def invite(edition, smtp):
    """Invite an organization; returns (invitation, token)."""
    counter = iter(range(1000))

    def make(name: str | None = None, domain: str | None = None):
        number = next(counter)
        participant = editions.register(
            name or f"Organization {chr(65 + number)}{number} Medical",
            f"ciso@{domain or f'org{number}.example.org'}",
            confirmed_distinct=True,
        )
        token = editions.invite(edition, participant)
        return edition.invitations.get(participant=participant), token

    return make
