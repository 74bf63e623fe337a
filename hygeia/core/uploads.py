"""Checks every uploaded file passes before Hygeia stores it (outside the web root).

The type is decided from the file's first bytes, not from its name or the browser's claim, so a
renamed executable or HTML page is refused.
"""

from __future__ import annotations

import hashlib
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse

from hygeia.core.upload_limit import too_large_message

# kind -> (accepted extensions, check of the first bytes)
SIGNATURES: dict[str, tuple[tuple[str, ...], bytes]] = {
    "pdf": ((".pdf",), b"%PDF-"),
    "png": ((".png",), b"\x89PNG\r\n\x1a\n"),
    "jpeg": ((".jpg", ".jpeg"), b"\xff\xd8\xff"),
    "office": ((".docx", ".xlsx", ".pptx"), b"PK\x03\x04"),
}
TEXT_EXTENSIONS = (".csv", ".tsv", ".txt", ".json", ".ndjson", ".xml")
MAX_ZIP_RATIO = 100  # an office file that inflates more than this is treated as a zip bomb
NAME_BYTES = 200  # a file system takes 255 bytes for a name; room is left for a suffix


def safe_name(name: str | None, default: str = "upload") -> str:
    """The base name of an uploaded file, without control characters and short enough for
    any file system and database column: a long name is cut in its stem, keeping the
    extension that tells the readers what the file is."""
    base = "".join(c for c in Path(name or "").name if c.isprintable()).strip() or default
    if len(base.encode()) <= NAME_BYTES:
        return base
    suffix = Path(base).suffix if len(Path(base).suffix.encode()) <= 16 else ""
    stem = base[: len(base) - len(suffix)]
    room = NAME_BYTES - len(suffix.encode())
    return stem.encode()[:room].decode(errors="ignore") + suffix


def check_upload(name: str, handle: IO[bytes], size: int) -> str:
    """Return the detected kind, or raise ValidationError with a message naming the file."""
    if size > settings.MAX_UPLOAD_BYTES:
        raise ValidationError(too_large_message(name, size))
    if size == 0:
        raise ValidationError(f"{name}: the file is empty")
    lower = name.lower()
    head = handle.read(2048)
    handle.seek(0)
    for kind, (extensions, magic) in SIGNATURES.items():
        if lower.endswith(extensions):
            if not head.startswith(magic):
                raise ValidationError(f"{name}: content is not a {kind.upper()} file")
            if kind == "office":
                check_zip(name, handle, size)
            return kind
    if lower.endswith(TEXT_EXTENSIONS):
        if b"\x00" in head:
            raise ValidationError(f"{name}: binary content in a text file")
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multi-byte character may be cut at the end of the sample: only earlier
            # errors count.
            if exc.start < len(head) - 4:
                raise ValidationError(f"{name}: not UTF-8 text (byte {exc.start})") from exc
        return "text"
    allowed = sorted({e for exts, _ in SIGNATURES.values() for e in exts} | set(TEXT_EXTENSIONS))
    raise ValidationError(
        f"{name}: this type of file is not accepted (allowed: {', '.join(allowed)})"
    )


def check_zip(name: str, handle: IO[bytes], size: int) -> None:
    try:
        with zipfile.ZipFile(handle) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ValidationError(f"{name}: damaged or truncated file") from exc
    finally:
        handle.seek(0)
    if inflated > size * MAX_ZIP_RATIO or inflated > settings.MAX_UPLOAD_BYTES * MAX_ZIP_RATIO:
        raise ValidationError(f"{name}: expands to {inflated / 1e6:.0f} MB; refused as a zip bomb")


@dataclass(frozen=True)
class StoredFile:
    name: str
    kind: str
    size: int
    sha256: str
    stored_as: str  # relative to the storage root


def store(root: Path, folder: str, name: str, handle: IO[bytes], size: int) -> StoredFile:
    """Check an upload and keep it under `root/folder` with a random name, mode 0600: never
    served from the web root, never executed, and only ever sent back as a download."""
    safe = safe_name(name, "file")
    kind = check_upload(safe, handle, size)
    target = root / folder
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = target / uuid.uuid4().hex
    digest = hashlib.sha256()
    with open(stored, "xb") as out:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
            out.write(chunk)
    stored.chmod(0o600)
    return StoredFile(safe, kind, size, digest.hexdigest(), str(stored.relative_to(root)))


def stored_path(root: Path, stored_as: str) -> Path:
    """Where a stored file is; refuses anything that would resolve outside `root`."""
    path = (root / stored_as).resolve()
    if root.resolve() not in path.parents:
        raise ValidationError("stored file outside its folder")
    return path


def download(path: Path, filename: str, content_type: str | None = None) -> FileResponse:
    """A stored file sent back only as a download, never rendered by the browser."""
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    """Generated content (a report, an export) sent as a download."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@contextmanager
def spooled(files: Iterable[Any], default_name: str = "upload") -> Iterator[list[Path]]:
    """Uploaded files written under their own (base) names to a private temporary folder,
    for readers that take a path; the folder is removed afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, upload in enumerate(files):
            # one sub-folder each: two files of the same name are both kept
            path = Path(folder) / str(number) / safe_name(upload.name, default_name)
            path.parent.mkdir()
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            paths.append(path)
        yield paths
