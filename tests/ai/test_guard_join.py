"""The PHI guard joined with shadow-AI use: prompts with PHI per service and department
(recorded by the scan API with their destination), and unapproved services that users the
guard stopped also sent large uploads to, on the command line, in JSON and on the dashboard."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hygeia.ai import inventory, web
from hygeia.ai.models import AITool, PromptScan
from hygeia.cli import main
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db

BIG = 2 << 20  # over the 1 MiB that makes a large upload


def kv(user: str, host: str, size: int, second: int) -> str:
    return (
        f'datetime="Mon Oct 19 00:00:{second:02d} 2026" user={user} ClientIP=10.0.0.9 '
        f'hostname={host} url="{host}/upload" requestmethod=POST requestsize={size} '
        "responsesize=100"
    )


@pytest.fixture
def site(tmp_path):
    staff = web.lake().root / "analysis" / "staff.parquet"
    staff.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"user_id": ["nurse.a", "clerk.b", "dr.c"],
                  "department": ["Emergency", "Registration", "Cardiology"]}),
        staff,
    )  # fmt: skip
    log = tmp_path / "gateway.log"
    log.write_text(
        "\n".join([
            kv("nurse.a", "gemini.google.com", BIG, 1),  # stopped by the guard, and uploads
            kv("nurse.a", "gemini.google.com", BIG, 2),
            kv("clerk.b", "gemini.google.com", BIG, 3),  # uploads, never stopped
            kv("dr.c", "chatgpt.com", BIG, 4),  # stopped, uploads, but to an approved service
            kv("dr.c", "gemini.google.com", 900, 5),  # stopped, small request only
        ]) + "\n"
    )  # fmt: skip
    (report,) = web.ingest([log], "kv").files
    assert report.stored == 5
    inventory.save(
        AITool(name="Enterprise ChatGPT", state="approved", domains=["chatgpt.com"]), "t"
    )


def scan(client, text: str, destination: str, policy: str) -> dict:
    response = client.post(
        "/api/ai/scan",
        {"text": text, "destination": destination, "policy": policy},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()


def test_scans_are_recorded_with_department_service_and_outcome(site, make_user):
    nurse = signed_in_client(make_user("nurse.a", "Staff"))
    assert not scan(nurse, "MRN: A1234567, DOB 03/14/1931", "https://gemini.google.com/app",
                    "block")["allowed"]  # fmt: skip
    scan(nurse, "What is the dose of amoxicillin for otitis?", "gemini.google.com", "mask")
    (blocked, clean) = PromptScan.objects.order_by("at")
    assert (blocked.user, blocked.department, blocked.service) == ("nurse.a", "Emergency", "Gemini")
    assert (blocked.outcome, blocked.identifiers) == ("blocked", 2)
    assert blocked.counts == {"MRN": 1, "DATE": 1}
    assert (clean.outcome, clean.identifiers) == ("clean", 0)
    assert "A1234567" not in json.dumps(list(PromptScan.objects.values()), default=str)


def test_the_join_per_service_and_department(site, make_user, capsys, tmp_path):
    nurse = signed_in_client(make_user("nurse.a", "Staff"))
    doctor = signed_in_client(make_user("dr.c", "Staff"))
    scan(nurse, "Mrs. Rosalind Petrov, call 614-555-0101", "gemini.google.com", "block")
    scan(nurse, "born 02/29/1932", "gemini.google.com", "mask")
    scan(doctor, "MRN: A1234567", "chatgpt.com", "mask")
    scan(doctor, "SSN 123-45-6789", "https://gemini.google.com/", "mask")
    usage = {u.service: u for u in web.shadow_report()}
    gemini, chatgpt = usage["Gemini"].guard, usage["ChatGPT"].guard
    assert (gemini["prompts"], gemini["with_phi"], gemini["blocked"], gemini["masked"]) == (
        3,
        3,
        1,
        2,
    )
    assert {d["department"]: (d["prompts"], d["blocked"]) for d in gemini["by_department"]} == {
        "Emergency": (2, 1),
        "Cardiology": (1, 0),
    }
    # nurse.a (stopped, two large uploads) counts; clerk.b was never stopped; dr.c sent
    # Gemini nothing large, and ChatGPT is approved
    assert (gemini["flagged_users_with_large_uploads"], gemini["their_large_uploads"]) == (1, 2)
    assert chatgpt["masked"] == 1 and chatgpt["flagged_users_with_large_uploads"] == 0

    assert main(["ai", "shadow", "report", "--json"]) == 0
    printed = {r["service"]: r for r in json.loads(capsys.readouterr().out)}
    assert printed["Gemini"]["phi_guard"]["flagged_users_with_large_uploads"] == 1
    assert main(["ai", "shadow", "report"]) == 0
    out = capsys.readouterr().out
    assert "Gemini: 3 / 3 / 1 / 2" in out and "Emergency: 2 / 2 / 1 / 1" in out
    assert "NOT APPROVED: 1 user(s) the guard stopped sent it 2 large upload(s)" in out

    page = signed_in_client(make_user("ciso", "Security Officer")).get("/ai/dashboard/")
    html = page.content.decode()
    assert "Prompts with PHI by department and AI service" in html
    assert ">Emergency<" in html and ">Gemini<" in html


def test_dashboard_empty_state_names_what_feeds_it(make_user):
    html = (
        signed_in_client(make_user("ciso", "Security Officer"))
        .get("/ai/dashboard/")
        .content.decode()
    )
    assert "No prompt with PHI bound for a known AI service yet" in html
    assert "None: no user the guard stopped" in html
