"""Every URL and API endpoint, for every role and for anonymous users.

The expectations below are written out by hand, independently of the roles file: a change to
who may do what must change this table too. A URL without an entry here fails the test.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from hygeia.ai import inventory
from hygeia.ai.models import AITool
from hygeia.api import api
from hygeia.core import audit
from hygeia.core.models import ApiToken
from hygeia.privacy.cases import workflow
from hygeia.privacy.models import Alert, Incident, IngestFile
from hygeia.program import assess
from hygeia.program.models import (
    AckCampaign,
    Acknowledgement,
    Framework,
    FrameworkAssessment,
    Policy,
    PolicyVersion,
    Requirement,
    Risk,
)
from hygeia.survey import editions as survey_editions
from hygeia.vendors import assessments, questionnaire
from hygeia.vendors.models import BreachReport, Product, Vendor
from tests.conftest import ROLES, signed_in_client

pytestmark = pytest.mark.django_db

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # every role; anonymous users are sent to sign in

ADMIN, PRIVACY, ANALYST, VENDOR, CISO, AIGOV, AUDITOR, STAFF, ORGANIZER = ROLES
VIEW_USERS = {ADMIN, AUDITOR}
AUDIT_READERS = {ADMIN, PRIVACY, CISO, AUDITOR}
PATIENT_READERS = {PRIVACY, ANALYST, AUDITOR}
SOURCE_READERS = {ADMIN, PRIVACY, ANALYST, CISO, AUDITOR}
TRIAGERS = {PRIVACY, ANALYST}
CASE_READERS = {PRIVACY, ANALYST, AUDITOR}
CASE_WORKERS = {PRIVACY}
REPORT_READERS = {PRIVACY, AUDITOR}
AI_READERS = {ADMIN, PRIVACY, ANALYST, CISO, AIGOV, AUDITOR}
AI_EDITORS = {AIGOV}
AI_REVIEWERS = {PRIVACY, ANALYST, AIGOV}
REQUESTERS = {ADMIN, PRIVACY, ANALYST, VENDOR, CISO, AIGOV, STAFF}
VENDOR_READERS = {PRIVACY, ANALYST, VENDOR, CISO, AUDITOR}
VENDOR_MANAGERS = {VENDOR}
RISK_APPROVERS = {CISO}
PROGRAM_READERS = {CISO, AUDITOR}
PROGRAM_MANAGERS = {CISO}
SURVEY_READERS = {CISO, AUDITOR, ORGANIZER}
SURVEY_ANSWERERS = {CISO}
SURVEY_RUNNERS = {ORGANIZER}

# url name -> (method, who may)
UI: dict[str, tuple[str, object]] = {
    "healthz": ("GET", PUBLIC),
    "core:login": ("GET", PUBLIC),
    "core:login_mfa": ("GET", PUBLIC),
    "core:sso_start": ("GET", PUBLIC),
    "core:sso_callback": ("GET", PUBLIC),
    "core:logout": ("POST", PUBLIC),  # signing out while signed out is harmless
    "core:logout_required": ("GET", SIGNED_IN),
    "core:dashboard": ("GET", SIGNED_IN),
    "core:account": ("GET", SIGNED_IN),
    "core:account_password": ("POST", SIGNED_IN),
    "core:account_notifications": ("POST", SIGNED_IN),
    "core:mfa_enrol": ("GET", SIGNED_IN),
    "core:mfa_recovery_codes": ("POST", SIGNED_IN),
    "core:mfa_remove": ("POST", SIGNED_IN),
    "core:token_create": ("POST", SIGNED_IN),
    "core:token_revoke": ("POST", SIGNED_IN),
    "core:users": ("GET", VIEW_USERS),
    "core:user_detail": ("GET", VIEW_USERS),
    "core:user_create": ("GET", {ADMIN}),
    "core:user_edit": ("GET", {ADMIN}),
    "core:user_action": ("POST", {ADMIN}),
    "core:roles": ("GET", VIEW_USERS),
    "core:role_policy": ("POST", {ADMIN}),
    "core:audit_list": ("GET", AUDIT_READERS),
    "core:audit_detail": ("GET", AUDIT_READERS),
    "core:audit_verify": ("GET", AUDIT_READERS),
    "core:audit_export": ("GET", {ADMIN, PRIVACY, AUDITOR}),
    "privacy:patients": ("GET", PATIENT_READERS),
    "privacy:patient_detail": ("GET", PATIENT_READERS),
    "ingest:sources": ("GET", SOURCE_READERS),
    "ingest:quarantine": ("GET", SOURCE_READERS),
    "alerts:list": ("GET", PATIENT_READERS),
    "alerts:triage": ("POST", TRIAGERS),
    "alerts:explanations": ("GET", PATIENT_READERS),
    "alerts:decide_explanation": ("POST", {PRIVACY}),
    "alerts:reveal": ("POST", {PRIVACY}),
    "alerts:incident": ("GET", PATIENT_READERS),
    "alerts:open_case": ("POST", CASE_WORKERS),
    "cases:list": ("GET", CASE_READERS),
    "cases:deadlines": ("GET", CASE_READERS),
    "cases:annual_log": ("GET", CASE_READERS),
    "cases:detail": ("GET", CASE_READERS),
    "cases:update": ("POST", CASE_WORKERS),
    "cases:attach": ("POST", CASE_WORKERS),
    "cases:download": ("GET", CASE_READERS),
    "cases:assessment": ("GET", CASE_READERS),
    "review:case": ("GET", PUBLIC),  # the token is the permission (tested in tests/privacy/cases)
    "reports:dashboard": ("GET", REPORT_READERS),
    "reports:monthly": ("GET", REPORT_READERS),
    "privacy:access_report": ("GET", {PRIVACY}),
    "ai:tools": ("GET", AI_READERS),
    "ai:new": ("GET", AI_EDITORS),
    "ai:import": ("POST", AI_EDITORS),
    "ai:export": ("GET", AI_READERS),
    "ai:detail": ("GET", AI_READERS),
    "ai:edit": ("GET", AI_EDITORS),
    "ai:documentation": ("POST", AI_EDITORS),
    "ai:card": ("GET", AI_READERS),
    "ai:request": ("GET", REQUESTERS),
    "ai:my_requests": ("GET", REQUESTERS),
    "ai:decide": ("POST", AI_REVIEWERS),
    "ai:assign_stage": ("POST", AI_REVIEWERS),
    "ai:comment": ("POST", AI_REVIEWERS),  # and the entry's own requester
    "ai:resubmit": ("POST", AI_REVIEWERS),  # and the entry's own requester
    "ai:re_review": ("POST", AI_EDITORS),
    "ai:shadow": ("GET", AI_READERS),
    "ai:shadow_review": ("POST", AI_EDITORS),
    "ai:dashboard": ("GET", AI_READERS),
    "vendors:list": ("GET", VENDOR_READERS),
    "vendors:new": ("GET", VENDOR_MANAGERS),
    "vendors:import": ("POST", VENDOR_MANAGERS),
    "vendors:export": ("GET", VENDOR_READERS),
    "vendors:dashboard": ("GET", VENDOR_READERS),
    "vendors:exposure": ("GET", VENDOR_READERS),
    "vendors:vulns_import": ("POST", VENDOR_MANAGERS),
    "vendors:breach_import": ("POST", VENDOR_MANAGERS),
    "vendors:breach_review": ("POST", VENDOR_MANAGERS),
    "vendors:assessments": ("GET", VENDOR_READERS),
    "vendors:assessment": ("GET", VENDOR_READERS),
    "vendors:assessment_action": ("POST", VENDOR_MANAGERS),
    "vendors:assessment_pdf": ("GET", VENDOR_READERS),
    "vendors:file": ("GET", VENDOR_READERS),
    "vendors:product": ("GET", VENDOR_READERS),
    "vendors:sbom_upload": ("POST", VENDOR_MANAGERS),
    "vendors:detail": ("GET", VENDOR_READERS),
    "vendors:edit": ("GET", VENDOR_MANAGERS),
    "vendors:add": ("POST", VENDOR_MANAGERS),
    "vendors:assess": ("POST", VENDOR_MANAGERS),
    "vendors:accept": ("POST", RISK_APPROVERS),
    "program:home": ("GET", PROGRAM_READERS),
    "program:framework": ("GET", PROGRAM_READERS),
    "program:risks": ("GET", PROGRAM_READERS),
    "program:assessments": ("GET", PROGRAM_READERS),
    "program:assessment": ("GET", PROGRAM_READERS),
    "program:assessment_item": ("POST", PROGRAM_MANAGERS),
    "program:assessment_against": ("GET", PROGRAM_READERS),
    "program:evidence_file": ("GET", PROGRAM_READERS),
    "program:education": ("GET", PROGRAM_READERS),
    "program:policies": ("GET", PROGRAM_READERS),
    "program:budget": ("GET", PROGRAM_READERS),
    "program:budget_export": ("GET", PROGRAM_READERS),
    "program:board": ("GET", PROGRAM_READERS),
    "program:board_pdf": ("GET", PROGRAM_READERS),
    "program:policy": ("GET", PROGRAM_READERS),
    "program:policy_action": ("POST", PROGRAM_MANAGERS),
    "ack:policy": ("GET", PUBLIC),  # the link is the permission (tests/program/test_policies.py)
    "program:education_import": ("POST", PROGRAM_MANAGERS),
    "program:education_assign": ("POST", PROGRAM_MANAGERS),
    "program:risk_new": ("GET", PROGRAM_MANAGERS),
    "program:risk": ("GET", PROGRAM_READERS),
    "program:risk_edit": ("GET", PROGRAM_MANAGERS),
    "program:treatment_add": ("POST", PROGRAM_MANAGERS),
    "survey:home": ("GET", SURVEY_READERS),
    "survey:benchmark": ("GET", SURVEY_READERS),
    "survey:benchmark_pdf": ("GET", SURVEY_READERS),
    "survey:editions": ("GET", SURVEY_READERS),
    "survey:edition": ("GET", SURVEY_READERS),
    "survey:invite": ("POST", SURVEY_RUNNERS),
    "survey:reinvite": ("POST", SURVEY_RUNNERS),
    "survey:close": ("POST", SURVEY_RUNNERS),
    "survey:report": ("GET", SURVEY_READERS),
    "survey:report_pdf": ("GET", SURVEY_READERS),
    "survey:aggregates_csv": ("GET", SURVEY_READERS),
    # The respondent link is the permission (tests/survey/test_editions.py).
    "respond:home": ("GET", PUBLIC),
    "respond:response_csv": ("GET", PUBLIC),
    "respond:benchmark_pdf": ("GET", PUBLIC),
    # The link's token is the permission (scope, expiry: tests/vendors/test_assessments.py).
    "portal:home": ("GET", PUBLIC),
    "portal:upload": ("POST", PUBLIC),
    "portal:action": ("POST", PUBLIC),
}
# Writes also checked with the method their form uses, where a GET shows the form.
UI_POSTS = {
    "core:user_create": {ADMIN},
    "core:user_edit": {ADMIN},
    "privacy:patients": PATIENT_READERS,
    "cases:assessment": CASE_WORKERS,
    "review:case": PUBLIC,
    "ai:new": AI_EDITORS,
    "ai:edit": AI_EDITORS,
    "ai:request": REQUESTERS,
    "vendors:new": VENDOR_MANAGERS,
    "vendors:edit": VENDOR_MANAGERS,
    "portal:home": PUBLIC,
    "program:risk_new": PROGRAM_MANAGERS,
    "program:risk_edit": PROGRAM_MANAGERS,
    "program:assessments": PROGRAM_MANAGERS,
    "program:policies": PROGRAM_MANAGERS,
    "program:budget": PROGRAM_MANAGERS,
    "ack:policy": PUBLIC,
    "survey:benchmark": SURVEY_ANSWERERS,
    "survey:editions": SURVEY_RUNNERS,
    "respond:home": PUBLIC,
}

# (method, path template) -> who may
API: dict[tuple[str, str], object] = {
    ("GET", "/api/me"): SIGNED_IN,
    ("GET", "/api/users"): VIEW_USERS,
    ("GET", "/api/audit/entries"): AUDIT_READERS,
    ("GET", "/api/audit/verify"): AUDIT_READERS,
    ("GET", "/api/patients"): PATIENT_READERS,
    ("POST", "/api/patients/search"): PATIENT_READERS,
    ("GET", "/api/patients/{patient_id}"): PATIENT_READERS,
    ("GET", "/api/alerts"): PATIENT_READERS,
    ("POST", "/api/alerts/triage"): TRIAGERS,
    ("GET", "/api/incidents/{incident_id}"): PATIENT_READERS,
    ("GET", "/api/cases"): CASE_READERS,
    ("POST", "/api/cases"): CASE_WORKERS,
    ("GET", "/api/cases/{number}"): CASE_READERS,
    ("POST", "/api/cases/{number}/changes"): CASE_WORKERS,
    ("GET", "/api/breach/deadlines"): CASE_READERS,
    ("GET", "/api/patients/{patient_id}/accesses"): {PRIVACY},
    ("POST", "/api/ai/scan"): SIGNED_IN,
    ("GET", "/api/vendors"): VENDOR_READERS,
    ("GET", "/api/vendors/exposure"): VENDOR_READERS,
    ("GET", "/api/vendors/assessments"): VENDOR_READERS,
    ("GET", "/api/vendors/baa-coverage"): VENDOR_READERS,
    ("GET", "/api/vendors/{vendor_id}"): VENDOR_READERS,
    ("GET", "/api/program/frameworks"): PROGRAM_READERS,
    ("GET", "/api/program/risks"): PROGRAM_READERS,
    ("GET", "/api/program/assessments/{assessment_id}/scores"): PROGRAM_READERS,
    ("GET", "/api/survey/benchmark"): SURVEY_READERS,
    ("GET", "/api/survey/editions/{edition}/aggregate"): SURVEY_READERS,
}
# A valid body for each POST, so that the guard, not validation, answers.
API_BODIES: dict[str, dict[str, object]] = {
    "/api/patients/search": {"q": "SYN"},
    "/api/alerts/triage": {"alerts": [], "action": "review"},
    "/api/cases": {"incidents": []},
    "/api/cases/{number}/changes": {"action": "note", "text": "checked"},
    "/api/ai/scan": {"text": "nothing to see"},
}
API_DOCS = {"/api/docs": SIGNED_IN, "/api/openapi.json": SIGNED_IN}


@dataclass
class Fixture:
    kwargs: dict[str, dict[str, object]]
    patient_id: str
    incident_id: int
    case_number: str
    vendor_id: int
    assessment_id: int


def _url_names(resolvers: list, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _url_names(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_url_has_an_expectation():
    assert _url_names(get_resolver().url_patterns) == set(UI)


def test_every_api_operation_has_an_expectation():
    schema = api.get_openapi_schema()
    operations = {
        (method.upper(), f"/api{path.removeprefix('/api')}")
        for path, methods in schema["paths"].items()
        for method in methods
    }
    assert operations == set(API)


@pytest.fixture
def world(make_user, patients):
    ingested = IngestFile.objects.create(
        token="t" * 32,
        run="r",
        path="x.ndjson",
        format="fhir-auditevent",
        dataset="events",
        started_at=timezone.now(),
    )
    target = make_user("target", "Staff")
    ApiToken.objects.create(user=target, name="t", prefix="hyg_x", token_hash="0" * 64)
    entry = audit.record(audit.Action.SYSTEM, summary="fixture")
    policy = target.groups.get().policy
    now = timezone.now()
    incident = Incident.objects.create(
        key="i" * 32, user_id="nurse1", first_event=now, last_event=now, severity="high"
    )
    Alert.objects.create(
        key="a" * 32,
        user_id="nurse1",
        patient_id="pt-1",
        detectors=["family"],
        score=80,
        severity="high",
        reasons=["r"],
        first_event=now,
        last_event=now,
        incident=incident,
    )
    case = workflow.open_case(None, incidents=[incident])
    attachment = workflow.attach(case, "note.txt", io.BytesIO(b"statement"), 9, "fixture")
    _, token = workflow.invite_reviewer(case, None, "Manager", "manager@example.org")
    tool = AITool(name="Ambient scribe")
    inventory.save(tool, "fixture")
    vendor = Vendor.objects.create(legal_name="Fixture Vendor")
    product = Product.objects.create(vendor=vendor, name="Pump")
    form = questionnaire.install_bundled()[0]
    assessment = assessments.create(vendor, form, now.date() + timedelta(days=20), product)
    portal_token = assessments.send(assessment, "vendor@example.org")
    evidence = assessments.attach(assessment, "", "soc2.txt", io.BytesIO(b"report"), 6, "fixture")
    finding = assessments.raise_finding(assessment, vendor, "No MFA", "high")
    action = assessments.plan_action(finding, "Enable MFA", "Vendor CISO", now.date())
    risk = Risk.objects.create(reference="R-0001", title="Ransomware")
    framework_assessment = FrameworkAssessment.objects.create(
        framework=Framework.objects.get(key="hhs-cpg"), title="CPG 2026"
    )
    goal = Requirement.objects.get(framework__key="hhs-cpg", ref="CPG-E3")
    policy = Policy.objects.create(reference="POL-001", title="Acceptable use")
    version = PolicyVersion.objects.create(
        policy=policy, version="1", text="Use systems for work.", status="approved"
    )
    ack_token = Acknowledgement.new_token()
    Acknowledgement.objects.create(
        campaign=AckCampaign.objects.create(version=version, due_on=now.date()),
        email="nurse@example.org",
        token_hash=Acknowledgement.digest(ack_token),
        expires_at=now + timedelta(days=30),
    )
    program_file = assess.attach(
        assess.record(framework_assessment, goal, status="partial"),
        "mfa.txt",
        io.BytesIO(b"MFA rollout plan"),
        16,
        "fixture",
    )
    breach = BreachReport.objects.create(
        vendor=vendor,
        entity_name="Fixture Vendor Inc",
        similarity=1.0,
        source_file="b.csv",
        source_line=2,
    )
    edition = survey_editions.create_edition(
        "matrix", "Matrix survey", now.year, now.date() + timedelta(days=30)
    )
    participant = survey_editions.register("Matrix Hospital", "it@matrix.example.org")
    respondent_token = survey_editions.invite(edition, participant)
    invitation = edition.invitations.get()
    return Fixture(
        kwargs={
            "core:token_revoke": {"token_id": ApiToken.objects.get().pk},
            "core:user_detail": {"user_id": target.pk},
            "core:user_edit": {"user_id": target.pk},
            "core:user_action": {"user_id": target.pk, "action": "unlock"},
            "core:role_policy": {"policy_id": policy.pk},
            "core:audit_detail": {"seq": entry.seq},
            "core:audit_export": {"fmt": "csv"},
            "privacy:patient_detail": {"patient_id": patients[0].id},
            "ingest:quarantine": {"token": ingested.token},
            "alerts:incident": {"incident_id": incident.pk},
            "alerts:open_case": {"incident_id": incident.pk},
            "cases:annual_log": {"year": now.year},
            "cases:detail": {"number": case.number},
            "cases:update": {"number": case.number},
            "cases:attach": {"number": case.number},
            "cases:download": {"number": case.number, "attachment_id": attachment.pk},
            "cases:assessment": {"number": case.number},
            "review:case": {"token": token},
            "reports:monthly": {"year": now.year, "month": now.month},
            "privacy:access_report": {"patient_id": patients[0].id},
            "ai:export": {"fmt": "csv"},
            "ai:detail": {"reference": tool.reference},
            "ai:edit": {"reference": tool.reference},
            "ai:documentation": {"reference": tool.reference},
            "ai:card": {"reference": tool.reference},
            "ai:decide": {"reference": tool.reference},
            "ai:assign_stage": {"reference": tool.reference},
            "ai:comment": {"reference": tool.reference},
            "ai:resubmit": {"reference": tool.reference},
            "ai:re_review": {"reference": tool.reference},
            "vendors:export": {"fmt": "csv"},
            "vendors:breach_review": {"report_id": breach.pk},
            "vendors:assessment": {"number": assessment.number},
            "vendors:assessment_action": {"number": assessment.number},
            "vendors:assessment_pdf": {"number": assessment.number},
            "vendors:file": {"file_id": evidence.pk},
            "vendors:product": {"product_id": product.pk},
            "vendors:sbom_upload": {"product_id": product.pk},
            "vendors:detail": {"vendor_id": vendor.pk},
            "vendors:edit": {"vendor_id": vendor.pk},
            "vendors:add": {"vendor_id": vendor.pk, "kind": "product"},
            "vendors:assess": {"vendor_id": vendor.pk},
            "vendors:accept": {"vendor_id": vendor.pk},
            "portal:home": {"token": portal_token},
            "program:framework": {"key": "nist-csf"},
            "program:assessment": {"pk": framework_assessment.pk},
            "program:assessment_item": {"pk": framework_assessment.pk, "requirement_id": goal.pk},
            "program:assessment_against": {"pk": framework_assessment.pk, "key": "nist-csf"},
            "program:evidence_file": {"file_id": program_file.pk},
            "program:policy": {"reference": "POL-001"},
            "program:budget_export": {"year": now.year},
            "program:policy_action": {"reference": "POL-001"},
            "ack:policy": {"token": ack_token},
            "program:risk": {"reference": risk.reference},
            "program:risk_edit": {"reference": risk.reference},
            "program:treatment_add": {"reference": risk.reference},
            "portal:upload": {"token": portal_token},
            "portal:action": {"token": portal_token, "action_id": action.pk},
            "survey:edition": {"key": "matrix"},
            "survey:invite": {"key": "matrix"},
            "survey:reinvite": {"key": "matrix", "invitation_id": invitation.pk},
            "survey:close": {"key": "matrix"},
            "survey:report": {"key": "matrix"},
            "survey:report_pdf": {"key": "matrix"},
            "survey:aggregates_csv": {"key": "matrix"},
            "respond:home": {"token": respondent_token},
            "respond:response_csv": {"token": respondent_token},
            "respond:benchmark_pdf": {"token": respondent_token},
        },
        patient_id=str(patients[0].id),
        incident_id=incident.pk,
        case_number=case.number,
        vendor_id=vendor.pk,
        assessment_id=framework_assessment.pk,
    )


@pytest.fixture
def people(make_user):
    """One user per role. Each request gets a fresh session: some requests sign out."""
    users = {role: make_user(role.lower().replace(" ", "_"), role) for role in ROLES}

    def clients():
        yield "anonymous", Client()
        for role, user in users.items():
            yield role, signed_in_client(user)

    return clients


def _allowed(expected: object, who: str) -> bool:
    if expected == PUBLIC:
        return True
    if who == "anonymous":
        return False
    return expected == SIGNED_IN or who in expected  # type: ignore[operator]


@pytest.fixture
def request_log(caplog):
    """What was logged since the last call (WARNING and above)."""
    caplog.set_level(logging.WARNING)

    def take() -> list[logging.LogRecord]:
        records = list(caplog.records)
        caplog.clear()
        return records

    return take


def _denial_logged_once(records: list[logging.LogRecord], who: str, label: str) -> str | None:
    """A denial is one WARNING line naming the user, the path and the missing permission,
    with no traceback and no second line of Django's."""
    lines = [r.getMessage() for r in records if r.name == "hygeia.access"]
    user = who.lower().replace(" ", "_")
    if len(lines) != 1 or f"user={user} " not in lines[0] or "permission=" not in lines[0]:
        return f"{label} as {who}: denial logged as {lines}, expected one line"
    if [r for r in records if r.exc_info or r.name == "django.request"]:
        return f"{label} as {who}: a traceback or a second line was logged for the denial"
    return None


