"""The AI part of the demo: entries in several states, one request in review, and proxy logs
whose shadow-AI report shows both approved and unapproved services."""

from __future__ import annotations

import pytest

from hygeia.ai import demo, intake, web
from hygeia.ai.models import AITool

pytestmark = pytest.mark.django_db


def test_demo_seed(tmp_path):
    counts = demo.seed(tmp_path, None)
    assert counts == {"ai_entries": 5, "proxy_lines": 20_000}
    states = set(AITool.objects.values_list("state", flat=True))
    assert {"approved", "approved_with_conditions", "rejected", "in_review"} <= states
    request = AITool.objects.get(state="in_review")
    assert intake.current(request).stage == "security"  # privacy already approved
    report = {u.service: u for u in web.shadow_report()}
    assert report["ChatGPT"].approved and not report["Gemini"].approved
    again = demo.seed(tmp_path, None)
    assert again["ai_entries"] == 5  # nothing added twice
    (latest,) = web.ingest([tmp_path / "proxy" / "access.log"]).files
    assert latest.stored == 0 and latest.duplicate == 20_000
