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
from hygeia.core.search import bounded
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
    for term in bounded(query).split()[:5]:
        found = found.filter(
            Q(mrn__iexact=term) | Q(family_name__istartswith=term) | Q(given_name__istartswith=term)
        )
    return found


# --- explicit reveal in the investigation workspace ---------------------------------------
# Alert, incident and case pages show patients masked, even to roles that may see
# identifiers: revealing them is a deliberate, audited step that lasts a few minutes.
REVEAL_KEY = "hygeia_reveal_until"
REVEAL_MINUTES = 10


def may_reveal(user: Any) -> bool:
    return has(user, "view_patient_identifiers")


def revealed(request: Any) -> bool:
    from django.utils import timezone

    until = request.session.get(REVEAL_KEY, 0)
    return may_reveal(request.user) and until > timezone.now().timestamp()


def start_reveal(request: Any, where: str) -> None:
    from django.utils import timezone

    if not may_reveal(request.user):
        return
    request.session[REVEAL_KEY] = timezone.now().timestamp() + REVEAL_MINUTES * 60
    audit.record(
        audit.Action.VIEW_PHI,
        object_type="privacy.reveal",
        summary=f"patient identifiers revealed for {REVEAL_MINUTES} minutes on {where}"[:500],
    )


def masked_patient(fhir_id: str) -> str:
    """How a patient is shown before anyone reveals identifiers: 'Patient ••••123'."""
    return "Patient " + mask_tail(fhir_id, 3)


def patient_labels(request: Any, fhir_ids: Iterable[str]) -> dict[str, str]:
    """How each patient (by FHIR id) is shown on this page: masked, or when revealed, the
    MRN and name from the patient directory."""
    ids = sorted({i for i in fhir_ids if i})
    if not revealed(request):
        return {i: masked_patient(i) for i in ids}
    known = {
        p.fhir_id: p
        for p in Patient.objects.filter(fhir_id__in=ids).only(
            "fhir_id", "mrn", "family_name", "given_name"
        )
    }
    return {
        i: (f"{known[i].mrn} · {known[i].family_name}, {known[i].given_name}" if i in known else i)
        for i in ids
    }


def patients_by_fhir_id(fhir_ids: Iterable[str]) -> dict[str, Patient]:
    ids = {i for i in fhir_ids if i}
    return {p.fhir_id: p for p in Patient.objects.filter(fhir_id__in=ids)}