def _check(
    response, who: str, allowed: bool, api_call: bool, label: str, log: list | None = None
) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{label} as {who}: server error {status}"
    if allowed:
        # A guard sends to sign-in with ?next=; the sign-in pages themselves redirect plainly.
        if status in (401, 403) or (
            status == 302 and "/login/?next=" in response.get("Location", "")
        ):
            return f"{label} as {who}: refused ({status}) but should be allowed"
        return None
    if who == "anonymous":
        sent_to_login = status == 302 and response["Location"].startswith("/login/?next=")
        if not (sent_to_login or (api_call and status == 401)):
            return f"{label} as anonymous: {status}, expected a sign-in redirect or 401"
        return None
    if status != 403:
        return f"{label} as {who}: {status}, expected 403"
    return None if log is None else _denial_logged_once(log, who, label)


def test_ui_matrix(people, world, request_log):
    from django.urls import reverse

    problems = []
    for name, (method, expected) in UI.items():
        checks = [(method, expected)]
        if name in UI_POSTS:
            checks.append(("POST", UI_POSTS[name]))
        for verb, who_may in checks:
            url = reverse(name, kwargs=world.kwargs.get(name))
            for who, client in people():
                request_log()
                response = client.post(url) if verb == "POST" else client.get(url)
                problem = _check(
                    response, who, _allowed(who_may, who), False, f"{verb} {url}", request_log()
                )
                if problem:
                    problems.append(problem)
    assert not problems, "\n".join(problems)


