"""Hygeia: security governance for hospitals and health systems."""

__version__ = "0.1.0"
