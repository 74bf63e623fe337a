"""Lists a privacy office keeps about records, which detection reads at every run:

- restricted records, those the site restricts without a label on the record (an executive's,
  a board member's, a patient in the news): every access to them outside their care is
  raised in the restricted lane, as for records labelled restricted or VIP;
- test and training records, marked as such (always left out of detection) or as real
  (never taken for one), over what detection recognises from the data
  (`detection/practice_records.py`).

Every change is in the audit trail, with the patient as its reference.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from hygeia.core import audit
from hygeia.privacy.models import RestrictedRecord, TestRecord


def restricted_records() -> tuple[str, ...]:
    """Patient ids and MRNs on the restricted list, for detection."""
    return tuple(RestrictedRecord.objects.values_list("patient", flat=True))


def test_record_decisions() -> dict[str, str]:
    """Patient -> 'test' or 'real', for detection."""
    return dict(TestRecord.objects.values_list("patient", "decision"))


def _patient(value: str) -> str:
    patient = value.strip()
    if not patient or len(patient) > 64:
        raise ValueError("give the patient's FHIR id or MRN (at most 64 characters)")
    return patient


def _record(action: str, row: models.Model, summary: str, patient: str) -> None:
    audit.record(
        action,
        object_type=row._meta.label_lower,
        object_id=str(row.pk),
        summary=summary,
        patient_ref=patient,
    )


def add(patient: str, reason: str, who: str) -> tuple[RestrictedRecord, bool]:
    """Put a record on the restricted list (a second add changes nothing); returns it and
    whether it is new."""
    patient = _patient(patient)
    row, created = RestrictedRecord.objects.get_or_create(
        patient=patient, defaults={"reason": reason[:300], "added_by": who[:150]}
    )
    if created:
        _record(audit.Action.CREATE, row, "record added to the restricted list", patient)
    return row, created


def remove(patient: str) -> bool:
    """Take a record off the restricted list; False when it was not on it."""
    row = RestrictedRecord.objects.filter(patient=patient.strip()).first()
    if row is None:
        return False
    _record(audit.Action.DELETE, row, "record removed from the restricted list", row.patient)
    row.delete()
    return True


def decide_test_record(patient: str, decision: str, who: str) -> None:
    """Mark a record as a test record ('test'), as real ('real'), or release the mark ('')."""
    if decision not in ("test", "real", ""):
        raise ValueError(f"unknown decision {decision!r} (test, real, or empty to release)")
    patient = _patient(patient)
    row = TestRecord.objects.filter(patient=patient).first()
    if not decision:
        if row is not None:
            _record(audit.Action.DELETE, row, "test-record mark released", patient)
            row.delete()
        return
    row = row or TestRecord(patient=patient)
    row.decision, row.decided_by, row.decided_at = decision, who[:150], timezone.now()
    row.save()
    _record(audit.Action.UPDATE, row, f"record marked as {decision}", patient)
