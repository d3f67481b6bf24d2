"""Shared fixtures: one organisation with named people (owner, teammate, outsider), and sources per channel."""

import os
import socket
from pathlib import Path

import pytest
from django.conf import settings

from firstcall.accounts.models import Organisation, Team, User
from firstcall.leads.sources import create_source
from firstcall.leads.stages import ensure_default_pipelines

REPO_ROOT = Path(__file__).resolve().parents[1]


def own_code_env(env: dict | None = None) -> dict:
    """The environment for a subprocess that must run this checkout's code (`sys.executable -m firstcall.cli`
    with cwd=REPO_ROOT): this checkout goes first on PYTHONPATH, so an installed copy of FirstCall elsewhere
    (an editable install of another clone) is never imported instead."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    return env


only_postgres = pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks")


@pytest.fixture(autouse=True)
def _block_outside_network(monkeypatch):
    """Tests may talk to loopback only: a stray call to a real provider fails loudly instead of leaking."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("127.0.0.1", "localhost", "::1")
            and not host.startswith("/")
        ):
            raise RuntimeError(f"Tests must not reach outside the machine (tried {host})")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s per user; tests create many users and are not testing PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def organisation(db):
    org = Organisation.objects.create(
        name="Acme Home Loans", postal_address="1 Main St, Tampa, FL 33602", nmls_id="1234567"
    )
    ensure_default_pipelines(org)
    return org


@pytest.fixture
def other_organisation(db):
    org = Organisation.objects.create(name="Other Lender", nmls_id="7654321")
    ensure_default_pipelines(org)
    return org


@pytest.fixture
def team(organisation):
    return Team.objects.create(organisation=organisation, name="Tampa branch")


def make_user(organisation, username, role=User.Role.LOAN_OFFICER, **fields):
    user = User.objects.create_user(
        username=username,
        password="correct horse battery staple",
        organisation=organisation,
        role=role,
        first_name=fields.pop("first_name", username.title()),
        email=fields.pop("email", f"{username}@acme.test"),
        **fields,
    )
    return user


@pytest.fixture
def admin_user(organisation):
    return make_user(organisation, "adele", role=User.Role.ADMIN)


@pytest.fixture
def manager(organisation, team):
    user = make_user(organisation, "maria", role=User.Role.MANAGER)
    user.managed_teams.add(team)
    return user


@pytest.fixture
def owner(organisation, team):
    user = make_user(
        organisation, "olivia", nmls_id="100001", licensed_states=["FL", "GA"], phone="+18135550101"
    )
    user.teams.add(team)
    return user


@pytest.fixture
def teammate(organisation, team):
    user = make_user(
        organisation, "theo", nmls_id="100002", licensed_states=["FL", "TX"], phone="+18135550102"
    )
    user.teams.add(team)
    return user


@pytest.fixture
def outsider(other_organisation):
    return make_user(other_organisation, "oscar", nmls_id="200001", licensed_states=["FL"])


@pytest.fixture
def api_source(organisation):
    source, issued = create_source(organisation, channel="api", name="Website API")
    source.raw_api_key = issued["api_key"]
    return source


@pytest.fixture
def borrower_payload():
    return {
        "first_name": "ana",
        "last_name": "LOPEZ",
        "email": "Ana.Lopez@Example.com",
        "phone": "(813) 555-0199",
        "zip": "33602",
        "purpose": "purchase",
        "loan_type": "FHA",
        "credit_band": "Good",
        "purchase_price": "$350,000",
        "down_payment": "12,250",
        "timeframe": "30_days",
        "first_time_buyer": "yes",
        "veteran": False,
        "external_id": "VENDOR-1001",
        "utm": {"source": "google", "campaign": "fha-tampa"},
        "consent": {
            "sms": True,
            "email": True,
            "calls": True,
            "text": "By checking this box I agree to be contacted by Acme Home Loans...",
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0",
            "page_url": "https://acme.test/apply",
            "trusted_form_url": "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
            "leadid_token": "12345678-1234-1234-1234-123456789012",
        },
        "favorite_color": "blue",
    }


def drain_task_queue() -> None:
    """Run a real django-tasks-db worker until the queue holds nothing ready, in this process."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="pytest-worker",
        excluded_queue_names=[],
    ).run()


@pytest.fixture
def run_worker(db, monkeypatch):
    """Call run_worker() to execute every queued task that is due, with the real database worker.

    The worker closes stale connections between tasks; inside a test that would close the connection holding
    the test's transaction, so that one call is switched off here."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return drain_task_queue


# --- Outside services over real connections: the SMS stand-in and a local SMTP server -------------------------


@pytest.fixture
def standin():
    """The Twilio-shaped stand-in on a random port; status callbacks wait until the test flushes them."""
    from firstcall.messaging.standin.sms_server import StandinSmsServer
    from tests.outside_services import ACCOUNT_SID, AUTH_TOKEN

    server = StandinSmsServer(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        callback_base="http://testserver",
        auto_callbacks=False,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def twilio_settings(settings, standin, organisation):
    from tests.outside_services import ACCOUNT_SID, AUTH_TOKEN, OUR_NUMBER

    settings.SMS_PROVIDER = "twilio"
    settings.SMS_API_URL = standin.url
    settings.SMS_ACCOUNT_SID = ACCOUNT_SID
    settings.SMS_AUTH_TOKEN = AUTH_TOKEN
    settings.SMS_FROM_NUMBER = OUR_NUMBER
    settings.SITE_URL = "http://testserver"
    settings.SMS_API_TIMEOUT_SECONDS = 2
    organisation.sms_from_number = OUR_NUMBER
    organisation.save(update_fields=["sms_from_number"])
    return settings


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a random port that records what it receives."""
    from aiosmtpd.controller import Controller

    from tests.outside_services import RecordingHandler, free_port

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_PROVIDER = "smtp"
    settings.DEFAULT_FROM_EMAIL = "Acme Home Loans <hello@acme.test>"
    settings.SITE_URL = "http://testserver"
    handler.port = controller.port
    yield handler
    controller.stop()
