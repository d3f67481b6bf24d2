"""Helpers shared by the messaging tests (the fixtures are in tests/conftest.py): a borrower in Tampa, signed
posts through the test client; the stand-in's credentials and the SMTP handler come from tests/outside_services.py."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from tests.outside_services import (  # noqa: F401 - re-exported for the messaging tests
    ACCOUNT_SID,
    AUTH_TOKEN,
    BORROWER_PHONE,
    EASTERN,
    OUR_NUMBER,
    RecordingHandler,
    eastern,
    free_port,
)
from tests.outside_services import tampa_borrower as make_lead  # noqa: F401

PACIFIC = ZoneInfo("America/Los_Angeles")


def client_poster(client):
    """Deliver the stand-in's signed POSTs through Django's test client, in this thread and transaction."""

    def post(url, params, headers):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.post(path, params, headers=headers).status_code

    return post
