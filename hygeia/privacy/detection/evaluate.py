"""How good the alerts are, against a ground-truth list of inappropriate accesses.

The truth is a CSV with `user_id, patient_id, category` (extra columns ignored; an empty
patient_id means behaviour of the user as a whole). How each figure is computed:

- recall per category: the share of truth rows an alert finds. A row naming a patient is
  found by an alert on that user and that patient, or by a user-level alert on that user
  that names the patient among its records (the browsed, exported or odd-hour ones, those a
  dead account opened, flagged records folded into it); a user-level row by any alert on
  the user. A truth file may thus list a browsing user as one row or as one row per record.
- precision: the share of alerts that find at least one truth row (same rules).
- average precision: alerts ranked by score (highest first); the mean, over the alerts that
  are correct, of the precision among the alerts ranked at or above them.
- alerts per 1,000 users per day: alerts / (users active in the period / 1,000) / days.
- explained share: accesses to patient records in the period that an explanation covers.
- by lane: the same precision, average precision and volume for the budgeted queue and for
  each lane reviewed in full (restricted records), since the two are different work: the
  queue is ranked and cut, a lane is read through.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED = ("user_id", "patient_id", "category")


class TruthError(ValueError):
    """A ground-truth file that cannot be used; the message names file and line."""


@dataclass(frozen=True)
class Truth:
    user_id: str
    patient_id: str
    category: str


@dataclass(frozen=True)
class Judged:
    """What evaluation needs of an alert."""

    user_id: str
    patient_id: str
    score: float
    patients: frozenset[str] = frozenset()  # the records a user-level alert names
    lane: str = ""  # '' for the budgeted queue


def read_truth(path: Path) -> list[Truth]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise TruthError(f"{path}: cannot be read ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise TruthError(f"{path}, line 1: the header lacks {', '.join(missing)}")
        rows: list[Truth] = []
        try:
            for row in reader:
                user = (row.get("user_id") or "").strip().lower()
                category = (row.get("category") or "").strip()
                if not user or not category:
                    raise TruthError(
                        f"{path}, line {reader.line_num}: user_id and category are required"
                    )
                rows.append(Truth(user, (row.get("patient_id") or "").strip(), category))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise TruthError(f"{path}, line {reader.line_num}: {exc}") from exc
    return rows


def evaluate(
    truth: list[Truth],
    alerts: list[Judged],
    users: int,
    days: int,
    explained_share: float,
) -> dict[str, Any]:
    by_user: dict[str, list[Truth]] = defaultdict(list)
    for row in truth:
        by_user[row.user_id].append(row)
    alerted_pairs = {(a.user_id, a.patient_id) for a in alerts}
    alerted_pairs |= {(a.user_id, p) for a in alerts if not a.patient_id for p in a.patients}
    alerted_users = {a.user_id for a in alerts}

    def found(row: Truth) -> bool:
        if row.patient_id:
            return (row.user_id, row.patient_id) in alerted_pairs
        return row.user_id in alerted_users

    def correct(alert: Judged) -> bool:
        return any(
            not row.patient_id
            or row.patient_id == alert.patient_id
            or (not alert.patient_id and row.patient_id in alert.patients)
            for row in by_user.get(alert.user_id, [])
        )

    per_category: dict[str, list[bool]] = defaultdict(list)
    for row in truth:
        per_category[row.category].append(found(row))

    def per_day(count: int) -> float:
        return round(count / (users / 1000) / days, 3) if users and days else 0.0

    def ranked_figures(judged: list[Judged]) -> dict[str, Any]:
        ranked = sorted(judged, key=lambda a: (-a.score, a.user_id, a.patient_id))
        hits = 0
        precisions: list[float] = []
        for rank, alert in enumerate(ranked, start=1):
            if correct(alert):
                hits += 1
                precisions.append(hits / rank)
        return {
            "alerts": len(judged),
            "precision": round(hits / len(judged), 4) if judged else 0.0,
            "average_precision": (
                round(sum(precisions) / len(precisions), 4) if precisions else 0.0
            ),
            "alerts_per_1000_users_per_day": per_day(len(judged)),
        }

    overall = ranked_figures(alerts)
    lanes = {
        lane: ranked_figures([a for a in alerts if a.lane == lane])
        for lane in sorted({"", *(a.lane for a in alerts)})
    }
    return {
        "recall_by_category": {
            category: round(sum(flags) / len(flags), 4)
            for category, flags in sorted(per_category.items())
        },
        "truth_by_category": {c: len(f) for c, f in sorted(per_category.items())},
        "recall": round(sum(found(r) for r in truth) / len(truth), 4) if truth else 0.0,
        "precision": overall["precision"],
        "average_precision": overall["average_precision"],
        "alerts": len(alerts),
        "users": users,
        "days": days,
        "alerts_per_1000_users_per_day": overall["alerts_per_1000_users_per_day"],
        "explained_share": explained_share,
        "by_lane": {lane or "queue": figures for lane, figures in lanes.items()},
    }
