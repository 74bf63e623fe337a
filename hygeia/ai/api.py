"""The PHI guard in the JSON API: scan a prompt, get findings (offsets, never the text) and,
on request, the masked text. Only counts by type are recorded."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from hygeia.ai import phi_guard
from hygeia.core import audit

router = Router(tags=["AI governance"])
MAX_CHARS = 100_000


class ScanIn(Schema):
    text: str
    mask: bool = False


class FindingOut(Schema):
    type: str
    start: int
    end: int
    confidence: float


class ScanOut(Schema):
    findings: list[FindingOut]
    counts: dict[str, int]
    masked: str | None = None


@router.post("/ai/scan", response=ScanOut, summary="Find PHI in a prompt (PHI guard)")
def scan(request: HttpRequest, body: ScanIn) -> dict[str, Any]:
    if len(body.text) > MAX_CHARS:
        raise HttpError(413, f"at most {MAX_CHARS:,} characters per scan")
    scanner = phi_guard.default_scanner()
    findings = scanner.scan(body.text)
    counts = phi_guard.summary(findings)
    audit.record(
        "system",
        object_type="ai.phi_scan",
        summary=f"PHI guard scan of {len(body.text)} characters: {sum(counts.values())} findings",
        details={"counts": counts},
    )
    return {
        "findings": [f.as_dict() for f in findings],
        "counts": counts,
        "masked": scanner.mask(body.text, findings) if body.mask else None,
    }
