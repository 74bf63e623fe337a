"""Investigations: cases opened from incidents, their workflow, evidence, outside reviewers,
dispositions and sanctions, and the HIPAA breach assessment inside a case."""
