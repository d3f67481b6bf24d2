"""Local secret generation for the embedded default, so no secret is ever committed."""

import secrets
from pathlib import Path


def local_secret_key(data_dir: Path) -> str:
    """Return a per-installation secret key stored beside the SQLite database (created on first use)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
