"""The review of learned explanations: what each detection run mined is kept in the database
(`ExplanationTemplate`) with its figures, and a person pins or rejects it. Detection reads the
decisions back at its next run (`decisions`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from hygeia.core import audit
from hygeia.privacy.detection import mining
from hygeia.privacy.detection.config import Config
from hygeia.privacy.detection.template_key import Key, key_of
from hygeia.privacy.models import DetectionRun, ExplanationTemplate


def decisions() -> dict[Key, str]:
    """Template key -> pinned or rejected, for detection."""
    return {
        t.key: t.decision
        for t in ExplanationTemplate.objects.exclude(decision="").only(
            "role_group", "kind", "relation", "scope", "bin", "decision"
        )
    }


@transaction.atomic
def remember(run: DetectionRun, path: Path, config: Config) -> int:
    """Store the templates a run used (priors aside), with their figures; those it did not
    use are marked as absent from the latest run. Returns how many were stored."""
    if not path.exists():
        return 0
    rows = [r for r in pq.read_table(path).to_pylist() if r["status"] != "prior"]
    seen = set()
    for row in rows:
        key = key_of(row)
        seen.add(key)
        ExplanationTemplate.objects.update_or_create(
            role_group=key[0], kind=key[1], relation=key[2], scope=key[3], bin=key[4],
            defaults={
                "events": row["events"], "group_events": row["group_events"],
                "users": row["users"], "lift": row["lift"], "rank": row["rank"],
                "description": mining.describe(row, config.mining.bin_edges_hours)[:500],
                "in_latest_run": True, "last_run": run,
            },
        )  # fmt: skip
    stale = [t.pk for t in ExplanationTemplate.objects.all() if t.key not in seen]
    ExplanationTemplate.objects.filter(pk__in=stale).update(in_latest_run=False)
    return len(rows)


def decide(template: ExplanationTemplate, decision: str, who: str) -> None:
    """Pin, reject or release (decision '') one template, in the audit trail."""
    if decision not in ExplanationTemplate.Decision.values:
        raise ValueError(f"unknown decision {decision!r} (pinned, rejected, or empty)")
    previous = template.decision
    template.decision = decision
    template.decided_by = who if decision else ""
    template.decided_at = timezone.now() if decision else None
    template.save(update_fields=["decision", "decided_by", "decided_at"])
    audit.record(
        audit.Action.UPDATE,
        object_type="privacy.explanationtemplate",
        object_id=str(template.pk),
        summary=f"explanation template {decision or 'released'}: {template}"[:300],
        details={"from": previous, "to": decision},
    )


def rows(include_absent: bool = True) -> list[dict[str, Any]]:
    """Every reviewed or learned template, for the page and the CLI."""
    found = ExplanationTemplate.objects.all()
    if not include_absent:
        found = found.filter(in_latest_run=True)
    return [
        {
            "id": t.pk, "role_group": t.role_group, "kind": t.kind, "relation": t.relation,
            "scope": t.scope, "bin": t.bin, "description": t.description,
            "share": round(t.share, 4), "lift": t.lift, "users": t.users, "rank": t.rank,
            "decision": t.decision, "in_latest_run": t.in_latest_run,
        }
        for t in found
    ]  # fmt: skip
