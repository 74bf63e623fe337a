"""The policy library: versions approved by someone entitled to, acknowledgement campaigns
(an e-mailed link per person, tracked), exceptions that end, and the framework requirements
a policy answers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hygeia.core import notify, sequences
from hygeia.core.dates import add_months
from hygeia.core.permissions import has
from hygeia.program.models import (
    AckCampaign,
    Acknowledgement,
    Policy,
    PolicyException,
    PolicyVersion,
)

LINK_DAYS_AFTER_DUE = 30


class PolicyError(ValueError):
    pass


def next_reference() -> str:
    return sequences.next_reference(Policy.objects, "reference", "POL-", 3)


def add_version(policy: Policy, version: str, text: str) -> PolicyVersion:
    if not version.strip() or not text.strip():
        raise PolicyError("a version needs a number and its text")
    if policy.versions.filter(version=version.strip()).exists():
        raise PolicyError(f"version {version} exists already")
    return PolicyVersion.objects.create(policy=policy, version=version.strip()[:20], text=text)


def approve(version: PolicyVersion, approver: Any) -> None:
    """Approving a version retires the one it replaces and sets the next review date."""
    if not has(approver, "manage_program"):
        raise PolicyError("approving a policy needs the program manager's permission")
    if version.status != PolicyVersion.Status.DRAFT:
        raise PolicyError(f"version {version.version} is {version.get_status_display().lower()}")
    with transaction.atomic():
        version.policy.versions.filter(status=PolicyVersion.Status.APPROVED).update(
            status=PolicyVersion.Status.RETIRED
        )
        version.status = PolicyVersion.Status.APPROVED
        version.approved_by = approver
        version.approved_at = timezone.now()
        version.next_review_on = add_months(
            timezone.localdate(), version.policy.review_every_months
        )
        version.save()


def launch(version: PolicyVersion, emails: list[str], due_on: date) -> AckCampaign:
    """E-mail each person a link to read this version and acknowledge it."""
    if version.status != PolicyVersion.Status.APPROVED:
        raise PolicyError("only an approved version can be sent for acknowledgement")
    people = sorted({e.strip().lower() for e in emails if "@" in e})
    if not people:
        raise PolicyError("give at least one e-mail address")
    if due_on <= timezone.localdate():
        raise PolicyError("the due date must be in the future")
    campaign = AckCampaign.objects.create(version=version, due_on=due_on)
    expires = timezone.now() + timedelta(
        days=(due_on - timezone.localdate()).days + LINK_DAYS_AFTER_DUE
    )
    for email in people:
        _, token = Acknowledgement.issue(expires, campaign=campaign, email=email)
        notify.send_email(
            [email],
            f"Please read and acknowledge: {version.policy.title}",
            f"Please read {version.policy.reference} {version.policy.title} (version "
            f"{version.version}) and confirm you have read it, by {due_on:%Y-%m-%d}:\n\n"
            f"{notify.link(reverse('ack:policy', kwargs={'token': token}))}\n",
        )
    return campaign


def acknowledge(ack: Acknowledgement) -> None:
    if ack.acknowledged_at is None:
        ack.acknowledged_at = timezone.now()
        ack.save()


def progress(campaign: AckCampaign) -> dict[str, Any]:
    total = campaign.acks.count()
    done = campaign.acks.filter(acknowledged_at__isnull=False).count()
    return {"sent": total, "acknowledged": done, "rate": done / total if total else None}


def grant_exception(
    policy: Policy, approver: Any, scope: str, reason: str, expires_on: date
) -> PolicyException:
    if not has(approver, "manage_program"):
        raise PolicyError("granting an exception needs the program manager's permission")
    if not scope.strip() or not reason.strip():
        raise PolicyError("say who or what the exception covers, and why")
    if expires_on <= timezone.localdate():
        raise PolicyError("the exception must expire in the future")
    return PolicyException.objects.create(
        policy=policy, approver=approver, scope=scope.strip()[:300], reason=reason.strip(),
        expires_on=expires_on,
    )  # fmt: skip
