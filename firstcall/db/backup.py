"""Backup and restore of the whole database: `firstcall backup FILE` and `firstcall restore FILE`.

SQLite: the online backup API (sqlite3.Connection.backup), a consistent copy taken while the web processes
and workers keep running. PostgreSQL: `pg_dump --format=custom` and `pg_restore` (the client tools of the
server's major version), with the connection taken from DATABASE_URL. A restore goes into a fresh (empty)
database only, so a mistyped command cannot overwrite live data.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _pg_env(settings_dict: dict) -> dict:
    env = {**os.environ}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):  # fmt: skip
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def backup(target: Path) -> dict:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        return {"engine": "sqlite", "file": str(target), "bytes": target.stat().st_size}
    if connection.vendor == "postgresql":
        completed = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            env=_pg_env(connection.settings_dict), capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if completed.returncode != 0:
            raise BackupError(f"pg_dump failed: {completed.stderr.strip()[-500:]}")
        return {"engine": "postgresql", "file": str(target), "bytes": target.stat().st_size}
    raise BackupError(f"No backup method for the {connection.vendor} database")


def _is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(source: Path) -> dict:
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    head = source.read_bytes()[:16]
    if not _is_empty():
        raise BackupError(
            "The database is not empty: restore into a fresh database (a new DATABASE_URL or data dir)"
        )
    if connection.vendor == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(f"{source} is not an SQLite backup")
        connection.ensure_connection()
        origin = sqlite3.connect(source)
        try:
            origin.backup(connection.connection)
        finally:
            origin.close()
    elif connection.vendor == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump custom-format backup")
        connection.close()
        completed = subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             f"--dbname={connection.settings_dict['NAME']}", str(source)],
            env=_pg_env(connection.settings_dict), capture_output=True, text=True, timeout=3600,
        )  # fmt: skip
        if completed.returncode != 0:
            raise BackupError(f"pg_restore failed: {completed.stderr.strip()[-500:]}")
    else:
        raise BackupError(f"No restore method for the {connection.vendor} database")
    tables = len(connection.introspection.table_names())
    return {"engine": connection.vendor, "file": str(source), "tables": tables}
