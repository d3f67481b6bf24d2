"""The documents app's settings, from Django settings when set there, else the environment."""

import os

from django.conf import settings

MEBIBYTE = 1024 * 1024


def _setting(name: str, environment: str, default):
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(environment)
    if raw is None or raw == "":
        return default
    return type(default)(raw) if not isinstance(default, str) else raw


def max_upload_bytes() -> int:
    return int(_setting("DOCUMENTS_MAX_UPLOAD_BYTES", "FIRSTCALL_DOCUMENT_MAX_BYTES", 25 * MEBIBYTE))


def page_limit() -> int:
    return int(_setting("DOCUMENTS_PAGE_LIMIT", "FIRSTCALL_DOCUMENT_PAGE_LIMIT", 50))


def max_pixels() -> int:
    return int(_setting("DOCUMENTS_MAX_PIXELS", "FIRSTCALL_DOCUMENT_MAX_PIXELS", 50_000_000))


def borrower_uploads_per_ip_per_minute() -> int:
    """Posts to the borrower's upload page from one client address in a clock minute (0: no limit)."""
    return int(
        _setting("DOCUMENTS_UPLOADS_PER_IP_PER_MINUTE", "FIRSTCALL_DOCUMENT_UPLOADS_PER_IP_PER_MINUTE", 20)
    )


def borrower_uploads_per_link_per_minute() -> int:
    """Posts through one borrower upload link in a clock minute (0: no limit)."""
    return int(
        _setting(
            "DOCUMENTS_UPLOADS_PER_LINK_PER_MINUTE", "FIRSTCALL_DOCUMENT_UPLOADS_PER_LINK_PER_MINUTE", 10
        )
    )


def storage_directory():
    from pathlib import Path

    configured = _setting("DOCUMENTS_DIR", "FIRSTCALL_DOCUMENT_DIR", "")
    return Path(configured) if configured else Path(settings.DATA_DIR) / "documents"


def encryption_key_material() -> str:
    """FIRSTCALL_DOCUMENT_ENCRYPTION_KEY, else the field key, else the secret key."""
    return (
        _setting("DOCUMENT_ENCRYPTION_KEY", "FIRSTCALL_DOCUMENT_ENCRYPTION_KEY", "")
        or getattr(settings, "FIELD_ENCRYPTION_KEY", "")
        or settings.SECRET_KEY
    )


def previous_key_materials() -> list[str]:
    """Keys files may still be encrypted with during a rotation (comma-separated)."""
    raw = _setting("DOCUMENT_PREVIOUS_ENCRYPTION_KEYS", "FIRSTCALL_DOCUMENT_PREVIOUS_ENCRYPTION_KEYS", "")
    return [item.strip() for item in raw.split(",") if item.strip()]
