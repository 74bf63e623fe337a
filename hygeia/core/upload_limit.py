"""One upload limit for every form and API request: `HYGEIA_MAX_UPLOAD_MB`.

The limit is enforced here, while the request body streams in and before any view runs,
because a view only sees an upload after Django has written all of it to disk, and because a
limit kept in each import form is one the next form forgets. The files of one request count
together; form fields beside them get Django's own allowance for non-file data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]
SHOWN_NAME = 80  # characters of a file name repeated in the message


def limit_text() -> str:
    return f"{settings.MAX_UPLOAD_BYTES / 2**20:g} MB"


def too_large_message(name: str, size: int | None = None) -> str:
    """The one message every upload path gives, naming the file when it is known."""
    shown = name if len(name) <= SHOWN_NAME else name[: SHOWN_NAME - 1] + "…"
    what = shown or "The upload"
    amount = f" ({size / 2**20:.1f} MB)" if size is not None else ""
    return (
        f"{what}{amount} is larger than the {limit_text()} upload limit. Split the file, or ask "
        "an administrator to raise HYGEIA_MAX_UPLOAD_MB."
    )


class UploadTooLarge(Exception):
    """Raised while the body is read, as soon as the files pass the limit."""


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the request and stops reading past the limit.

    It runs first in the chain and passes each chunk on, so the handlers that store the
    file never see more than the limit."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.total = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.total += len(raw_data)
        if self.total > settings.MAX_UPLOAD_BYTES:
            raise UploadTooLarge(too_large_message(self.file_name or ""))
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler stores the file


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class UploadLimitMiddleware:
    """Refuses (413, with the one message) a request whose files pass the limit, or whose
    other body passes Django's limit for non-file data; parses multipart forms itself so
    that the limit is in force before any other code reads them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from hygeia.core.errors import too_large

        length = _content_length(request)
        if request.content_type == "multipart/form-data" and request.method == "POST":
            if length > settings.MAX_UPLOAD_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return too_large(request, too_large_message("", length))
            request.upload_handlers = [LimitedUploadHandler(request), *request.upload_handlers]
            try:
                request.POST  # noqa: B018 - parsed here, with the limit in force
            except UploadTooLarge as exc:
                return too_large(request, str(exc))
        elif length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return too_large(
                request,
                f"The request body is {length / 2**20:.1f} MB; requests without files are "
                f"limited to {settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20:g} MB.",
            )
        return self.get_response(request)
