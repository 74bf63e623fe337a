"""The AI part of the demo: entries in several states, one request in review, proxy and
gateway logs whose shadow-AI report shows both approved and unapproved services, and a month
of PHI-guard scans joined with them."""

from __future__ import annotations

import pytest

from hygeia.ai import demo, intake, web
from hygeia.ai.models import AITool

pytestmark = pytest.mark.django_db


def test_demo_seed(tmp_path):
    counts = demo.seed(tmp_path, None)
    assert counts == {"ai_entries": 5, "proxy_lines": 21_500, "prompt_scans": 400}
    states = set(AITool.objects.values_list("state", flat=True))
    assert {"approved", "approved_with_conditions", "rejected", "in_review"} <= states
    request = AITool.objects.get(state="in_review")
    assert intake.current(request).stage == "security"  # privacy already approved
    report = {u.service: u for u in web.shadow_report()}
    assert report["ChatGPT"].approved and not report["Gemini"].approved
    assert report["Gemini"].large_uploads > 0  # the gateway feed records request sizes
    assert report["Gemini"].guard["with_phi"] > 0
    assert report["Gemini"].guard["flagged_users_with_large_uploads"] > 0
    assert report["ChatGPT"].guard["flagged_users_with_large_uploads"] == 0  # approved
    again = demo.seed(tmp_path, None)
    assert again["ai_entries"] == 5 and again["prompt_scans"] == 0  # nothing added twice
    (latest,) = web.ingest([tmp_path / "proxy" / "access.log"]).files
    assert latest.stored == 0 and latest.duplicate == 20_000
