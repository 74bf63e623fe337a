"""Password rules beyond Django's (length, common passwords, similarity, all-numeric)."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.core.exceptions import ValidationError


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, other characters.

    Long passphrases (20+ characters) are exempt: length beats composition.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) >= 20:
            return
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < 3:
            raise ValidationError(
                "Use at least three of: lower-case letters, upper-case letters, digits, symbols "
                "(or a passphrase of 20 characters or more).",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return (
            "Use at least three of lower case, upper case, digits and symbols, or a passphrase "
            "of 20 characters or more."
        )


def generate_password() -> str:
    """A random password that satisfies the policy (for demo accounts and resets)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.islower() for c in body) and any(c.isupper() for c in body):
            return f"{body}-{secrets.randbelow(90) + 10}"
