"""`firstcall backup` and `firstcall restore`: a copy restored into a fresh database serves the same leads
over the API (SQLite through the online backup API; PostgreSQL through pg_dump/pg_restore)."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import create_api_key

SERVE_LEADS = """
import django, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firstcall.settings")
django.setup()
from django.test import Client
answer = Client().get("/api/v1/leads?page_size=100", headers={"X-Api-Key": sys.argv[1]})
print(json.dumps({"status": answer.status_code, "body": answer.json()}))
"""


def run(args, env):
    completed = subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr[-3000:]
    return completed.stdout


@pytest.fixture
def fresh_database(tmp_path):
    """Environment for a process using a new, empty database with this installation's keys."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(FIRSTCALL_SECRET_KEY=settings.SECRET_KEY, FIRSTCALL_FIELD_ENCRYPTION_KEY=",".join(
        settings.FIELD_ENCRYPTION_KEYS), FIRSTCALL_LOG_LEVEL="WARNING")  # fmt: skip
    if connection.vendor == "sqlite":
        env["FIRSTCALL_DATA_DIR"] = str(tmp_path / "fresh")
        yield env
        return
    name = f"restore_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    env["DATABASE_URL"] = f"{base}/{name}"
    env["FIRSTCALL_DATA_DIR"] = str(tmp_path / "fresh")
    yield env
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_restored_copy_serves_the_same_leads(
    client, api_source, borrower_payload, fresh_database, tmp_path
):
    for index in range(3):
        payload = {**borrower_payload, "external_id": f"V-{index}", "email": f"borrower{index}@example.com",
                   "phone": f"81355501{index}0", "annual_income": "85000"}  # fmt: skip
        response = client.post("/api/v1/leads", data=json.dumps(payload), content_type="application/json",
                               headers={"X-Api-Key": api_source.raw_api_key})  # fmt: skip
        assert response.status_code == 201
    _, read_key = create_api_key(api_source.organisation, name="Reporting", scopes=[ApiKey.SCOPE_LEADS_READ])
    original = client.get("/api/v1/leads?page_size=100", headers={"X-Api-Key": read_key}).json()
    assert original["count"] == 3

    backup_file = tmp_path / "firstcall.backup"
    call_command("backup", str(backup_file))
    assert backup_file.stat().st_size > 0

    restored = json.loads(run(["-m", "firstcall.cli", "restore", str(backup_file)], fresh_database))
    assert restored["tables"] > 20
    served = json.loads(run(["-c", SERVE_LEADS, read_key], fresh_database))
    assert served["status"] == 200
    assert served["body"] == original

    # A second restore into the now non-empty database is refused: a restore never overwrites data.
    refused = subprocess.run([sys.executable, "-m", "firstcall.cli", "restore", str(backup_file)],
                             env=fresh_database, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert refused.returncode != 0 and "not empty" in refused.stderr


@pytest.mark.django_db
def test_restoring_a_file_that_is_not_a_backup_is_refused(tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database")
    with pytest.raises(CommandError, match="not empty|not an SQLite backup|not a pg_dump"):
        call_command("restore", str(bogus))
