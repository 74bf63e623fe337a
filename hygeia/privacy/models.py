"""The patient directory: who the audited records belong to.

Patients are referred to everywhere else in Hygeia (audit trail, URLs, logs) by `id`, an
opaque UUID, never by MRN or name.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField("MRN", max_length=64, unique=True)
    family_name = models.CharField(max_length=100)
    given_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=16, blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    security_labels = models.JSONField(
        default=list, blank=True, help_text="HL7 v3 confidentiality labels, e.g. CEL, EMP."
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["family_name", "given_name"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        # Deliberately not the name or MRN: __str__ ends up in logs and error reports.
        return f"Patient {self.id}"
