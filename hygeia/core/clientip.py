"""The address of the person behind a request, for the audit trail.

Behind a reverse proxy every request comes from the proxy; when the proxy is listed in
HYGEIA_TRUSTED_PROXIES, the client is the last address in X-Forwarded-For that is not one of
the trusted proxies (earlier entries can be forged by the client and are ignored).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def client_ip(request: Any) -> str:
    if request is None:
        return ""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    trusted = set(settings.TRUSTED_PROXIES)
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    if remote not in trusted or not forwarded:
        return remote
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if hop not in trusted:
            return hop[:45]
    return remote
