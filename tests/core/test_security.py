"""Secure defaults visible from outside: headers, cookies, error pages, health endpoint."""

from __future__ import annotations

import logging
import re

import pytest
from django.test import Client

from hygeia.core.middleware import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD, signed_in_client

pytestmark = pytest.mark.django_db


def test_security_headers_on_every_page(make_user):
    for response in (Client().get("/login/"), signed_in_client(make_user("s", "Staff")).get("/")):
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_pages_have_no_inline_script_or_style(make_user):
    client = signed_in_client(make_user("adm", "Administrator"))
    for path in ("/", "/account/", "/users/", "/roles/", "/audit/", "/account/mfa/enrol/"):
        html = client.get(path).content.decode()
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path


def test_signed_in_pages_are_not_cached(make_user):
    response = signed_in_client(make_user("s", "Staff")).get("/")
    assert "no-store" in response["Cache-Control"]


def test_session_and_csrf_cookies_are_httponly(make_user):
    make_user("s", "Staff")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/login/")
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    token = page.context["csrf_token"]
    response = client.post(
        "/login/", {"username": "s", "password": PASSWORD, "csrfmiddlewaretoken": str(token)}
    )
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_forms_without_csrf_token_are_refused(make_user):
    make_user("s", "Staff")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "s", "password": PASSWORD}).status_code == 403


def test_error_pages_say_nothing_of_the_internals(make_user, settings):
    assert settings.DEBUG is False
    client = signed_in_client(make_user("s", "Staff"))
    page = client.get("/no/such/page/")
    assert page.status_code == 404 and b"Traceback" not in page.content
    assert b"no/such/page" not in page.content
    denied = client.get("/audit/")
    assert denied.status_code == 403 and b"Not allowed" in denied.content


def test_server_error_page_is_generic(make_user, monkeypatch, caplog):
    from hygeia.core import mfa

    def boom(user):
        raise RuntimeError("secret detail SYN0000001")

    client = signed_in_client(make_user("s", "Staff"))
    client.raise_request_exception = False
    monkeypatch.setattr(mfa, "confirmed_device", boom)
    response = client.get("/")
    assert response.status_code == 500
    assert b"secret detail" not in response.content and b"Something went wrong" in response.content
    # logged once for the operator, under the reference the page shows, without the message
    reference = re.search(rb"reference ([0-9A-F]{8})", response.content).group(1).decode()
    [logged] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"unexpected error {reference} in GET /: RuntimeError" in logged.getMessage()
    assert "hygeia/core/views.py" in logged.getMessage() and logged.exc_info is None
    assert "SYN0000001" not in caplog.text and "Traceback" not in caplog.text


def test_healthz_checks_the_database():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_reports_an_unreachable_database(monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"


def test_api_docs_need_sign_in_and_serve_openapi(make_user):
    assert Client().get("/api/docs")["Location"].startswith("/login/")
    client = signed_in_client(make_user("s", "Staff"))
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Hygeia API" and "/api/audit/entries" in schema["paths"]


def test_posted_ids_take_numbers_only():
    from django.http import QueryDict

    from hygeia.core.forms import posted_id, posted_ids

    data = QueryDict("a=12&b=x&c=&d=1%20OR%201&many=3&many=y&many=4")
    assert [posted_id(data, k) for k in "abcde"] == [12, 0, 0, 0, 0]
    assert posted_ids(data, "many") == [3, 4]


def test_a_nul_character_is_a_bad_request_not_a_server_error(make_user):
    """PostgreSQL refuses NUL in text: it must not get as far as a query."""
    client = signed_in_client(make_user("p", "Privacy Officer"))
    assert client.get("/patients/", {"q": "Smith\x00"}).status_code == 400
    assert client.post("/patients/", {"q": "\x00"}).status_code == 400
    api = client.post("/api/patients/search", '{"q": "M\\u0000"}', content_type="application/json")
    assert api.status_code == 400
    assert client.get("/patients/", {"q": "Smith"}).status_code == 200
