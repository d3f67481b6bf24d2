"""Field encryption for sensitive borrower data at rest (income, debts, date of birth, authenticator secrets).

Fernet: AES-128-CBC with an HMAC-SHA256 over the ciphertext, so a changed value is refused rather than read
(authenticated encryption). A key ring (MultiFernet) encrypts with the first key and reads with any of them,
which is what lets `firstcall rotate-keys` move every value to a new key while old values stay readable.
"""

import base64
import hashlib
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


@lru_cache(maxsize=16)
def _fernet(key_material: str) -> Fernet:
    # Any text is accepted as a key: it is stretched to a Fernet key, so an operator can use a long passphrase.
    digest = hashlib.sha256(("firstcall-field-encryption:" + key_material).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _materials(key_material: str | Sequence[str]) -> tuple[str, ...]:
    materials = (key_material,) if isinstance(key_material, str) else tuple(key_material)
    materials = tuple(material for material in materials if material)
    if not materials:
        raise ValueError("No field encryption key is configured")
    return materials


@lru_cache(maxsize=16)
def _ring(materials: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(material) for material in materials])


def encrypt_text(plain: str, key_material: str | Sequence[str]) -> str:
    """Encrypt with the first key of the ring."""
    return _ring(_materials(key_material)).encrypt(plain.encode()).decode()


def decrypt_text(token: str, key_material: str | Sequence[str]) -> str:
    """Decrypt with whichever key of the ring made the token."""
    try:
        return _ring(_materials(key_material)).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("Encrypted value cannot be read with the configured key") from error


def is_current(token: str, key_material: str | Sequence[str]) -> bool:
    """True when the token was made with the first (current) key."""
    try:
        _fernet(_materials(key_material)[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_token(token: str, key_material: str | Sequence[str]) -> str:
    """Re-encrypt a token under the first key; raises ValueError when no key of the ring can read it."""
    try:
        return _ring(_materials(key_material)).rotate(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("Encrypted value cannot be read with the configured keys") from error
