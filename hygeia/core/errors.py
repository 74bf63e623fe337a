"""Error pages that say what happened and nothing else: no paths, values or stack traces."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: (
        "Not allowed",
        "Your role does not give access to this page. Ask an administrator if you need it.",
    ),
    404: ("Not found", "There is nothing here. The link may be old or mistyped."),
    500: (
        "Something went wrong",
        "The error was logged. Try again, and tell your administrator if it persists.",
    ),
}


def _render(request: HttpRequest, status: int) -> HttpResponse:
    title, text = MESSAGES[status]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": title}, status=status)
    html = render_to_string(
        "error.html", {"status": status, "title": title, "text": text, "request": request}
    )
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _render(request, 400)


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _render(request, 403)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the failure may be in one of them.
    title, text = MESSAGES[500]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": title}, status=500)
    return HttpResponse(
        render_to_string("error.html", {"status": 500, "title": title, "text": text}), status=500
    )
