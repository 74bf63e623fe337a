"""Encryption of secrets Hygeia must keep readable (TOTP seeds) with a key derived from the
installation's secret key, so a copy of the database alone does not give away second factors.

Changing the secret key makes these secrets unreadable: the users concerned enrol again.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "v1:"


class SecretUnreadable(Exception):
    """The value was sealed under another secret key (or is damaged)."""


@cache
def _box(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hygeia sealed secrets v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(plain: str) -> str:
    return PREFIX + _box(settings.SECRET_KEY).encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    if not sealed.startswith(PREFIX):
        raise SecretUnreadable("not a sealed value")
    try:
        return _box(settings.SECRET_KEY).decrypt(sealed[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("sealed under another secret key") from exc
