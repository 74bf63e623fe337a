"""Importers of questionnaires answered outside Hygeia: a manufacturer's MDS2 form, a cloud
provider's CSA CAIQ v4 (the user supplies the file; no CSA content ships with Hygeia)."""
