"""Accounts, roles, MFA, API tokens and Hygeia's own audit trail."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils import timezone


def token_digest(token: str) -> str:
    """What is stored of a bearer token or a link token, and what a presented one is looked
    up by."""
    return hashlib.sha256(token.encode()).hexdigest()


class SealedKey:
    """A `key` read and written in clear, kept in the model's `secret` field sealed (see
    secretbox); reading raises secretbox.SecretUnreadable under another secret key."""

    secret: str

    @property
    def key(self) -> str:
        from hygeia.core.secretbox import unseal

        return unseal(self.secret)

    @key.setter
    def key(self, value: str) -> None:
        from hygeia.core.secretbox import seal

        self.secret = seal(value)


class AuditedModel(models.Model):
    """Models whose creation, change and deletion go to the audit trail.

    Instances remember the values they were loaded with, so that an update can be recorded
    with the names of the fields that changed (never their values: they may be PHI or secrets).
    """

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any, *args: Any, **kwargs: Any) -> Any:
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def changed_fields(self) -> list[str]:
        loaded: dict[str, Any] = getattr(self, "_loaded_values", {})
        changed = []
        for field in self._meta.concrete_fields:
            name = field.attname
            if (
                name in loaded
                and name not in self.audit_ignore_fields
                and getattr(self, name) != loaded[name]
            ):
                changed.append(field.name)
        return changed

    def remember_saved_values(self) -> None:
        self._loaded_values = {
            f.attname: getattr(self, f.attname) for f in self._meta.concrete_fields
        }


class CapabilityLink(AuditedModel):
    """A link that is its own permission (an outside reviewer's, a vendor's): 256 random
    bits shown once, only their hash kept, expiring, revocable, scoped by the subclass to
    one object."""

    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    audit_ignore_fields: ClassVar[frozenset[str]] = frozenset({"last_used_at"})
    digest = staticmethod(token_digest)

    class Meta:
        abstract = True

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def issue(cls, expires_at: Any, **fields: Any) -> tuple[Any, str]:
        """A new link and its token, to show once and e-mail: only the hash is stored."""
        token = cls.new_token()
        link = cls.objects.create(  # type: ignore[attr-defined]
            token_hash=token_digest(token), expires_at=expires_at, **fields
        )
        return link, token

    @classmethod
    def find(cls, token: str, *related: str) -> Any:
        """The active link for a presented token, or None (unknown, expired, revoked);
        its last use is noted."""
        link = cls.objects.select_related(*related).filter(token_hash=token_digest(token)).first()  # type: ignore[attr-defined]
        if link is None or not link.active:
            return None
        cls.objects.filter(pk=link.pk).update(last_used_at=timezone.now())  # type: ignore[attr-defined]
        return link


class User(AuditedModel, AbstractUser):
    """A person who signs in to Hygeia (locally or through SSO)."""

    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    must_change_password = models.BooleanField(
        default=False, help_text="Set by an administrator's reset; cleared by a password change."
    )
    sso_only = models.BooleanField(
        default=False, help_text="Signs in only through single sign-on; no local password."
    )

    audit_ignore_fields = frozenset({"last_login", "failed_logins"})

    class Meta:
        swappable = "AUTH_USER_MODEL"
        verbose_name = "user"
        ordering: ClassVar[list[str]] = ["username"]

    def __str__(self) -> str:
        return self.get_username()

    def role_names(self) -> list[str]:
        return sorted(g.name for g in self.groups.all())

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class Organization(AuditedModel):
    """The hospital or health system this installation serves (one row)."""

    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return self.name


class RolePolicy(AuditedModel):
    """Per-role settings that administrators change at run time (roles come from content)."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="policy")
    description = models.CharField(max_length=300, blank=True)
    mfa_required = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["group__name"]
        # Hygeia's permissions hang off this model's content type; see hygeia.core.roles.
        default_permissions = ()

    def __str__(self) -> str:
        return self.group.name


class TotpDevice(SealedKey, models.Model):
    """A user's authenticator app (RFC 6238). Confirmed once a first code was accepted."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=255, help_text="The seed, sealed (see secretbox).")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0, help_text="Refuses a replayed code.")

    def __str__(self) -> str:
        return f"authenticator of {self.user}"


class RecoveryCode(models.Model):
    """One-time codes for when the authenticator is lost; stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user}"


class ApiToken(AuditedModel):
    """A bearer token for the JSON API, acting as its user; only its hash is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    audit_ignore_fields = frozenset({"last_used_at"})

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    digest = staticmethod(token_digest)


class ExternalIdentity(models.Model):
    """Links an SSO subject (issuer + sub) to a Hygeia user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    last_login = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="unique_external_identity")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class AuditAction(models.TextChoices):
    LOGIN = "login", "Sign-in"
    LOGOUT = "logout", "Sign-out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    ACCOUNT_LOCKED = "account_locked", "Account locked"
    MFA_CHANGE = "mfa_change", "MFA change"
    PERMISSION_CHANGE = "permission_change", "Permission change"
    CREATE = "create", "Record created"
    UPDATE = "update", "Record updated"
    DELETE = "delete", "Record deleted"
    EXPORT = "export", "Export"
    IMPORT = "import", "Import"
    VIEW_PHI = "view_phi", "Patient data viewed"
    SYSTEM = "system", "System operation"


class AuditEntry(models.Model):
    """One link of the hash chain. Never updated or deleted through Hygeia (a database trigger
    refuses UPDATE); any change made behind Hygeia's back breaks the chain."""

    seq = models.BigIntegerField(unique=True)
    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, db_index=True, help_text="Username or system actor.")
    actor_id = models.BigIntegerField(null=True, blank=True)
    source_ip = models.CharField(max_length=45, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    outcome = models.CharField(max_length=16, default="success")
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    patient_ref = models.CharField(
        max_length=64, blank=True, help_text="Opaque id of the patient whose data was seen."
    )
    summary = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar[list[str]] = ["-seq"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """The chain's last sequence number and hash: lets `audit verify` see entries cut off the
    end, and gives operators one value to anchor outside Hygeia."""

    seq = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class NotificationPreference(models.Model):
    """What a user wants e-mailed to them. Absent means the defaults below."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="notifications")
    new_incidents = models.BooleanField(
        default=True, help_text="New high-severity incidents (when the role sees alerts)."
    )
    minimum_severity = models.CharField(max_length=10, default="high")
    deadlines = models.BooleanField(default=True, help_text="Approaching deadlines.")

    def __str__(self) -> str:
        return f"notification preferences of {self.user}"


class Webhook(SealedKey, AuditedModel):
    """An HTTPS endpoint told about events as signed JSON (see hygeia.core.notify)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=255, help_text="HMAC key, sealed (see secretbox).")
    events = models.JSONField(default=list, help_text="Event types sent; empty for all.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=200, blank=True)

    audit_ignore_fields = frozenset({"last_delivery_at", "last_status"})

    def __str__(self) -> str:
        return f"webhook {self.name}"
