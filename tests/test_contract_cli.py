"""The command-line contract outside tools rely on, through the real `firstcall` script.

Each test runs this checkout's `python -m firstcall.cli` in a subprocess against a fresh SQLite database in a temporary
FIRSTCALL_DATA_DIR (DATABASE_URL removed, so the PostgreSQL run of the suite checks the same contract), and
then reads that database directly to check what the printed JSON claims."""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from firstcall.web.demo import DEMO_LOGINS, DEMO_ORG_SLUG
from tests.conftest import REPO_ROOT, own_code_env

EXPECTED_INTAKE_URL = {
    "api": "/api/v1/leads",
    "google_ads": "/hooks/google-ads/{id}/",
    "meta": "/hooks/meta/{id}/",
    "vendor_post": "/hooks/post/{id}/",
}
CHANNELS_WITH_SECRET = {"google_ads", "meta", "vendor_post"}


def firstcall(data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    # This checkout's code, never an installed `firstcall` script (which may belong to another clone).
    env = own_code_env({key: value for key, value in os.environ.items() if key != "DATABASE_URL"})
    env.update(FIRSTCALL_DATA_DIR=str(data_dir), FIRSTCALL_LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "firstcall.cli", *args]
    completed = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    if check:
        assert completed.returncode == 0, completed.stderr[-2000:]
    return completed


def one_json_line(completed: subprocess.CompletedProcess) -> dict:
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1, completed.stdout
    return json.loads(lines[0])


def query(data_dir: Path, sql: str, params=()) -> list[tuple]:
    with sqlite3.connect(data_dir / "firstcall.sqlite3") as database:
        return database.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("firstcall-contract")
    firstcall(path, "migrate", "--verbosity", "0")
    return path


@pytest.mark.parametrize("channel", ["web_form", "api", "google_ads", "meta", "vendor_post", "csv"])
def test_sources_create_prints_the_documented_json_for_every_channel(data_dir, channel):
    printed = one_json_line(
        firstcall(
            data_dir,
            "sources",
            "create",
            "--org",
            "Contract Lending",
            "--channel",
            channel,
            "--name",
            f"{channel} src",
        )
    )

    assert {"id", "channel", "intake_url", "api_key", "secret"} <= set(printed)
    assert isinstance(printed["id"], int) and printed["channel"] == channel
    if channel in EXPECTED_INTAKE_URL:
        assert printed["intake_url"] == EXPECTED_INTAKE_URL[channel].format(id=printed["id"])
    elif channel == "web_form":  # a public address: the source's random public id, never its number
        assert printed["intake_url"].startswith("/f/s") and len(printed["intake_url"]) > 16
        assert printed["intake_url"] != f"/f/{printed['id']}/"
    else:
        assert printed["intake_url"].startswith("/") and str(printed["id"]) in printed["intake_url"]
    assert (printed["api_key"] is not None) == (channel == "api")
    assert (printed["secret"] is not None) == (channel in CHANNELS_WITH_SECRET)
    if channel == "meta":
        assert printed["verify_token"] and printed["verify_token"] != printed["secret"]

    [(stored_channel, name, is_active, secret)] = query(
        data_dir,
        "SELECT channel, name, is_active, secret FROM leads_leadsource WHERE id = ?",
        (printed["id"],),
    )
    assert (stored_channel, name, is_active) == (channel, f"{channel} src", 1)
    assert secret == (printed["secret"] or "")
    if channel == "api":
        # The printed key is the one that authenticates: only its hash is stored, tied to this source.
        [(scopes, source_id)] = query(
            data_dir,
            "SELECT scopes, lead_source_id FROM accounts_apikey WHERE key_hash = ?",
            (hashlib.sha256(printed["api_key"].encode()).hexdigest(),),
        )
        assert json.loads(scopes) == ["leads:create"] and source_id == printed["id"]
        assert not query(data_dir, "SELECT id FROM accounts_apikey WHERE key_hash = ?", (printed["api_key"],))


def test_sources_create_makes_the_organisation_only_once(data_dir):
    first = one_json_line(
        firstcall(data_dir, "sources", "create", "--org", "Once Lending", "--channel", "api", "--name", "One")
    )
    second = one_json_line(
        firstcall(
            data_dir, "sources", "create", "--org", "once-lending", "--channel", "web_form", "--name", "Two"
        )
    )

    rows = query(
        data_dir,
        "SELECT DISTINCT organisation_id FROM leads_leadsource WHERE id IN (?, ?)",
        (first["id"], second["id"]),
    )
    assert len(rows) == 1
    assert query(data_dir, "SELECT count(*) FROM accounts_organisation WHERE name = 'Once Lending'") == [(1,)]


def test_sources_create_stores_the_mapping_file(data_dir, tmp_path):
    mapping = {
        "fields": {"first_name": "FirstName", "phone": "HomePhone"},
        "value_maps": {"credit": {"A": "740"}},
    }
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(mapping))

    printed = one_json_line(
        firstcall(
            data_dir,
            "sources",
            "create",
            "--org",
            "Contract Lending",
            "--channel",
            "vendor_post",
            "--name",
            "Mapped",
            "--mapping",
            str(mapping_file),
        )
    )

    [(stored,)] = query(data_dir, "SELECT field_mapping FROM leads_leadsource WHERE id = ?", (printed["id"],))
    assert json.loads(stored) == mapping