def test_api_matrix(people, world, request_log):
    problems = []
    for (method, template), expected in API.items():
        path = (
            template.replace("{patient_id}", world.patient_id)
            .replace("{incident_id}", str(world.incident_id))
            .replace("{number}", world.case_number)
            .replace("{vendor_id}", str(world.vendor_id))
            .replace("{assessment_id}", str(world.assessment_id))
            .replace("{edition}", "matrix")
        )
        if template == "/api/patients/{patient_id}/accesses":
            path += "?since=2025-01-01&until=2025-01-31"
        for who, client in people():
            request_log()
            if method == "POST":
                response = client.post(path, API_BODIES[template], content_type="application/json")
            else:
                response = client.get(path)
            label = f"{method} {path}"
            problem = _check(response, who, _allowed(expected, who), True, label, request_log())
            if problem:
                problems.append(problem)
    for path, expected in API_DOCS.items():
        for who, client in people():
            problem = _check(client.get(path), who, _allowed(expected, who), False, f"GET {path}")
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def test_api_token_authenticates_with_its_users_roles(make_user, world):
    import hashlib

    auditor = make_user("auditor1", AUDITOR)
    secret = "hyg_test-token-value"
    ApiToken.objects.create(
        user=auditor,
        name="siem",
        prefix=secret[:12],
        token_hash=hashlib.sha256(secret.encode()).hexdigest(),
    )
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/audit/entries", **headers).status_code == 200
    assert client.get("/api/users", **headers).status_code == 200
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    token = ApiToken.objects.get(name="siem")
    token.revoked_at = token.created_at
    token.save()
    assert client.get("/api/me", **headers).status_code == 401


