"""Model fields stored encrypted (firstcall/lib/crypto.py). They cannot be filtered or sorted in SQL, which is
the point. `firstcall rotate-keys` lists them through ENCRYPTED_COLUMNS."""

import json
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models

from firstcall.lib.crypto import decrypt_text, encrypt_text


def field_encryption_keys() -> list[str]:
    return settings.FIELD_ENCRYPTION_KEYS


class EncryptedTextField(models.TextField):
    """Text encrypted with the current field key; read with any key of the ring."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None
        return self.from_plain(decrypt_text(value, field_encryption_keys()))

    def get_prep_value(self, value):
        value = self.to_python(value)
        if value in (None, ""):
            return None
        return encrypt_text(self.to_plain(value), field_encryption_keys())

    def from_plain(self, text: str):
        return text

    def to_plain(self, value) -> str:
        return str(value)


class EncryptedDecimalField(EncryptedTextField):
    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value))

    def from_plain(self, text: str):
        return Decimal(text)

    def to_plain(self, value) -> str:
        return str(Decimal(str(value)))


class EncryptedDateField(EncryptedTextField):
    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        return date.fromisoformat(str(value)[:10])

    def from_plain(self, text: str):
        return date.fromisoformat(text)

    def to_plain(self, value) -> str:
        return value.isoformat()


class EncryptedJSONField(EncryptedTextField):
    def to_python(self, value):
        if isinstance(value, str) and value:
            return json.loads(value)
        return value

    def get_prep_value(self, value):
        if value in (None, "", {}, []):
            return None
        return encrypt_text(json.dumps(value, sort_keys=True), field_encryption_keys())

    def from_plain(self, text: str):
        return json.loads(text)
