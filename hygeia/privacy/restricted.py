"""The site's own list of restricted records: those it restricts without a label on the record
(an executive's, a board member's, a patient in the news). Detection raises every access to
them outside their care in the restricted lane, as it does for records labelled restricted or
VIP. Adding and removing are in the audit trail; the entries name the list row, never the
patient, so that the trail itself does not become a list of the site's VIPs."""

from __future__ import annotations

from hygeia.core import audit
from hygeia.privacy.models import RestrictedRecord


def restricted_records() -> tuple[str, ...]:
    """Patient ids and MRNs on the list, for detection."""
    return tuple(RestrictedRecord.objects.values_list("patient", flat=True))


def add(patient: str, reason: str, who: str) -> tuple[RestrictedRecord, bool]:
    """Put a record on the list (a second add changes nothing); returns it and whether it is
    new."""
    patient = patient.strip()
    if not patient or len(patient) > 64:
        raise ValueError("give the patient's FHIR id or MRN (at most 64 characters)")
    row, created = RestrictedRecord.objects.get_or_create(
        patient=patient, defaults={"reason": reason[:300], "added_by": who[:150]}
    )
    if created:
        audit.record(
            audit.Action.CREATE,
            object_type="privacy.restrictedrecord",
            object_id=str(row.pk),
            summary="record added to the restricted list",
            patient_ref=patient,
        )
    return row, created


def remove(patient: str) -> bool:
    row = RestrictedRecord.objects.filter(patient=patient.strip()).first()
    if row is None:
        return False
    audit.record(
        audit.Action.DELETE,
        object_type="privacy.restrictedrecord",
        object_id=str(row.pk),
        summary="record removed from the restricted list",
        patient_ref=row.patient,
    )
    row.delete()
    return True