@pytest.mark.parametrize(
    "args, message",
    [
        (["--channel", "fax", "--name", "Nope"], "invalid choice"),
        (["--channel", "vendor_post", "--name", "Nope", "--mapping", "/nonexistent/mapping.json"], "mapping"),
    ],
)
def test_sources_create_refuses_bad_input_and_creates_nothing(data_dir, args, message):
    before = query(data_dir, "SELECT count(*) FROM leads_leadsource")

    completed = firstcall(data_dir, "sources", "create", "--org", "Refused Lending", *args, check=False)

    assert completed.returncode != 0
    assert message in completed.stderr.lower()
    assert query(data_dir, "SELECT count(*) FROM leads_leadsource") == before
    assert query(data_dir, "SELECT count(*) FROM accounts_organisation WHERE name = 'Refused Lending'") == [
        (0,)
    ]


def test_sources_create_refuses_a_mapping_that_is_not_a_json_object(data_dir, tmp_path):
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text('["not", "an", "object"]')

    completed = firstcall(
        data_dir,
        "sources",
        "create",
        "--org",
        "Contract Lending",
        "--channel",
        "vendor_post",
        "--name",
        "Bad map",
        "--mapping",
        str(mapping_file),
        check=False,
    )

    assert completed.returncode != 0 and "JSON object" in completed.stderr
    assert query(data_dir, "SELECT count(*) FROM leads_leadsource WHERE name = 'Bad map'") == [(0,)]


@pytest.mark.parametrize("scopes", ["leads:read", "leads:read,leads:write"])
def test_apikeys_create_prints_the_key_and_stores_only_its_hash(data_dir, scopes):
    printed = one_json_line(
        firstcall(data_dir, "apikeys", "create", "--org", "Contract Lending", "--scopes", scopes)
    )

    raw_key = printed["api_key"]
    assert isinstance(raw_key, str) and len(raw_key) >= 32
    [(stored_scopes, prefix, revoked_at)] = query(
        data_dir,
        "SELECT scopes, prefix, revoked_at FROM accounts_apikey WHERE key_hash = ?",
        (hashlib.sha256(raw_key.encode()).hexdigest(),),
    )
    assert sorted(json.loads(stored_scopes)) == sorted(scopes.split(","))
    assert raw_key.startswith(prefix) and len(prefix) < len(raw_key) and revoked_at is None


def test_apikeys_create_refuses_unknown_scopes_and_creates_nothing(data_dir):
    before = query(data_dir, "SELECT count(*) FROM accounts_apikey")

    completed = firstcall(
        data_dir,
        "apikeys",
        "create",
        "--org",
        "Contract Lending",
        "--scopes",
        "leads:read,admin:all",
        check=False,
    )

    assert completed.returncode != 0 and "admin:all" in completed.stderr
    assert query(data_dir, "SELECT count(*) FROM accounts_apikey") == before


# --- the demo -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("firstcall-demo")
    firstcall(path, "migrate", "--verbosity", "0")
    return path


def demo_borrowers(data_dir: Path) -> list[tuple]:
    return query(
        data_dir,
        "SELECT l.first_name, l.last_name, l.email, l.zip_code FROM leads_lead l "
        "JOIN accounts_organisation o ON o.id = l.organisation_id WHERE o.slug = ? "
        "ORDER BY l.email, l.last_name",
        (DEMO_ORG_SLUG,),
    )


def test_seed_demo_creates_the_organisation_people_sources_and_leads(demo_dir):
    completed = firstcall(demo_dir, "seed_demo", "--leads", "40")
    assert "Seeded Demo Home Loans: 40 leads" in completed.stdout

    for username, password, _role in DEMO_LOGINS:
        [(hashed, role)] = query(
            demo_dir, "SELECT password, role FROM accounts_user WHERE username = ?", (username,)
        )
        # The tests' settings swap in a fast hasher; the demo uses Django's default, PBKDF2.
        assert PBKDF2PasswordHasher().verify(password, hashed), f"documented password of {username} fails"
    officers = query(
        demo_dir, "SELECT licensed_states, nmls_id, languages FROM accounts_user WHERE role = 'loan_officer'"
    )
    assert len(officers) == 4
    assert len({states for states, _nmls, _languages in officers}) == 4 and all(
        nmls for _s, nmls, _l in officers
    )
    assert any("es" in json.loads(languages) for _s, _n, languages in officers)
    channels = {row[0] for row in query(demo_dir, "SELECT channel FROM leads_leadsource")}
    assert channels == {"web_form", "api", "google_ads", "meta", "vendor_post", "csv"}

    assert len(demo_borrowers(demo_dir)) == 40
    statuses = {row[0] for row in query(demo_dir, "SELECT DISTINCT status FROM leads_intakerecord")}
    assert {"accepted", "merged", "duplicate", "rejected"} <= statuses
    stages = {
        row[0]
        for row in query(
            demo_dir, "SELECT DISTINCT s.name FROM leads_lead l JOIN pipeline_stage s ON s.id = l.stage_id"
        )
    }
    assert len(stages) >= 4
    # Every owner is licensed where the borrower lives.
    for state, licensed in query(
        demo_dir,
        "SELECT l.state, u.licensed_states FROM leads_lead l JOIN accounts_user u ON u.id = l.owner_id",
    ):
        assert state in json.loads(licensed)


def test_seed_demo_refuses_to_seed_twice_and_reset_gives_the_same_demo(demo_dir):
    before = demo_borrowers(demo_dir)

    again = firstcall(demo_dir, "seed_demo", "--leads", "40", check=False)
    assert again.returncode != 0 and "already exists" in again.stderr
    assert demo_borrowers(demo_dir) == before

    firstcall(demo_dir, "seed_demo", "--leads", "40", "--reset")
    assert demo_borrowers(demo_dir) == before  # fixed seed: the same borrowers every time
    assert query(demo_dir, "SELECT count(*) FROM accounts_organisation WHERE slug = ?", (DEMO_ORG_SLUG,)) == [
        (1,)
    ]
