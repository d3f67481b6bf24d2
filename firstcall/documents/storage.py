"""Documents at rest: AES-256-GCM (authenticated) encryption, then a Django storage backend.

Each stored file is `FCD1 | key id (8 bytes) | nonce (12) | ciphertext+tag`, with the file's storage name as
associated data, so a file swapped for another is detected. The key id names which key encrypted it, so files
from before a rotation still open while `firstcall rotate_document_key` re-encrypts them.

The backend is Django's `storages["documents"]` when configured (e.g. django-storages' S3 backend), else a
private directory under the data directory.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages

from firstcall.documents import conf

MAGIC = b"FCD1"


class UnreadableStoredFile(Exception):
    pass


def _key(material: str) -> bytes:
    return hashlib.sha256(("firstcall-documents:" + material).encode()).digest()


def key_id(material: str) -> bytes:
    return hashlib.sha256(_key(material)).digest()[:8]


def current_key_id() -> str:
    return key_id(conf.encryption_key_material()).hex()


def encrypt(data: bytes, name: str) -> bytes:
    material = conf.encryption_key_material()
    nonce = os.urandom(12)
    return MAGIC + key_id(material) + nonce + AESGCM(_key(material)).encrypt(nonce, data, name.encode())


def decrypt(blob: bytes, name: str) -> bytes:
    if blob[:4] != MAGIC:
        raise UnreadableStoredFile("The stored file is not in FirstCall's encrypted format.")
    wanted, nonce, body = blob[4:12], blob[12:24], blob[24:]
    for material in [conf.encryption_key_material(), *conf.previous_key_materials()]:
        if key_id(material) == wanted:
            try:
                return AESGCM(_key(material)).decrypt(nonce, body, name.encode())
            except Exception as error:
                raise UnreadableStoredFile("The stored file fails its integrity check.") from error
    raise UnreadableStoredFile("The stored file was encrypted with a key that is not configured.")


def backend():
    try:
        return storages["documents"]
    except InvalidStorageError:
        directory = conf.storage_directory()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return FileSystemStorage(location=str(directory), file_permissions_mode=0o600)


def save(organisation_id: int, data: bytes) -> str:
    name = f"{organisation_id}/{uuid.uuid4().hex}.fcd"
    store = backend()
    saved = store.save(name, ContentFile(encrypt(data, name)))
    if saved != name:  # the storage renamed it: re-encrypt under the final name (the associated data)
        store.delete(saved)
        raise UnreadableStoredFile("Storage refused the generated file name.")
    return name


def load(name: str) -> bytes:
    with backend().open(name, "rb") as handle:
        return decrypt(handle.read(), name)


def rewrite(name: str) -> bool:
    """Re-encrypt one stored file with the current key; False when it already uses it."""
    store = backend()
    with store.open(name, "rb") as handle:
        blob = handle.read()
    if blob[4:12] == key_id(conf.encryption_key_material()):
        return False
    plain = decrypt(blob, name)
    store.delete(name)
    store.save(name, ContentFile(encrypt(plain, name)))
    return True
