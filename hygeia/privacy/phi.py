"""How patient-identifying data is shown and recorded.

Roles without `view_patient_identifiers` see masked values; every display of patient data,
masked or not, is recorded in the audit trail by the patient's opaque id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from hygeia.core import audit
from hygeia.core.permissions import has
from hygeia.privacy.models import Patient

MASK = "•"


def mask_tail(value: str, keep: int = 4) -> str:
    """'MRN0012345' -> '••••••2345'."""
    if not value:
        return ""
    visible = value[len(value) - keep :] if 0 < keep < len(value) else ""
    return MASK * (len(value) - len(visible)) + visible


def initial(value: str) -> str:
    return f"{value[:1]}." if value else ""


@dataclass(frozen=True)
class PatientView:
    """What one viewer may see of one patient."""

    id: str
    mrn: str
    name: str
    birth: str
    address: str
    phone: str
    labels: list[str]
    masked: bool


def present(patient: Patient, user: Any) -> PatientView:
    full = has(user, "view_patient_identifiers")
    if full:
        address = ", ".join(
            p for p in (patient.address_line, patient.city, patient.state, patient.postal_code) if p
        )
        return PatientView(
            id=str(patient.id),
            mrn=patient.mrn,
            name=f"{patient.family_name}, {patient.given_name}",
            birth=patient.birth_date.isoformat() if patient.birth_date else "",
            address=address,
            phone=patient.phone,
            labels=list(patient.security_labels),
            masked=False,
        )
    return PatientView(
        id=str(patient.id),
        mrn=mask_tail(patient.mrn),
        name=f"{initial(patient.family_name)} {initial(patient.given_name)}".strip(),
        birth=str(patient.birth_date.year) if patient.birth_date else "",
        address=patient.state,
        phone=mask_tail(patient.phone, 0),
        labels=list(patient.security_labels),
        masked=True,
    )


def record_view(user: Any, patients: Iterable[Patient], purpose: str) -> None:
    """One audit entry for a display of one patient (PatientRead) or of a list (query)."""
    ids = [str(p.id) for p in patients]
    if not ids:
        return
    masked = not has(user, "view_patient_identifiers")
    shown = "masked" if masked else "full identifiers"
    if len(ids) == 1:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.patient",
            object_id=ids[0],
            patient_ref=ids[0],
            summary=f"{purpose} ({shown})",
            details={"masked": masked},
        )
    else:
        audit.record(
            audit.Action.VIEW_PHI,
            object_type="privacy.patient",
            summary=f"{purpose}: {len(ids)} patients ({shown})",
            details={"patients": ids, "masked": masked},
        )


def find_patients(query: str) -> QuerySet[Patient]:
    """Every word must match an MRN exactly or the start of a family or given name."""
    found = Patient.objects.all()
    for term in query.split()[:5]:
        found = found.filter(
            Q(mrn__iexact=term) | Q(family_name__istartswith=term) | Q(given_name__istartswith=term)
        )
    return found