ODD = {
    "page": "x",
    "year": "abc",
    "month": "13",
    "since": "not-a-date",
    "until": "2026-02-30",
    "q": "%' OR 1=1",  # a NUL is refused before any view (test_security): it would hide the rest
    "sort": "-nothing",
    "status": "???",
    "severity": "9",
    "score": "NaN",
    "format": "nope",
    "framework": "x",
    "amount": "1e999",
    "due_on": "31/31/2031",
    "id": "-1",
    # the record pickers of the forms
    "assignee": "x",
    "questionnaire": "x",
    "product": "1 OR 1",
    "finding": "x",
    "participant": "x",
    "risks": "x",
    "alert": "x",
}
# What a pasted document or a scanner puts into a search box or a text field.
LONG = {key: "é" * 100_000 for key in ("q", "name", "title")}


def test_no_page_fails_on_odd_input(people, world, request_log):
    """What a user can type into a URL or a form is never a server error, and is never
    logged with a traceback."""
    from django.urls import reverse

    problems = []
    for name, (_method, expected) in UI.items():
        url = reverse(name, kwargs=world.kwargs.get(name))
        for who, client in people():
            if who == "anonymous" or not _allowed(expected, who):
                continue
            client.raise_request_exception = False  # collect every failure, not the first
            for verb in ("GET", "POST"):
                for label, values in (("odd", ODD), ("long", LONG)):
                    request_log()
                    send = client.post if verb == "POST" else client.get
                    response = send(url, values)
                    logged = [r for r in request_log() if r.exc_info]
                    if response.status_code >= 500 or logged:
                        problems.append(f"{verb} {url} ({label}) as {who}: {response.status_code}")
            break  # one role that may use the page is enough
    assert not problems, "\n".join(problems)
