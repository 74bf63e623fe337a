"""Patients named by MRN (CSV exports, ATNA messages) linked to their FHIR Patient id."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

MRN_INDEX = pa.schema([("mrn", pa.string()), ("fhir_id", pa.string())])


def resolve_mrns(mrns: pa.Array, ctx: Any) -> pa.Array:
    """MRN -> 'Patient/<fhir id>' through the patient context; '' when not (yet) known. The
    count of those not found is noted in the report."""
    index = ctx.lookup_mrn() if ctx.lookup_mrn else MRN_INDEX.empty_table()
    positions = pc.index_in(mrns, index["mrn"].combine_chunks())
    refs = pc.binary_join_element_wise(
        "Patient/", pc.take(index["fhir_id"].combine_chunks(), positions), ""
    )
    unresolved = pc.and_(pc.is_null(refs), pc.not_equal(mrns, ""))
    missing = pc.sum(unresolved).as_py() or 0
    if missing:
        ctx.note("MRNs not found among ingested patients (kept as identifiers)", missing)
    return pc.fill_null(refs, "")


def fill_patient_refs(table: pa.Table, ctx: Any) -> pa.Table:
    """Rows with an identifier but no reference get the reference the MRN resolves to."""
    refs = table["patient_ref"].combine_chunks()
    identifiers = table["patient_identifier"].combine_chunks()
    missing = pc.and_(pc.equal(refs, ""), pc.not_equal(identifiers, ""))
    if not pc.any(missing).as_py():
        return table
    resolved = resolve_mrns(pc.if_else(missing, identifiers, ""), ctx)
    merged = pc.if_else(missing, resolved, refs)
    return table.set_column(table.schema.get_field_index("patient_ref"), "patient_ref", merged)
