"""What reviewers and the data teach detection, proposed for a person to accept:

- weights refitted from dispositions: a detector whose alerts reviewers keep calling false
  positives scores lower, one they confirm scores higher (a smoothed precision, blended with
  the configured weight while there are few reviews);
- explanation rules from false positives: when reviewers dismiss alerts on users of one job
  again and again, a duty for that job is proposed;
- explanation templates mined from the data (explanation-based auditing): unexplained
  accesses that follow a pattern many users share - staff of one job opening patients
  treated by one department around their visit - are proposed as duties.

Proposals are YAML for the detection configuration; only weights can be applied directly
(`hygeia privacy tune --apply`), since they change scores, not what counts as legitimate.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from hygeia.privacy.detection.config import Config
from hygeia.privacy.detection.detectors import DETECTORS
from hygeia.privacy.detection.engines import Engine

PRIOR_REVIEWS = 5  # the configured weight counts as this many reviews
MIN_FALSE_POSITIVES = 3
WINDOW_DAYS = 7


@dataclass(frozen=True)
class Refit:
    detector: str
    weight: float
    new_weight: float
    reviewed: int
    confirmed: int


def refit_weights(config: Config, reviews: list[tuple[list[str], bool]]) -> list[Refit]:
    """`reviews`: (detectors of an alert, True when confirmed) for every reviewed alert."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for detectors, is_confirmed in reviews:
        for detector in detectors:
            counts[detector][0] += 1
            counts[detector][1] += int(is_confirmed)
    out = []
    for detector in DETECTORS:
        reviewed, confirmed = counts.get(detector, [0, 0])
        weight = config.option(detector, "weight", 0.5)
        if not reviewed:
            continue
        precision = (confirmed + 1) / (reviewed + 2)
        blended = (reviewed * precision + PRIOR_REVIEWS * weight) / (reviewed + PRIOR_REVIEWS)
        new = round(min(0.99, max(0.05, blended)), 3)
        out.append(Refit(detector, weight, new, reviewed, confirmed))
    return out


def weights_path(data_dir: Path) -> Path:
    return data_dir / "detection" / "weights.yaml"


def save_weights(path: Path, refits: list[Refit]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    document = {
        "# written by": "hygeia privacy tune --apply (weights refitted from dispositions)",
        "weights": {r.detector: r.new_weight for r in refits},
    }
    path.write_text(yaml.safe_dump(document, sort_keys=True), encoding="utf-8")


def with_weights(config: Config, path: Path) -> Config:
    """The configuration with refitted weights applied on top, when there are any."""
    if not path.exists():
        return config
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    weights = data.get("weights") or {}
    detectors = {name: dict(options) for name, options in config.detectors.items()}
    for name, weight in weights.items():
        if name in DETECTORS:
            detectors.setdefault(name, {})["weight"] = float(weight)
    return Config(
        config.path, config.windows, config.duties, config.labels, detectors, config.severity
    )


def _literal(text: str) -> str:
    """A regular expression matching `text` exactly, readable by Python and by RE2 (which
    refuses some of the escapes re.escape writes, such as an escaped space)."""
    return "^" + re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text) + "$"


def _duty(name: str, job: str, why: str, treating: str = "") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "title": f"work of {job.lower()} staff ({why})",
        "departments": "(?!)",
        "job_titles": _literal(job),
        "window": "during_stay",
        "before_hours": WINDOW_DAYS * 24,
        "after_hours": WINDOW_DAYS * 24,
    }
    if treating:
        spec["treating_departments"] = _literal(treating)
    return {name: spec}


def rules_from_false_positives(
    dismissed: list[tuple[str, list[str]]], staff_path: Path
) -> list[dict[str, Any]]:
    """`dismissed`: (login, detectors) of alerts reviewed as false positives. A job whose
    members' alerts were dismissed at least three times, for at least two people, becomes a
    proposed duty."""
    if not dismissed or not staff_path.exists():
        return []
    staff = pq.read_table(staff_path, columns=["user_id", "job_title"]).to_pylist()
    job_of = {row["user_id"]: row["job_title"] for row in staff}
    by_job: dict[str, list[str]] = defaultdict(list)
    for user, _ in dismissed:
        if job_of.get(user):
            by_job[job_of[user]].append(user)
    proposals = []
    for job, users in sorted(by_job.items()):
        if len(users) >= MIN_FALSE_POSITIVES and len(set(users)) >= 2:
            slug = re.sub(r"[^a-z0-9]+", "_", job.lower()).strip("_")
            proposals.append(
                _duty(f"reviewed_{slug}", job, f"{len(users)} alerts dismissed by reviewers")
            )
    return proposals


MINE_SQL = """
WITH loose AS (
    SELECT a.user_id, a.patient_id, a.t FROM access a
    WHERE a.explained = 0 AND a.in_period = 1 AND a.patient_id <> ''
), near AS (
    SELECT l.user_id, l.patient_id, r.who AS department
    FROM loose l
    JOIN (SELECT DISTINCT kind, who, patient_id, t0, t1 FROM relations) r
      ON r.kind = 'department' AND r.patient_id = l.patient_id
     AND l.t BETWEEN r.t0 - {window} AND r.t1 + {window}
)
SELECT s.job_title, n.department, count(*) AS accesses,
       count(DISTINCT n.user_id) AS users, count(DISTINCT n.patient_id) AS patients
FROM near n JOIN staff s ON s.user_id = n.user_id
WHERE s.job_title <> ''
GROUP BY s.job_title, n.department
HAVING count(DISTINCT n.user_id) >= {min_users} AND count(DISTINCT n.patient_id) >= {min_patients}
ORDER BY count(*) DESC
"""


def mine(engine: Engine, min_users: int = 3, min_patients: int = 10) -> list[dict[str, Any]]:
    """Frequent (job -> treating department) patterns among unexplained accesses, run on the
    `access`, `relations` and `staff` views of a detection run."""
    query = MINE_SQL.format(
        window=WINDOW_DAYS * 86400, min_users=min_users, min_patients=min_patients
    )
    return engine.query(query).to_pylist()


def templates(patterns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    proposals = []
    for pattern in patterns:
        job, department = pattern["job_title"], pattern["department"]
        slug = re.sub(r"[^a-z0-9]+", "_", f"{job} {department}".lower()).strip("_")
        why = (
            f"{pattern['accesses']} unexplained accesses by {pattern['users']} users to "
            f"{pattern['patients']} patients treated by {department} within "
            f"{WINDOW_DAYS} days"
        )
        proposals.append(_duty(f"mined_{slug}", job, why, treating=department))
    return proposals
