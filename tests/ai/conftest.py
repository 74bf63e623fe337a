"""Each test starts with the PHI guard's patient index unread: a test's patients are its own."""

from __future__ import annotations

import pytest

from hygeia.ai.phi_guard import forget_index


@pytest.fixture(autouse=True)
def _fresh_patient_index():
    forget_index()
    yield
    forget_index()
