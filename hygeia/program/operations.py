"""Evidence from operations: where Hygeia already knows the answer to a requirement, say so.
A requirement's `evidence` attribute (in the framework data file) names one of these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone


@dataclass(frozen=True)
class Evidence:
    summary: str
    link: str = ""


def vendor_coverage(today: date) -> Evidence:
    from hygeia.vendors.summary import assessment_coverage, baa_coverage

    baa = baa_coverage(today)
    assessed = assessment_coverage(today)
    if not baa["handling"] and not assessed["critical"]:
        return Evidence("No vendors recorded yet.", reverse("vendors:list"))
    return Evidence(
        f"BAA coverage {baa['covered']} of {baa['handling']} PHI-handling vendors"
        + (f" ({baa['share']}%)" if baa["share"] is not None else "")
        + f"; tier 1-2 vendors assessed on schedule: {assessed['current']} of "
        f"{assessed['critical']}.",
        reverse("vendors:dashboard"),
    )


def vendor_kev(today: date) -> Evidence:
    from hygeia.vendors.exposure import exposure

    rows = exposure()
    if not rows:
        return Evidence("No SBOMs attached to products yet.", reverse("vendors:exposure"))
    with_kev = [r for r in rows if r["kev"]]
    return Evidence(
        f"{len(with_kev)} of {len(rows)} products with an SBOM carry known-exploited "
        f"vulnerabilities (CISA KEV).",
        reverse("vendors:exposure"),
    )


def terminated_access(today: date) -> Evidence:
    """Accounts used after their owner's termination, as privacy monitoring found them in the
    access logs it has (whatever period they cover), and how many are still untriaged."""
    from hygeia.privacy.models import Alert

    alerts = Alert.objects.filter(detector_rows__detector="terminated_account")
    link = reverse("alerts:list") + "?detector=terminated_account"
    if not alerts.exists():
        return Evidence(
            "Privacy monitoring found no account used after its owner's termination.", link
        )
    accounts = alerts.values("user_id").distinct().count()
    untriaged = alerts.filter(status=Alert.Status.NEW).count()
    latest = alerts.order_by("-last_event").values_list("last_event", flat=True).first()
    return Evidence(
        f"Privacy monitoring found {accounts} account(s) used after their owner's termination "
        f"(latest {latest:%Y-%m-%d}); {untriaged} alert(s) not yet triaged.",
        link,
    )


def privacy_monitoring(today: date) -> Evidence:
    from hygeia.privacy.models import Alert, IngestFile

    last = (
        IngestFile.objects.filter(status=IngestFile.Status.COMMITTED)
        .order_by("-finished_at")
        .first()
    )
    if last is None:
        return Evidence("No EHR access logs ingested yet.", reverse("ingest:sources"))
    reviewed = Alert.objects.exclude(status=Alert.Status.NEW).count()
    return Evidence(
        f"EHR access logs reviewed by privacy monitoring; last ingest "
        f"{last.finished_at:%Y-%m-%d}; {reviewed} of {Alert.objects.count()} alerts triaged.",
        reverse("alerts:list"),
    )


def privacy_cases(today: date) -> Evidence:
    from hygeia.privacy.cases.models import Case

    total = Case.objects.count()
    open_cases = Case.objects.exclude(status="closed").count()
    return Evidence(
        f"{total} investigation case(s) recorded, {open_cases} open.", reverse("cases:list")
    )


def training(today: date) -> Evidence:
    from hygeia.program.education import completion

    done = completion(today)
    if not done["due"]:
        return Evidence("No training records imported yet.", reverse("program:education"))
    return Evidence(
        f"Training completed: {done['completed']} of {done['due']} due "
        f"({100 * done['rate']:.0f}%).",
        reverse("program:education"),
    )


def phishing(today: date) -> Evidence:
    from hygeia.program.education import rates_over_time

    campaigns = rates_over_time()
    if not campaigns:
        return Evidence("No phishing simulations imported yet.", reverse("program:education"))
    campaign, rates = campaigns[-1]
    if rates.click_rate is None or rates.report_rate is None:
        return Evidence(f"Latest phishing simulation ({campaign.name}) has no recipients.")
    return Evidence(
        f"Latest phishing simulation ({campaign.name}): {100 * rates.click_rate:.1f}% clicked, "
        f"{100 * rates.report_rate:.1f}% reported.",
        reverse("program:education"),
    )


def ai_inventory(today: date) -> Evidence:
    from hygeia.ai.models import APPROVED_STATES, AITool

    total = AITool.objects.count()
    approved = AITool.objects.filter(state__in=APPROVED_STATES).count()
    return Evidence(
        f"AI inventory: {total} entries, {approved} approved (outright, with conditions or "
        "restricted).",
        reverse("ai:tools"),
    )


def hygeia_mfa(today: date) -> Evidence:
    from hygeia.core.models import User

    active = User.objects.filter(is_active=True)
    enrolled = active.filter(totp__isnull=False).count()
    return Evidence(
        f"In Hygeia itself: {enrolled} of {active.count()} active accounts use MFA "
        "(or sign in through SSO).",
        reverse("core:users"),
    )


SOURCES: dict[str, Callable[[date], Evidence]] = {
    "vendor_coverage": vendor_coverage,
    "vendor_kev": vendor_kev,
    "terminated_access": terminated_access,
    "privacy_monitoring": privacy_monitoring,
    "privacy_cases": privacy_cases,
    "training": training,
    "phishing": phishing,
    "ai_inventory": ai_inventory,
    "hygeia_mfa": hygeia_mfa,
}


def evidence_for(key: str, today: date | None = None) -> Evidence | None:
    source = SOURCES.get(key)
    return source(today or timezone.localdate()) if source else None
