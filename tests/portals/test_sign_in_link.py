"""Portal sign-in by link: sent through the outbox and its gate, signed, expiring, single use, bound to the
person, rate limited, audited; staff can never use it and a portal session is never a staff session."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from firstcall.accounts.models import AuditEvent, User
from firstcall.messaging.models import Message, Suppression
from firstcall.portals import services as portals
from firstcall.portals.models import SignInLink
from tests.clock import just_after_a_minute_begins
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db


@pytest.fixture
def borrower(organisation):
    return tampa_borrower(organisation)


@pytest.fixture
def partner(organisation):
    return make_user(organisation, "rita", role=User.Role.PARTNER, email="rita@realty.example")


def ask(client, organisation, address, **extra):
    return client.post(f"/portal/{organisation.slug}/sign-in/", {"address": address}, **extra)


def link_path(message: Message) -> str:
    return re.search(r"http://testserver(/portal/link/\S+/)", message.body).group(1)


def test_borrower_gets_an_email_link_through_the_outbox_and_signs_in_once(client, organisation, borrower):
    response = ask(client, organisation, "Ana.Lopez@example.com")
    assert response.status_code == 200 and "sign-in link is on its way" in response.content.decode()
    message = Message.objects.get(lead=borrower, channel="email")
    assert message.purpose == Message.Purpose.MANUAL and not message.is_marketing and message.sent_by is None
    path = link_path(message)

    assert client.get(path).status_code == 200  # a scanner opening the link does not use it up
    assert SignInLink.objects.get().used_at is None
    response = client.post(path)
    assert response.status_code == 302 and response.url == "/portal/"
    session = client.session
    assert session[portals.SESSION_KEY]["lead_id"] == borrower.pk
    assert "_auth_user_id" not in session  # nobody is logged in as a staff user
    assert client.get("/portal/").status_code == 200
    assert AuditEvent.objects.filter(action=portals.PORTAL_SIGN_IN, detail__lead_id=borrower.pk).count() == 1
    assert AuditEvent.objects.filter(action=portals.PORTAL_VIEW, detail__page="home").count() == 1

    other = Client()
    response = other.post(path)
    assert response.status_code == 400 and "already been used" in response.content.decode()
    assert "Send me a new link" in response.content.decode()
    assert portals.SESSION_KEY not in other.session


def test_a_partner_gets_a_text_link_bound_to_their_account(client, organisation, partner):
    partner.phone = "+18135550199"
    partner.save(update_fields=["phone"])
    ask(client, organisation, "(813) 555-0199")
    message = Message.objects.get(recipient_user=partner)
    assert message.channel == "sms" and message.to_address == "+18135550199"
    client.post(link_path(message))
    assert client.session[portals.SESSION_KEY]["user_id"] == partner.pk
    assert client.session[portals.SESSION_KEY]["party"] == "partner"


@pytest.mark.parametrize("role", [User.Role.LOAN_OFFICER, User.Role.ADMIN, User.Role.MANAGER])
def test_staff_accounts_never_get_a_link(client, organisation, role):
    make_user(organisation, "staffer", role=role, email="staffer@acmeloans.example")
    response = ask(client, organisation, "staffer@acmeloans.example")
    assert "sign-in link is on its way" in response.content.decode()  # the same answer, nothing revealed
    assert not Message.objects.exists() and not SignInLink.objects.exists()


def test_a_partner_who_became_staff_cannot_use_an_old_link(client, organisation, partner):
    ask(client, organisation, partner.email)
    path = link_path(Message.objects.get())
    partner.role = User.Role.LOAN_OFFICER
    partner.save(update_fields=["role"])
    response = client.post(path)
    assert response.status_code == 400 and portals.SESSION_KEY not in client.session


def test_unknown_address_sends_nothing_and_says_the_same(client, organisation):
    response = ask(client, organisation, "nobody@example.com")
    assert "sign-in link is on its way" in response.content.decode()
    assert not Message.objects.exists() and not SignInLink.objects.exists()


def test_an_opted_out_borrower_gets_no_link_the_gate_stops_it(
    client, organisation, borrower, run_worker, django_capture_on_commit_callbacks
):
    Suppression.objects.create(
        organisation=organisation, channel="email", address=borrower.email, reason=Suppression.Reason.MANUAL
    )
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, organisation, borrower.email)
    run_worker()
    message = Message.objects.get()
    assert message.status == Message.Status.SUPPRESSED


def test_expired_link_gives_a_clear_page_and_does_not_sign_in(client, organisation, borrower):
    ask(client, organisation, borrower.email)
    path = link_path(Message.objects.get())
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = client.post(path)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert portals.SESSION_KEY not in client.session
    assert SignInLink.objects.get().used_at is None


def test_tampered_link_is_refused(client, organisation, borrower):
    ask(client, organisation, borrower.email)
    path = link_path(Message.objects.get())
    link_id = str(SignInLink.objects.get().pk)
    tampered = path.replace(f"/link/{link_id}:", f"/link/{int(link_id) + 1}:")
    response = client.post(tampered)
    assert response.status_code == 400 and "not valid" in response.content.decode()
    assert client.post("/portal/link/garbage/").status_code == 400
    assert SignInLink.objects.get().used_at is None
    assert AuditEvent.objects.filter(action=portals.PORTAL_SIGN_IN_FAILED).count() == 2


def test_links_are_rate_limited_per_address_and_per_ip(client, organisation, borrower, settings):
    settings.PORTAL_LINKS_PER_ADDRESS_PER_MINUTE = 2
    settings.PORTAL_LINKS_PER_IP_PER_MINUTE = 4
    with just_after_a_minute_begins():
        for _ in range(2):
            assert ask(client, organisation, borrower.email).status_code == 200
        assert ask(client, organisation, borrower.email).status_code == 429
        assert Message.objects.count() == 2
        assert ask(client, organisation, "someone@example.com").status_code == 200  # 4th from this IP
        assert ask(client, organisation, "else@example.com").status_code == 429  # 5th from this IP
        assert ask(client, organisation, "else@example.com", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_a_staff_session_does_not_open_the_portal_and_portal_is_404_without_sign_in(client, owner):
    assert client.get("/portal/").status_code == 404
    client.force_login(owner)
    assert client.get("/portal/").status_code == 404


def test_bad_address_gets_a_clear_error(client, organisation):
    response = ask(client, organisation, "not an address")
    assert "Enter the email address or mobile number" in response.content.decode()


def test_signing_out_ends_the_portal_session(client, organisation, borrower):
    ask(client, organisation, borrower.email)
    client.post(link_path(Message.objects.get()))
    client.post("/portal/sign-out/")
    assert client.get("/portal/").status_code == 404
