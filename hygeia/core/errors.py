"""Error pages that say what happened and nothing else: no paths, values or stack traces.

A fault of Hygeia's (a 500, or an unexpected error in a command) is logged on one line under a
short reference, with the exception's type and where it was raised but not its message, which
can hold whatever data the failing code was handling. The user sees only the reference.
"""

from __future__ import annotations

import logging
import secrets
import sys
import traceback
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger("hygeia.errors")
PACKAGE = Path(__file__).resolve().parents[1]
INNERMOST = 3  # frames outside Hygeia kept below its own (the library call that failed)

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: (
        "Not allowed",
        "Your role does not give access to this page. Ask an administrator if you need it.",
    ),
    404: ("Not found", "There is nothing here. The link may be old or mistyped."),
    413: ("Upload too large", "The upload is larger than this site accepts."),
    500: (
        "Something went wrong",
        "The error was logged. Try again, and tell your administrator if it persists.",
    ),
}


def _ours(frame: traceback.FrameSummary) -> bool:
    return Path(frame.filename).is_relative_to(PACKAGE)


def _where(frame: traceback.FrameSummary) -> str:
    path = Path(frame.filename)
    shown = f"hygeia/{path.relative_to(PACKAGE)}" if _ours(frame) else path.name
    return f"{shown}:{frame.lineno} {frame.name}"


def _frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """Hygeia's own frames, and the last few of the libraries it called."""
    frames = list(traceback.extract_tb(exc.__traceback__))
    return [f for i, f in enumerate(frames) if _ours(f) or i >= len(frames) - INNERMOST]


def report_unexpected(exc: BaseException, context: str) -> str:
    """Log `exc` on one line under a new reference, and return the reference.

    The line names the exception's type and the frames it passed through (file, line and
    function), never its message or any variable: those may hold patient data."""
    reference = secrets.token_hex(4).upper()
    frames = _frames(exc)
    causes: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 3:
        causes.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    logger.error(
        "unexpected error %s in %s: %s%s at %s",
        reference,
        context,
        type(exc).__name__,
        f" (from {' < '.join(causes)})" if causes else "",
        " > ".join(_where(f) for f in frames) or "?",
    )
    return reference


def _render(request: HttpRequest, status: int, reference: str = "", text: str = "") -> HttpResponse:
    title, default = MESSAGES[status]
    text = text or default
    if request.path.startswith("/api/"):
        body: dict[str, str] = {"detail": text if status == 413 else title}
        if reference:
            body["reference"] = reference
        return JsonResponse(body, status=status)
    context: dict[str, Any] = {"status": status, "title": title, "text": text}
    if status != 500:  # no context processors for a 500: the failure may be in one of them
        context["request"] = request
    if status == 413:  # the form is worth going back to, with a smaller file
        referer = request.META.get("HTTP_REFERER", "")
        if url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
            context["back"] = referer
    if reference:
        context["reference"] = reference
    return HttpResponse(render_to_string("error.html", context), status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _render(request, 400)


def too_large(request: HttpRequest, text: str) -> HttpResponse:
    return _render(request, 413, text=text)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    from hygeia.core.permissions import log_denial

    log_denial(request, getattr(exception, "permission", None))
    return _render(request, 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this while handling the exception: it is logged here, once, under the
    reference the page shows (Django's own traceback log line is skipped)."""
    from hygeia.core.logsafe import redact_path

    exc = sys.exc_info()[1]
    where = f"{request.method} {redact_path(request.path)}"
    reference = report_unexpected(exc, where) if exc else ""
    response = _render(request, 500, reference)
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response
