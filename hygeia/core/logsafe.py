"""Keep identifiers that someone typed into a URL out of the logs.

Hygeia's own links carry only opaque ids, but a user (or a scanner) can type anything into a
URL, e.g. `/patients/<an MRN>/`. Django's request logger and the server's access log both print
the path, so paths are reduced before logging: a path that matches a route keeps its fixed parts
and its numeric or UUID values; anything else keeps only its first segment.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.urls import Resolver404, resolve

SAFE_VALUE = re.compile(
    r"^(\d{1,12}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", re.I
)
SAFE_SEGMENT = re.compile(r"^[a-z][a-z0-9_.-]{0,40}$")
REDACTED = "…"


def redact_path(path: str) -> str:
    """The path with every segment that could carry an identifier replaced by '…'."""
    path = path.split("?", 1)[0]
    try:
        match = resolve(path)
    except (Resolver404, Exception):
        match = None
    segments = path.split("/")
    if match is None:
        first = segments[1] if len(segments) > 1 else ""
        keep = first if SAFE_SEGMENT.match(first or "-") else REDACTED
        return f"/{keep}/{REDACTED}" if len(segments) > 2 and any(segments[2:]) else f"/{keep}"
    values = {str(v) for v in match.kwargs.values()}
    cleaned = []
    for segment in segments:
        if segment in values and not SAFE_VALUE.match(segment):
            cleaned.append(REDACTED)
        else:
            cleaned.append(segment)
    return "/".join(cleaned)


class RedactPathsFilter(logging.Filter):
    """For Django's request and server loggers: reduce path arguments of the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(a) if isinstance(a, str) and a.startswith("/") else a
                for a in record.args
            )
        request = getattr(record, "request", None)
        if request is not None:
            # Handlers that format the request object itself see a safe path too.
            record.request_path = redact_path(getattr(request, "path", ""))
        return True


class RequestLogFilter(logging.Filter):
    """One line per refused request, without a traceback.

    Django logs a 403 from PermissionDenied, a bad request and a suspicious one (a wrong Host
    header, too many fields) with the exception's traceback: these are the client's doing, so
    the line stays and the traceback goes. A denial Hygeia has logged itself
    (`permissions.log_denial`, with user and permission) is not logged a second time."""

    def filter(self, record: logging.LogRecord) -> bool:
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http.multipartparser import MultiPartParserError

        from hygeia.core.permissions import DENIAL_LOGGED

        request = getattr(record, "request", None)
        if getattr(record, "status_code", None) == 403 and getattr(request, DENIAL_LOGGED, False):
            return False
        if record.exc_info and isinstance(
            record.exc_info[1],
            PermissionDenied | BadRequest | SuspiciousOperation | MultiPartParserError,
        ):
            record.exc_info = None
            record.exc_text = None
        return True


def gunicorn_logger_class() -> Any:
    """gunicorn's logger with paths reduced and no query strings or referrers."""
    from gunicorn.glogging import Logger

    class SafeLogger(Logger):  # type: ignore[misc]
        def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
            atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
            safe = redact_path(environ.get("PATH_INFO", ""))
            atoms["U"] = safe
            atoms["r"] = (
                f"{environ.get('REQUEST_METHOD', '')} {safe} {environ.get('SERVER_PROTOCOL', '')}"
            )
            atoms["q"] = ""
            atoms["f"] = "-"
            return atoms

    return SafeLogger
