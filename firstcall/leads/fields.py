from decimal import Decimal

from django.conf import settings
from django.db import models

from firstcall.lib.crypto import decrypt_text, encrypt_text


def _key_material() -> str:
    return settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY


class EncryptedDecimalField(models.TextField):
    """A Decimal stored encrypted. It cannot be filtered or sorted in SQL, which is the point."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return None
        return Decimal(decrypt_text(value, _key_material()))

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value))

    def get_prep_value(self, value):
        if value in (None, ""):
            return None
        return encrypt_text(str(Decimal(str(value))), _key_material())
