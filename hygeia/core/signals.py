"""Wiring that sends account and record events to the audit trail."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from hygeia.core import audit
from hygeia.core.clientip import client_ip
from hygeia.core.models import AuditedModel


def _object_label(instance: Any) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def on_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **_: Any) -> None:
    if raw or audit.is_suspended() or not isinstance(instance, AuditedModel):
        return
    if created:
        audit.record(
            audit.Action.CREATE,
            object_type=_object_label(instance),
            object_id=instance.pk,
            summary=f"{instance._meta.verbose_name} created",
        )
    else:
        changed = instance.changed_fields()
        if not changed:
            return
        audit.record(
            audit.Action.UPDATE,
            object_type=_object_label(instance),
            object_id=instance.pk,
            summary=f"{instance._meta.verbose_name} updated: {', '.join(changed)}",
            details={"fields": changed},
        )
    instance.remember_saved_values()


def on_deleted(sender: Any, instance: Any, **_: Any) -> None:
    if isinstance(instance, AuditedModel) and not audit.is_suspended():
        audit.record(
            audit.Action.DELETE,
            object_type=_object_label(instance),
            object_id=instance.pk,
            summary=f"{instance._meta.verbose_name} deleted",
        )


def on_roles_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **_: Any
) -> None:
    """Role grants and removals, from either side of the user<->group relation."""
    if action not in {"post_add", "post_remove", "post_clear"} or audit.is_suspended():
        return
    verb = {"post_add": "granted", "post_remove": "removed", "post_clear": "all removed"}[action]
    if reverse:  # group.user_set changed
        users = sorted(
            get_user_model().objects.filter(pk__in=pk_set or []).values_list("username", flat=True)
        )
        audit.record(
            audit.Action.PERMISSION_CHANGE,
            object_type="auth.group",
            object_id=instance.pk,
            summary=f"role {instance.name} {verb}: {', '.join(users)}",
            details={"role": instance.name, "users": users, "change": verb},
        )
    else:
        roles = sorted(Group.objects.filter(pk__in=pk_set or []).values_list("name", flat=True))
        audit.record(
            audit.Action.PERMISSION_CHANGE,
            object_type="core.user",
            object_id=instance.pk,
            summary=f"{instance.get_username()}: roles {verb} {', '.join(roles)}".strip(),
            details={"user": instance.get_username(), "roles": roles, "change": verb},
        )


def on_logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    method = getattr(user, "hygeia_login_method", "password")
    audit.record(
        audit.Action.LOGIN,
        actor=audit.actor_for_user(user, client_ip(request)),
        object_type="core.user",
        object_id=user.pk,
        summary=f"signed in ({method})",
        details={"method": method},
    )


def on_logged_out(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if user is None:
        return
    audit.record(
        audit.Action.LOGOUT,
        actor=audit.actor_for_user(user, client_ip(request)),
        object_type="core.user",
        object_id=user.pk,
        summary="signed out",
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        audit.Action.LOGIN_FAILED,
        actor=audit.Actor(name=username or "(unknown)", source_ip=client_ip(request)),
        outcome="failure",
        object_type="core.user",
        summary="wrong username or password",
    )


def on_migrated(sender: AppConfig, **_: Any) -> None:
    if sender.label == "core":
        from hygeia.core.roles import sync_roles

        sync_roles()


def connect() -> None:
    post_save.connect(on_saved, dispatch_uid="hygeia-audit-save")
    post_delete.connect(on_deleted, dispatch_uid="hygeia-audit-delete")
    m2m_changed.connect(
        on_roles_changed, sender=get_user_model().groups.through, dispatch_uid="hygeia-audit-roles"
    )
    user_logged_in.connect(on_logged_in, dispatch_uid="hygeia-audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="hygeia-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="hygeia-audit-login-failed")
    post_migrate.connect(on_migrated, dispatch_uid="hygeia-sync-roles")
