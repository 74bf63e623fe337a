"""A synthetic patient population for the demo and the tests. Every value is made up."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from hygeia.privacy.models import Patient

_NAMES = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "content" / "synthetic_names.yaml").read_text()
)
GIVEN: list[str] = _NAMES["given"]
FAMILY: list[str] = _NAMES["family"]
STREETS: list[str] = _NAMES["streets"]
CITIES: list[tuple[str, str, str]] = [tuple(c) for c in _NAMES["cities"]]  # type: ignore[misc]
LABELS: list[str] = _NAMES["labels"]


def patients(count: int, seed: int = 7) -> list[Patient]:
    """`count` synthetic patients, the same for the same seed."""
    from hygeia.privacy.models import Patient

    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    made = []
    for index in range(count):
        city, state, zip3 = rng.choice(CITIES)
        labels = [rng.choice(LABELS)] if rng.random() < 0.06 else []
        made.append(
            Patient(
                mrn=f"SYN{seed:02d}{index:06d}",
                family_name=rng.choice(FAMILY),
                given_name=rng.choice(GIVEN),
                birth_date=date(1935, 1, 1) + timedelta(days=rng.randrange(0, 32000)),
                sex=rng.choice(["female", "male", "other"]),
                address_line=f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}",
                city=city,
                state=state,
                postal_code=f"{zip3}{rng.randrange(0, 99):02d}",
                phone=f"555-01{rng.randrange(0, 99):02d}",
                security_labels=labels,
            )
        )
    return made


def populate(count: int, seed: int = 7) -> int:
    """Add the synthetic patients that are not there yet; returns how many were added."""
    from hygeia.privacy.models import Patient

    batch = patients(count, seed)
    existing = set(
        Patient.objects.filter(mrn__in=[p.mrn for p in batch]).values_list("mrn", flat=True)
    )
    fresh = [p for p in batch if p.mrn not in existing]
    Patient.objects.bulk_create(fresh, batch_size=500)
    return len(fresh)
