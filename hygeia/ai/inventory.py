"""Keeping the inventory: every save computes the risk tier and re-review date and records
what changed (values before and after); CSV and JSON import and export.

Import rules: a row whose `reference` exists updates that entry; a row without one creates a
new entry. Unknown columns are refused (named), so a typo never loses a field silently;
rows with errors are reported by line and nothing of that file is saved.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from hygeia.ai import content
from hygeia.ai.models import APPROVED_STATES, HISTORY_FIELDS, AITool, AIToolChange, snapshot
from hygeia.core import sequences

EXPORT_FIELDS = (
    "reference", "name", "kind", "vendor", "version", "owner_name", "department", "state",
    "intended_use", "intended_users", "patient_population", "data_inputs", "output_type",
    "human_oversight", "third_party_dependencies", "regulatory_exposure", "phi_use",
    "decision_role", "clinical_risk_level", "patient_facing", "generative", "predictive",
    "dsi_type", "risk_tier", "risk_tier_override", "risk_tier_reason", "genai_risks",
    "next_review_on", "conditions", "decision_rationale", "baa_in_place",
    "vendor_trains_on_data", "data_retention", "subprocessors", "domains",
)  # fmt: skip
# What people edit in the form (the rest is kept by Hygeia or edited its own way).
EDITABLE_FIELDS = tuple(
    f for f in EXPORT_FIELDS if f not in ("reference", "risk_tier", "genai_risks", "domains")
)
LIST_FIELDS = ("genai_risks", "domains")
BOOL_FIELDS = ("patient_facing", "generative", "predictive")
CHOICE_FIELDS = {
    "kind": AITool.Kind,
    "state": AITool.State,
    "phi_use": AITool.PhiUse,
    "decision_role": AITool.DecisionRole,
    "clinical_risk_level": AITool.ClinicalRisk,
    "dsi_type": AITool.DsiType,
    "baa_in_place": AITool.YesNo,
    "vendor_trains_on_data": AITool.YesNo,
}


def next_reference() -> str:
    return sequences.next_reference(AITool.objects, "reference", "AI-", 4)


def refresh_risk(tool: AITool, today: date | None = None) -> None:
    """The tier from the risk model (unless overridden); a re-review date once approved."""
    model = content.risk()
    tool.risk_tier = model.tier_for(tool.risk_answers()).tier
    if tool.state in APPROVED_STATES and tool.next_review_on is None:
        months = model.review_months(tool.effective_tier)
        tool.next_review_on = (today or timezone.localdate()) + timedelta(days=30 * months)


@transaction.atomic
def save(tool: AITool, actor: str, summary: str = "") -> AIToolChange | None:
    """Save with the tier refreshed and the change recorded (None when nothing changed)."""
    before = {}
    if tool.pk:
        stored = AITool.objects.filter(pk=tool.pk).first()
        before = snapshot(stored) if stored else {}
    else:
        tool.reference = tool.reference or next_reference()
    refresh_risk(tool)
    after = snapshot(tool)
    changed = {k for k in after if before.get(k) != after[k]} if before else set(after)
    if before and not changed:
        return None
    tool.updated_at = timezone.now()
    tool.save()
    return AIToolChange.objects.create(
        tool=tool,
        actor=actor[:150],
        summary=(summary or ("created" if not before else "changed " + ", ".join(sorted(changed))))[
            :300
        ],
        before={k: before.get(k) for k in sorted(changed)} if before else {},
        after={k: after[k] for k in sorted(changed)},
    )


# --- export ------------------------------------------------------------------------------


def _row(tool: AITool) -> dict[str, Any]:
    return {name: getattr(tool, name) for name in EXPORT_FIELDS}


def export_json(tools: Iterable[AITool]) -> str:
    rows = []
    for tool in tools:
        row = _row(tool)
        row["next_review_on"] = tool.next_review_on.isoformat() if tool.next_review_on else None
        row["hti1"] = tool.hti1
        row["checklist"] = tool.checklist
        rows.append(row)
    return json.dumps({"format": "hygeia-ai-inventory", "version": 1, "tools": rows}, indent=2)


def export_csv(tools: Iterable[AITool]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for tool in tools:
        row = _row(tool)
        for name in LIST_FIELDS:
            row[name] = "; ".join(row[name] or [])
        for name in BOOL_FIELDS:
            row[name] = "yes" if row[name] else "no"
        row["next_review_on"] = tool.next_review_on.isoformat() if tool.next_review_on else ""
        writer.writerow(row)
    return out.getvalue()


# --- import ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _value(name: str, raw: Any, where: str, errors: list[str]) -> Any:
    if name in LIST_FIELDS:
        if isinstance(raw, list):
            return [str(v).strip() for v in raw if str(v).strip()]
        return [v.strip() for v in str(raw or "").replace(",", ";").split(";") if v.strip()]
    if name in BOOL_FIELDS:
        text = str(raw).strip().lower()
        if text in ("yes", "true", "1", "y"):
            return True
        if text in ("no", "false", "0", "n", "", "none"):
            return False
        errors.append(f"{where}: {name} {raw!r} is not yes/no")
        return False
    if name == "next_review_on":
        if raw in (None, ""):
            return None
        try:
            return date.fromisoformat(str(raw).strip())
        except ValueError:
            errors.append(f"{where}: next_review_on {raw!r} is not a date (YYYY-MM-DD)")
            return None
    text = "" if raw is None else str(raw).strip()
    choices = CHOICE_FIELDS.get(name)
    if choices is not None and text not in choices.values:
        by_label = {str(label).lower(): value for value, label in choices.choices}
        if text.lower() in by_label:
            return by_label[text.lower()]
        errors.append(f"{where}: {name} {text!r} is not one of {', '.join(choices.values)}")
    return text


def _rows(name: str, data: bytes) -> list[tuple[str, dict[str, Any]]]:
    text = data.decode("utf-8-sig")
    if name.lower().endswith(".json"):
        parsed = json.loads(text)
        items = parsed.get("tools") if isinstance(parsed, dict) else parsed
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ValueError(f"{name}: expected a list of tools (or {{'tools': [...]}})")
        return [(f"{name}: tool {n}", item) for n, item in enumerate(items, start=1)]
    reader = csv.DictReader(io.StringIO(text))
    try:
        return [(f"{name}: line {reader.line_num}", dict(row)) for row in reader]
    except csv.Error as exc:  # e.g. a field past the reader's size limit
        raise ValueError(f"{name}: line {reader.line_num + 1}: {exc}") from exc


@transaction.atomic
def import_file(name: str, data: bytes, actor: str) -> ImportReport:
    """Import a CSV or JSON inventory; all rows or none."""
    report = ImportReport()
    try:
        rows = _rows(name, data)
    except (ValueError, UnicodeDecodeError) as exc:
        report.errors.append(str(exc) if name in str(exc) else f"{name}: {exc}")
        return report
    allowed = set(EXPORT_FIELDS) | {"hti1", "checklist"}
    pending: list[tuple[AITool, str]] = []
    for where, row in rows:
        unknown = sorted(k for k in row if k not in allowed and k is not None)
        if None in row:
            report.errors.append(f"{where}: more values than columns")
        if unknown:
            report.errors.append(f"{where}: unknown column(s) {', '.join(unknown)}")
            continue
        reference = str(row.get("reference") or "").strip()
        tool = AITool.objects.filter(reference=reference).first() if reference else None
        if reference and tool is None:
            report.errors.append(f"{where}: no inventory entry {reference!r} to update")
            continue
        tool = tool or AITool()
        if not str(row.get("name") or tool.name).strip():
            report.errors.append(f"{where}: name is required")
            continue
        for key, raw in row.items():
            if key in ("reference", "risk_tier"):
                continue  # kept by Hygeia
            if key in ("hti1", "checklist"):
                if not isinstance(raw, dict):
                    report.errors.append(f"{where}: {key} must be an object")
                    continue
                setattr(tool, key, raw)
                continue
            setattr(tool, key, _value(key, raw, where, report.errors))
        pending.append((tool, "created" if tool.pk is None else "updated"))
    if report.errors:
        transaction.set_rollback(True)
        return report
    for tool, kind in pending:
        change = save(tool, actor, f"{kind} by import of {name}"[:300])
        if change is None:
            report.unchanged += 1
        elif kind == "created":
            report.created += 1
        else:
            report.updated += 1
    return report


def history_fields() -> tuple[str, ...]:
    return HISTORY_FIELDS
