"""The AI governance part of `hygeia demo`: inventory entries in several states (one going
through review now), and a month of synthetic proxy logs in which staff use approved and
unapproved AI services, ingested so that the shadow-AI report has something to show."""

from __future__ import annotations

import csv
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from hygeia.ai import intake, inventory, web
from hygeia.ai.models import AITool, PromptScan
from hygeia.core import audit

ENTRIES: list[tuple[str, str, str, str, list[str], dict[str, Any]]] = [
    # name, vendor, kind, state, domains, fields
    ("ChatGPT Enterprise", "OpenAI", "product", "approved", ["chatgpt.com"],
     {"phi_use": "none", "generative": True, "baa_in_place": "yes",
      "vendor_trains_on_data": "no", "intended_use": "Drafting non-clinical documents"}),
    ("Ambient clinical documentation", "Abridge", "product", "approved_with_conditions",
     ["abridge.com"], {"phi_use": "phi", "generative": True, "clinical_risk_level": "medium",
                       "decision_role": "informs", "baa_in_place": "yes",
                       "conditions": "Clinician signs every note; patients told at check-in",
                       "intended_use": "Drafts visit notes from the visit conversation"}),
    ("Sepsis early warning", "EHR vendor", "embedded", "approved", [],
     {"phi_use": "phi", "predictive": True, "clinical_risk_level": "high",
      "decision_role": "augments", "dsi_type": "predictive",
      "intended_use": "Flags inpatients at risk of sepsis"}),
    ("Character chat companions", "Character Technologies", "product", "rejected",
     ["character.ai"], {"decision_rationale": "No BAA; consumer terms; no clinical use"}),
]  # fmt: skip


def seed(out: Path, staff_csv: Path | None, seed: int = 3) -> dict[str, int]:
    with audit.acting_as(audit.Actor(name="demo")):
        for name, vendor, kind, state, domains, fields in ENTRIES:
            if AITool.objects.filter(name=name).exists():
                continue
            tool = AITool(name=name, vendor=vendor, kind=kind, state=state, domains=domains,
                          **fields)  # fmt: skip
            inventory.save(tool, "demo")
        if not AITool.objects.filter(name="Claude for discharge letters").exists():
            request = AITool(
                name="Claude for discharge letters",
                vendor="Anthropic",
                intended_use="Draft discharge letters for physician review",
                data_inputs="The inpatient record (PHI)",
                phi_use="phi",
                generative=True,
                domains=["claude.ai"],
            )
            intake.submit(request, None)
            first = intake.current(request)
            if first is not None:
                intake.decide(first, None, "approved", ticked=list(first.checklist))
    users = _users(staff_csv)
    log = out / "proxy" / "access.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    _write_log(log, users, seed)
    report = web.ingest([log])
    gateway = out / "proxy" / "nss-web.log"
    _write_gateway_log(gateway, users, seed)
    uploads = web.ingest([gateway], "kv")
    scans = _scan_prompts(users, seed)
    return {
        "ai_entries": AITool.objects.count(),
        "proxy_lines": report.total("read") + uploads.total("read"),
        "prompt_scans": scans,
    }


# Prompts people sent through the PHI guard: (service host, policy, identifiers by type)
PROMPTS = [
    ("chatgpt.com", "block", {"NAME": 1, "DATE": 1, "MRN": 1}),
    ("chatgpt.com", "mask", {"NAME": 2, "PHONE": 1}),
    ("claude.ai", "mask", {"DATE": 2, "ADDRESS": 1}),
    ("gemini.google.com", "block", {"ACCOUNT": 1, "HEALTH_PLAN": 1}),
    ("perplexity.ai", "mask", {}),
    ("copilot.microsoft.com", "mask", {"NAME": 1}),
]


def _scan_prompts(users: list[str], seed: int) -> int:
    """A month of what the guard did with prompts (counts only, as the API records them)."""
    if PromptScan.objects.exists():
        return 0
    rng = random.Random(seed + 1)  # noqa: S311  (synthetic)
    heavy = users[: max(1, len(users) // 20)]
    count = 0
    for _ in range(400):
        host, policy, counts = rng.choice(PROMPTS)
        user = rng.choice(heavy) if rng.random() < 0.5 else rng.choice(users)
        scan = web.record_scan(user, host, policy, counts if rng.random() < 0.4 else {},
                               rng.randrange(200, 4000))  # fmt: skip
        scan.at = timezone.now() - timedelta(days=rng.uniform(0, 29))
        scan.save(update_fields=["at"])
        count += 1
    return count


def _write_gateway_log(path: Path, users: list[str], seed: int) -> None:
    """A secure web gateway's name-value feed (space-separated, quoted values) with request
    sizes: some people upload documents to AI services."""
    rng = random.Random(seed + 2)  # noqa: S311  (synthetic log)
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight - timedelta(days=30)
    heavy = users[: max(1, len(users) // 20)]
    lines = []
    for n in range(1_500):
        when = start + timedelta(seconds=n * 1700 + rng.randrange(600))
        user = rng.choice(heavy) if rng.random() < 0.5 else rng.choice(users)
        host = rng.choice(SERVICES)
        size = rng.randrange(2 << 20, 9 << 20) if rng.random() < 0.08 else rng.randrange(400, 9000)
        lines.append(
            f'datetime="{when:%a %b %d %H:%M:%S %Y}" user={user} ClientIP=10.30.'
            f'{rng.randrange(40)}.{rng.randrange(1, 250)} action="Allowed" hostname={host} '
            f'url="{host}/" requestmethod=POST requestsize={size} '
            f"responsesize={rng.randrange(500, 90_000)}\n"
        )
    path.write_text("".join(lines))


def _users(staff_csv: Path | None) -> list[str]:
    if staff_csv is None or not staff_csv.exists():
        return [f"user{n}" for n in range(50)]
    with staff_csv.open(newline="") as handle:
        return [row["user_id"] for row in csv.DictReader(handle) if row.get("user_id")][:400]


SERVICES = [
    "chatgpt.com", "claude.ai", "abridge.com", "gemini.google.com", "perplexity.ai",
    "otter.ai", "character.ai", "api.openai.com", "www.deepl.com", "copilot.microsoft.com",
]  # fmt: skip
OTHER = ["www.uptodate.com", "outlook.office365.com", "pubmed.ncbi.nlm.nih.gov", "www.cdc.gov",
         "teams.microsoft.com", "www.example.org"]  # fmt: skip


def _write_log(path: Path, users: list[str], seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  (synthetic log)
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight - timedelta(days=30)  # the same lines all day: a re-run stores nothing
    heavy = rng.sample(users, max(1, len(users) // 20))  # a few people use AI a lot
    lines = []
    for n in range(20_000):
        when = start + timedelta(seconds=n * 130 + rng.randrange(120))
        ai = rng.random() < 0.12
        user = rng.choice(heavy) if ai and rng.random() < 0.6 else rng.choice(users)
        host = rng.choice(SERVICES) if ai else rng.choice(OTHER)
        lines.append(
            f"{when.timestamp():.3f} {rng.randrange(5, 900)} 10.20.{rng.randrange(40)}."
            f"{rng.randrange(1, 250)} TCP_TUNNEL/200 {rng.randrange(500, 90_000)} CONNECT "
            f"{host}:443 {user} HIER_DIRECT/203.0.113.{rng.randrange(1, 250)} -\n"
        )
    path.write_text("".join(lines))
