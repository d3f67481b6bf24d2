"""Field encryption for sensitive borrower data (income, debts) at rest, with Fernet (AES-128-CBC + HMAC)."""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken


@lru_cache(maxsize=4)
def _fernet(key_material: str) -> Fernet:
    digest = hashlib.sha256(("firstcall-field-encryption:" + key_material).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_text(plain: str, key_material: str) -> str:
    return _fernet(key_material).encrypt(plain.encode()).decode()


def decrypt_text(token: str, key_material: str) -> str:
    try:
        return _fernet(key_material).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("Encrypted value cannot be read with the configured key") from error
