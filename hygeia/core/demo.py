"""`hygeia demo`: a synthetic organization with one account per role."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from hygeia.core import audit, roles
from hygeia.core.models import Organization, User
from hygeia.core.passwords import generate_password
from hygeia.privacy.models import IngestFile

DEMO_ORGANIZATION = "Fairhaven Community Hospital (demo)"
DEMO_ACCOUNTS = [
    ("admin", roles.ADMINISTRATOR, "Ada", "Admin"),
    ("privacy", roles.PRIVACY_OFFICER, "Priya", "Privacy"),
    ("analyst", roles.SECURITY_ANALYST, "Sam", "Analyst"),
    ("vendors", roles.VENDOR_RISK_MANAGER, "Vera", "Vendors"),
    ("ciso", roles.SECURITY_OFFICER, "Cyrus", "Officer"),
    ("aigov", roles.AI_GOVERNANCE_REVIEWER, "Alan", "Governance"),
    ("auditor", roles.AUDITOR, "Aud", "Itor"),
    ("staff", roles.STAFF, "Stef", "Staff"),
    ("survey", roles.SURVEY_ORGANIZER, "Sol", "Survey"),
]
DEMO_STAFF = 200
DEMO_DAYS = 30


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str
    mfa_required: bool


def seed() -> list[DemoAccount]:
    """Create the demo organization, accounts and patients. Returns the new accounts with
    their passwords (shown once); accounts that already exist are left as they are."""
    created: list[DemoAccount] = []
    with transaction.atomic():
        if not Organization.objects.exists():
            Organization.objects.create(name=DEMO_ORGANIZATION, short_name="Fairhaven")
        for username, role, first, last in DEMO_ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            password = generate_password()
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@fairhaven.example",
                password_changed_at=timezone.now(),
            )
            user.set_password(password)
            user.save()
            group = Group.objects.get(name=role)
            user.groups.add(group)
            created.append(DemoAccount(username, role, password, group.policy.mfa_required))
    return created


def hospital(staff: int = DEMO_STAFF, progress: Any = None) -> dict[str, Any] | None:
    """Write the synthetic hospital, ingest it and run detection, once (None when already
    there)."""
    from hygeia.privacy.detection.run import detect
    from hygeia.privacy.hospital import simulate
    from hygeia.privacy.ingest import ingest, lake

    if IngestFile.objects.filter(status=IngestFile.Status.COMMITTED).exists():
        return None
    out = Path(settings.DATA_DIR) / "demo-hospital"
    summary = simulate(out, staff=staff, days=DEMO_DAYS, seed=1)
    report = ingest([out / "fhir", out / "staff.csv"], progress=progress)
    outcome = detect(lake())
    case = sample_case()
    from hygeia.ai import demo as ai_demo

    ai = ai_demo.seed(out, out / "staff.csv")
    from hygeia.vendors import demo as vendors_demo

    third_parties = vendors_demo.seed()
    from hygeia.program import demo as program_demo

    program = program_demo.seed(out / "staff.csv")
    from hygeia.survey import demo as survey_demo

    survey = survey_demo.seed()
    return {
        "survey": survey,
        **ai,
        "third_parties": third_parties,
        "program": program,
        **summary,
        "stored": report.total("stored"),
        "explained_share": outcome.run.explained_share,
        "alerts": len(outcome.alerts),
        "sample_case": case,
    }


def sample_case() -> str:
    """One case under way, opened from the highest-scoring incident, so that the case pages
    and the dashboard have something in them; everything else is left for the visitor."""
    from hygeia.privacy.cases import workflow
    from hygeia.privacy.models import Incident

    top = Incident.objects.order_by("-score", "key").first()
    if top is None:
        return ""
    with audit.acting_as(audit.Actor(name="demo")):
        case = workflow.open_case(None, incidents=[top], title="Sample investigation")
        workflow.set_status(case, "investigating", None)
        workflow.add_note(case, None, "Opened by the demo: interview the employee, then decide.")
    return case.number
