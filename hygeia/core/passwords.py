"""Password rules beyond Django's (length, common passwords, similarity, all-numeric)."""

from __future__ import annotations

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
