"""References that count up within a prefix."""

from __future__ import annotations

import pytest

from hygeia.core.sequences import next_reference
from hygeia.program.models import Policy

pytestmark = pytest.mark.django_db


def test_counts_up_within_the_prefix_only():
    assert next_reference(Policy.objects, "reference", "POL-", 3) == "POL-001"
    for reference in ("POL-001", "POL-009", "OTHER-050"):
        Policy.objects.create(reference=reference, title=reference)
    assert next_reference(Policy.objects, "reference", "POL-", 3) == "POL-010"
    assert next_reference(Policy.objects, "reference", "OTHER-", 3) == "OTHER-051"
    assert next_reference(Policy.objects, "reference", "NEW-", 4) == "NEW-0001"


def test_a_reference_that_is_not_a_number_starts_again():
    Policy.objects.create(reference="POL-draft", title="x")
    assert next_reference(Policy.objects, "reference", "POL-", 3) == "POL-001"
