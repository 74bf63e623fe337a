"""Uploads are limited in size and type; the type comes from the content."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from hygeia.core.uploads import check_upload


def check(name: str, data: bytes) -> str:
    return check_upload(name, io.BytesIO(data), len(data))


def test_accepts_real_files():
    assert check("report.pdf", b"%PDF-1.7\n...") == "pdf"
    assert check("scan.png", b"\x89PNG\r\n\x1a\n....") == "png"
    assert check("list.csv", "name,dept\nÅsa,ICU\n".encode()) == "text"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert check("policy.docx", buffer.getvalue()) == "office"


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("evil.pdf", b"MZ\x90\x00 executable", "not a PDF"),
        ("page.html", b"<script>", "not accepted"),
        ("tool.exe", b"MZ", "not accepted"),
        ("empty.csv", b"", "empty"),
        ("bin.csv", b"a,b\x00c", "binary"),
        ("latin.csv", "caf\xe9,ok".encode("latin-1") + b"x" * 10, "not UTF-8"),
        ("broken.xlsx", b"PK\x03\x04garbage", "damaged"),
    ],
)
def test_refuses_with_a_message_naming_the_file(name, data, message):
    with pytest.raises(ValidationError) as error:
        check(name, data)
    assert name in error.value.messages[0] and message in error.value.messages[0]


def test_size_limit(settings):
    settings.MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError, match=r"big\.pdf .* is larger than the .* upload limit"):
        check("big.pdf", b"%PDF-" + b"x" * 20)


def test_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/huge.xml", "0" * 50_000_000)
    with pytest.raises(ValidationError, match="zip bomb"):
        check("sheet.xlsx", buffer.getvalue())
