"""Keeps the patient directory (the `Patient` table the web pages search) in step with the
FHIR Patient files ingested into the analytics store.

Runs on the staged rows before they are committed, as an upsert keyed by MRN: repeating it
after a crash changes nothing, and a re-ingested file updates what changed.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from hygeia.privacy.ingest import register_after_stage
from hygeia.privacy.models import Patient

FIELDS = [
    "fhir_id",
    "family_name",
    "given_name",
    "birth_date",
    "sex",
    "address_line",
    "city",
    "state",
    "postal_code",
    "phone",
    "deceased",
    "security_labels",
]
BATCH = 2000


@register_after_stage("fhir-patient")
def sync_patients(staged: list[Path]) -> None:
    for path in staged:
        _sync(path)
    from hygeia.ai.phi_guard import forget_index

    forget_index()  # the PHI guard reads the new patients at its next scan


def _sync(staged: Path) -> None:
    for batch in pq.ParquetFile(staged).iter_batches(batch_size=BATCH, columns=["mrn", *FIELDS]):
        rows = {}
        for row in batch.to_pylist():
            mrn = row["mrn"] or f"FHIR:{row['fhir_id']}"
            rows[mrn] = Patient(
                mrn=mrn[:64],
                **{name: row[name] if row[name] is not None else _empty(name) for name in FIELDS},
            )
        Patient.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["mrn"],
            update_fields=FIELDS,
        )


def _empty(name: str) -> object:
    if name == "birth_date":
        return None
    if name == "security_labels":
        return []
    if name == "deceased":
        return False
    return ""
