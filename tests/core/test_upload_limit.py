"""One upload limit for every form: a file one byte over HYGEIA_MAX_UPLOAD_MB is refused with
the same message at every endpoint that takes files, before any view reads it; a file at the
limit, or with a name longer than a file system takes, is never a server error."""

from __future__ import annotations

import inspect

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hygeia.core.upload_limit import LimitedUploadHandler, UploadTooLarge, too_large_message
from tests.core.test_permission_matrix import UI, _allowed, people, world  # noqa: F401

pytestmark = pytest.mark.django_db

LIMIT = 4096
# Written out by hand: a new form that takes files must be added here, and so swept.
UPLOAD_ENDPOINTS = {
    "ai:import",
    "cases:attach",
    "portal:upload",
    "program:assessment_item",
    "program:education_import",
    "vendors:add",
    "vendors:breach_import",
    "vendors:import",
    "vendors:sbom_upload",
    "vendors:vulns_import",
}
EXTRA_FIELDS = {  # what a form needs beside the file to reach the code that reads it
    "vendors:add": {"kind": "certification"},
    "program:education_import": {"kind": "training"},
}


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            found += _patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((prefix + entry.name, entry.callback))
    return found


def _reads_files(view: object) -> bool:
    try:
        return "request.FILES" in inspect.getsource(inspect.unwrap(view))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False


def test_every_view_that_reads_files_is_swept():
    readers = {name for name, view in _patterns(get_resolver()) if _reads_files(view)}
    assert readers == UPLOAD_ENDPOINTS


@pytest.fixture
def small_limit(settings):
    settings.MAX_UPLOAD_BYTES = LIMIT
    return LIMIT


def _client_for(name: str, people):  # noqa: F811 - the fixture's function
    for who, client in people():
        if who != "anonymous" and _allowed(UI[name][1], who):
            return client
    raise AssertionError(f"no role may use {name}")


def _post(client, url: str, name: str, size: int, filename: str = "export.csv"):
    upload = SimpleUploadedFile(filename, b"a" * size, content_type="text/csv")
    return client.post(url, {**EXTRA_FIELDS.get(name, {}), "file": upload})


@pytest.mark.parametrize("name", sorted(UPLOAD_ENDPOINTS))
def test_one_byte_over_the_limit_is_refused_with_one_message(name, people, world, small_limit):  # noqa: F811
    url = reverse(name, kwargs=world.kwargs.get(name))
    client = _client_for(name, people)
    response = _post(client, url, name, LIMIT + 1)
    assert response.status_code == 413, name
    text = response.content.decode()
    assert "export.csv is larger than the 0.00390625 MB upload limit" in text
    assert "HYGEIA_MAX_UPLOAD_MB" in text

    at_limit = _post(client, url, name, LIMIT)
    assert at_limit.status_code < 500 and at_limit.status_code != 413, name


@pytest.mark.parametrize("name", sorted(UPLOAD_ENDPOINTS))
def test_a_name_longer_than_a_file_system_takes_is_not_a_server_error(name, people, world):  # noqa: F811
    url = reverse(name, kwargs=world.kwargs.get(name))
    client = _client_for(name, people)
    client.raise_request_exception = False
    long_name = "é" * 130 + ".csv"  # 264 bytes: over the 255 a file system allows
    response = _post(client, url, name, 100, long_name)
    assert response.status_code < 500, name


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(people, world, small_limit):  # noqa: F811
    client = _client_for("cases:attach", people)
    url = reverse("cases:attach", kwargs=world.kwargs["cases:attach"])
    response = client.post(
        url,
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        headers={"Referer": "http://testserver/cases/"},
        CONTENT_LENGTH=str(50 * 2**20),
    )
    assert response.status_code == 413
    assert "The upload (50.0 MB) is larger than" in response.content.decode(), (
        response.content.decode()[-900:]
    )
    assert 'href="http://testserver/cases/"' in response.content.decode()  # back to the form


def test_a_json_body_over_djangos_limit_gets_413_in_json(people, settings):  # noqa: F811
    client = _client_for("privacy:patients", people)
    body = b'{"q": "' + b"a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    response = client.post("/api/patients/search", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "requests without files are limited" in response.json()["detail"]


def test_the_handler_passes_chunks_on_until_the_files_pass_the_limit(small_limit):
    handler = LimitedUploadHandler()
    handler.file_name = "a.csv"
    assert handler.receive_data_chunk(b"x" * LIMIT, 0) == b"x" * LIMIT
    with pytest.raises(UploadTooLarge, match=r"a\.csv is larger than"):
        handler.receive_data_chunk(b"x", LIMIT)


def test_the_message_shortens_a_long_name(small_limit):
    message = too_large_message("x" * 500 + ".csv", 2**20)
    assert message.startswith("x" * 79 + "… (1.0 MB) is larger than")
