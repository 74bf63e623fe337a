"""Generic ingest machinery shared by every input format (readers, records, quarantine)."""
