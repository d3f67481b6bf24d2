"""Assistant fixtures: a Tampa borrower owned by a loan officer, texting through the SMS stand-in, inbound
replies signed as Twilio signs them and posted to the real webhook, and the real worker running the journey."""

from urllib.parse import urlsplit

import pytest
import time_machine

from firstcall.accounts.models import User
from tests.outside_services import BORROWER_PHONE, OUR_NUMBER, eastern, tampa_borrower

# A Monday at 1 p.m. in Tampa: inside every calling and texting window.
MONDAY_1PM = eastern(2026, 12, 7, 13, 0)


@pytest.fixture
def at_monday_lunch():
    with time_machine.travel(MONDAY_1PM, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(organisation, owner):
    owner.first_name, owner.last_name = "Olivia", "Reyes"
    owner.save(update_fields=["first_name", "last_name"])
    return tampa_borrower(organisation, owner=owner, consent_calls=True)


@pytest.fixture
def texting(twilio_settings, standin):
    return standin


@pytest.fixture
def borrower_says(client, texting, run_worker, django_capture_on_commit_callbacks):
    """Post a borrower's text to the inbound webhook and let the worker run everything it set off."""

    def say(body, *, from_=BORROWER_PHONE):
        url, params, signature = texting.inbound_request(from_, OUR_NUMBER, body)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(urlsplit(url).path, params, headers={"X-Twilio-Signature": signature})
        assert response.status_code in (200, 204), response.content
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
        return response

    return say


@pytest.fixture
def partner(organisation):
    from tests.conftest import make_user

    return make_user(organisation, "pat.partner", role=User.Role.PARTNER)
