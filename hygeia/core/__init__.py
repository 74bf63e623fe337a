"""Accounts, roles, MFA and SSO, Hygeia's own audit trail, and the UI shell."""
