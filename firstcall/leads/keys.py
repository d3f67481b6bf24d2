"""Key rotation for encrypted fields: every encrypted column, re-encrypted under the current (first) key.

To rotate: put the new key in front of FIRSTCALL_FIELD_ENCRYPTION_KEY (`new,old`), restart, run
`firstcall rotate-keys`, and once it reports nothing left under an old key, drop the old key from the list."""

from django.apps import apps
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from firstcall.leads.fields import EncryptedTextField, field_encryption_keys
from firstcall.lib.crypto import is_current, rotate_token

# Encrypted columns that are plain TextFields holding a token (written by code that encrypts by hand).
HAND_ENCRYPTED_COLUMNS = [("accounts.TwoFactorDevice", "secret_encrypted")]
BATCH = 500


def encrypted_columns() -> list[tuple[type, str]]:
    columns = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, EncryptedTextField):
                columns.append((model, model_field.name))
    for label, field_name in HAND_ENCRYPTED_COLUMNS:
        columns.append((apps.get_model(label), field_name))
    return columns


def rotate_keys() -> dict[str, int]:
    """Re-encrypt every value not already under the current key. Safe to run again (already-current values are
    skipped) and to interrupt (each batch commits). Raises ValueError naming the column when a value cannot be
    read with any configured key, so nothing is silently lost."""
    keys = field_encryption_keys()
    rotated: dict[str, int] = {}
    for model, field_name in encrypted_columns():
        label = f"{model._meta.label}.{field_name}"
        rotated[label] = 0
        # Cast to plain text: the stored token as it is, not the field's decrypted value.
        tokens = (
            model._default_manager.exclude(**{f"{field_name}__isnull": True})
            .annotate(token=Cast(field_name, TextField()))
            .exclude(token="")
            .order_by("pk")
        )
        last_pk = None
        while True:
            batch = tokens if last_pk is None else tokens.filter(pk__gt=last_pk)
            rows = list(batch.values_list("pk", "token")[:BATCH])
            with transaction.atomic():
                for pk, token in rows:
                    if is_current(token, keys):
                        continue
                    try:
                        new_token = rotate_token(token, keys)
                    except ValueError as error:
                        raise ValueError(f"{label} row {pk}: {error}") from error
                    # An expression is written as it is, so the token is not encrypted a second time.
                    model._default_manager.filter(pk=pk).update(
                        **{field_name: Value(new_token, output_field=TextField())}
                    )
                    rotated[label] += 1
            if len(rows) < BATCH:
                break
            last_pk = rows[-1][0]
    return rotated
