"""TOTP second factor (RFC 6238) with replay protection, QR enrolment and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import secrets
import time

import pyotp
import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone

from hygeia.core.models import RecoveryCode, TotpDevice, User
from hygeia.core.secretbox import SecretUnreadable

log = logging.getLogger(__name__)

ISSUER = "Hygeia"
RECOVERY_CODE_COUNT = 10
VALID_WINDOW = 1  # accept the previous and next 30-second step: clocks drift


def start_enrolment(user: User) -> TotpDevice:
    """A fresh unconfirmed secret, replacing an unfinished enrolment."""
    if confirmed_device(user) is not None:
        raise ValueError("remove the confirmed authenticator before enrolling another")
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    device = device or TotpDevice(user=user)
    device.key = pyotp.random_base32()
    device.last_used_step = 0
    device.save()
    return device


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.key).provisioning_uri(
        name=device.user.get_username(), issuer_name=ISSUER
    )


def qr_svg(data: str) -> str:
    """An inline SVG QR code (no image files, no external service)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    return svg[svg.index("<svg") :]


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    current = int(now // totp.interval)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_code(device: TotpDevice, code: str) -> bool:
    """True for a valid code not used before (a code is good once)."""
    with transaction.atomic():
        locked = TotpDevice.objects.select_for_update().get(pk=device.pk)
        try:
            seed = locked.key
        except SecretUnreadable:
            log.warning("an authenticator seed cannot be read (was the secret key changed?)")
            return False
        step = _matching_step(seed, code)
        if step is None or step <= locked.last_used_step:
            return False
        locked.last_used_step = step
        locked.save(update_fields=["last_used_step"])
    return True


def confirm_enrolment(device: TotpDevice, code: str) -> bool:
    if not verify_code(device, code):
        return False
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    return True


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def _hash_code(code: str) -> str:
    normalised = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; the plain codes are shown once and never stored."""
    codes = ["-".join(secrets.token_hex(2) for _ in range(3)) for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_hash_code(code)) for code in codes
        )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    with transaction.atomic():
        match = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=_hash_code(code), used_at__isnull=True)
            .first()
        )
        if match is None:
            return False
        match.used_at = timezone.now()
        match.save(update_fields=["used_at"])
    return True


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def remove(user: User) -> None:
    TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
