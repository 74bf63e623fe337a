"""The audit trail records the client's address, not the proxy's, only for trusted proxies."""

from __future__ import annotations

from django.test import RequestFactory

from hygeia.core.clientip import client_ip


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_direct_connection(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("192.0.2.7", "203.0.113.9")) == "192.0.2.7"  # header ignored


def test_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1", "10.0.0.2"]
    # The client forged the first entry; the proxies appended the real one.
    request = _request("10.0.0.1", "198.51.100.66, 203.0.113.9, 10.0.0.2")
    assert client_ip(request) == "203.0.113.9"


def test_trusted_proxy_without_header(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("10.0.0.1")) == "10.0.0.1"
    assert client_ip(None) == ""
