"""Paths are reduced before they are logged."""

from __future__ import annotations

import logging

import pytest

from hygeia.core.logsafe import RedactPathsFilter, redact_path


@pytest.mark.parametrize(
    "path, logged",
    [
        (
            "/patients/0b0c6a1e-0a61-4c37-9f59-1c1e4f7b7e1d/",
            "/patients/0b0c6a1e-0a61-4c37-9f59-1c1e4f7b7e1d/",
        ),
        ("/users/12/", "/users/12/"),
        ("/audit/", "/audit/"),
        ("/patients/MRN123456/", "/patients/…"),
        ("/Okafor%20Avery/details", "/…/…"),
        ("/patients/?q=MRN123456", "/patients/"),
        ("/users/12/jane-doe/", "/users/12/…/"),  # matches a route: only the value goes
        ("/users/12/jane.doe/", "/users/…"),  # matches none: only the first segment stays
        ("/", "/"),
    ],
)
def test_redact_path(path, logged):
    assert redact_path(path) == logged


def test_filter_rewrites_path_arguments():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        ("/patients/MRN123456/",),
        None,
    )
    RedactPathsFilter().filter(record)
    assert record.getMessage() == "Not Found: /patients/…"
