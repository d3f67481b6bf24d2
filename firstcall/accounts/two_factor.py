"""TOTP two-factor sign-in (RFC 6238, 30-second steps, 6 digits) and one-time recovery codes.

Secrets are encrypted at rest with the field-encryption key. A code is accepted once: the device remembers
the last time step it accepted, claimed with a conditional update so two simultaneous requests carrying the
same code cannot both pass. Recovery codes are stored as SHA-256 hashes; each has about 79 bits of entropy,
so an unsalted fast hash is enough (nobody can enumerate 2^79 candidates), and lookup stays one query.
"""

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from firstcall.accounts import audit
from firstcall.accounts.models import RecoveryCode, TwoFactorDevice, User
from firstcall.accounts.services import record_audit
from firstcall.lib.crypto import decrypt_text, encrypt_text

ISSUER = "FirstCall"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper and typed on phones.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 16
# One step either side of now absorbs phone clocks up to 30 s off (RFC 6238 §5.2 recommends at most one).
ALLOWED_DRIFT_STEPS = 1


def _key_material() -> list[str]:
    return settings.FIELD_ENCRYPTION_KEYS


def requires_two_factor(user: User) -> bool:
    """Admins, managers and back-office staff always; everyone when their organisation says so."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff or user.role in (User.Role.ADMIN, User.Role.MANAGER):
        return True
    organisation = user.organisation if user.organisation_id else None
    return bool(organisation and organisation.require_two_factor_for_everyone)


def confirmed_device(user: User) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def has_two_factor(user: User) -> bool:
    return TwoFactorDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def secret_of(device: TwoFactorDevice) -> str:
    return decrypt_text(device.secret_encrypted, _key_material())


def pending_enrolment(user: User) -> tuple[TwoFactorDevice, str]:
    """The unconfirmed authenticator being set up, created on first call; a page reload keeps the secret."""
    device = TwoFactorDevice.objects.filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise ValueError(
            "Two-factor sign-in is already on; turn it off before setting up a new authenticator."
        )
    if device is None:
        secret = pyotp.random_base32()  # 160 bits, the size RFC 4226 §4 recommends
        device = TwoFactorDevice.objects.create(
            user=user, secret_encrypted=encrypt_text(secret, _key_material())
        )
        return device, secret
    return device, secret_of(device)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI that authenticator apps import (Key Uri Format)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def grouped(secret: str, size: int = 4) -> str:
    """The manual-entry key in groups of four, easier to type from a screen."""
    return " ".join(secret[index : index + size] for index in range(0, len(secret), size))


def _time_step(moment: datetime, interval: int = 30) -> int:
    return int(moment.timestamp()) // interval


def _normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _accept_totp(device: TwoFactorDevice, code: str, now: datetime) -> bool:
    code = _normalise_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return False
    totp = pyotp.TOTP(secret_of(device))
    current = _time_step(now, totp.interval)
    for step in range(current - ALLOWED_DRIFT_STEPS, current + ALLOWED_DRIFT_STEPS + 1):
        if step <= device.last_used_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            claimed = TwoFactorDevice.objects.filter(pk=device.pk, last_used_step__lt=step).update(
                last_used_step=step
            )
            if claimed:
                device.last_used_step = step
            return bool(claimed)
    return False


def verify_code(user: User, code: str, *, now: datetime | None = None) -> bool:
    """True when `code` is a current authenticator code for `user` that has not been used before."""
    device = confirmed_device(user)
    return device is not None and _accept_totp(device, code, now or timezone.now())


def looks_like_recovery_code(code: str) -> bool:
    return len(_normalise_code(code)) == RECOVERY_CODE_LENGTH


def _hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalise_code(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[index : index + 4] for index in range(0, RECOVERY_CODE_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_hash_recovery_code(code)) for code in codes
    )
    return codes


def use_recovery_code(user: User, code: str, *, ip_address=None) -> bool:
    """Spend one recovery code. The conditional update makes each code work exactly once."""
    if not looks_like_recovery_code(code) or not has_two_factor(user):
        return False
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=_hash_recovery_code(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if spent:
        remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        record_audit(
            user.organisation,
            audit.RECOVERY_CODE_USED,
            actor=user,
            ip_address=ip_address,
            detail={"remaining": remaining},
        )
    return bool(spent)


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def confirm_enrolment(
    user: User, code: str, *, ip_address=None, now: datetime | None = None
) -> list[str] | None:
    """Turn two-factor on once the person enters a code from the new authenticator.

    Returns the fresh recovery codes (shown once, never stored in clear), or None when the code is wrong.
    """
    device = TwoFactorDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None or not _accept_totp(device, code, now or timezone.now()):
        return None
    TwoFactorDevice.objects.filter(pk=device.pk).update(confirmed_at=now or timezone.now())
    codes = _replace_recovery_codes(user)
    record_audit(user.organisation, audit.TWO_FACTOR_ENABLED, actor=user, ip_address=ip_address)
    return codes


@transaction.atomic
def regenerate_recovery_codes(user: User, *, ip_address=None) -> list[str]:
    if not has_two_factor(user):
        raise ValueError("Two-factor sign-in is off.")
    codes = _replace_recovery_codes(user)
    record_audit(user.organisation, audit.RECOVERY_CODES_REGENERATED, actor=user, ip_address=ip_address)
    return codes


@transaction.atomic
def disable_two_factor(user: User, *, actor: User, ip_address=None) -> bool:
    """Remove the authenticator and recovery codes (by the person, or by an admin for a lost phone)."""
    deleted, _ = TwoFactorDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    if deleted:
        record_audit(
            user.organisation,
            audit.TWO_FACTOR_DISABLED,
            actor=actor,
            ip_address=ip_address,
            detail={"user_id": user.pk, "username": user.username},
        )
    return bool(deleted)
