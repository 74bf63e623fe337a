"""The PHI guard in the JSON API: scan a prompt, get findings (offsets, never the text) and,
on request, the masked text. Only counts by type are recorded."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from hygeia.ai import phi_guard, web
from hygeia.core import audit

router = Router(tags=["AI governance"])
MAX_CHARS = 100_000
POLICIES = ("mask", "block", "report")


class ScanIn(Schema):
    """`policy`: mask (the masked text comes back), block (nothing comes back; `allowed` is
    false when identifiers were found) or report (findings only). Default: the site's
    HYGEIA_PHI_GUARD_POLICY. `destination`: the AI tool's host or URL, so that the AI
    dashboard can show which services prompts with PHI were bound for."""

    text: str
    mask: bool = False
    policy: str = ""
    destination: str = ""  # the AI tool's host or URL the prompt is bound for, when known


class FindingOut(Schema):
    type: str
    start: int
    end: int
    confidence: float


class ScanOut(Schema):
    findings: list[FindingOut]
    counts: dict[str, int]
    policy: str
    allowed: bool
    masked: str | None = None


@router.post("/ai/scan", response=ScanOut, summary="Find PHI in a prompt (PHI guard)")
def scan(request: HttpRequest, body: ScanIn) -> dict[str, Any]:
    if len(body.text) > MAX_CHARS:
        raise HttpError(413, f"at most {MAX_CHARS:,} characters per scan")
    policy = body.policy or ("mask" if body.mask else settings.PHI_GUARD_POLICY)
    if policy not in POLICIES:
        raise HttpError(422, f"policy must be one of {', '.join(POLICIES)}")
    scanner = phi_guard.default_scanner()
    findings = scanner.scan(body.text)
    counts = phi_guard.summary(findings)
    audit.record(
        "system",
        object_type="ai.phi_scan",
        summary=f"PHI guard scan of {len(body.text)} characters: {sum(counts.values())} findings",
        details={"counts": counts, "policy": policy},
    )
    web.record_scan(
        getattr(request.user, "username", "") or "",
        body.destination,
        policy,
        counts,
        len(body.text),
    )
    return {
        "findings": [f.as_dict() for f in findings],
        "counts": counts,
        "policy": policy,
        "allowed": not (policy == "block" and findings),
        "masked": scanner.mask(body.text, findings) if policy == "mask" else None,
    }
