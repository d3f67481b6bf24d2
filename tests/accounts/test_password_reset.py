"""Password reset by email, delivered over real SMTP to a local aiosmtpd server."""

import email
import re
import socket

import pytest
from account_helpers import PASSWORD, sign_in_with_password
from aiosmtpd.controller import Controller

from firstcall.accounts import audit
from firstcall.accounts.models import AuditEvent
from tests.clock import just_after_a_minute_begins

NEW_PASSWORD = "lighthouse marmalade 7 quartz"


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.SITE_URL = "https://firstcall.acme.test"
    yield inbox
    controller.stop()


def _reset_path(message) -> str:
    body = message.get_payload(decode=True).decode()
    return re.search(r"https://firstcall\.acme\.test(/password-reset/[^\s]+/)", body).group(1)


def test_password_reset_email_link_sets_a_new_password(client, owner, smtp_inbox):
    response = client.post("/password-reset/", {"email": "OLIVIA@acme.test"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert len(smtp_inbox.messages) == 1
    recipients, message = smtp_inbox.messages[0]
    assert recipients == ["olivia@acme.test"]
    assert message["Subject"] == "Reset your FirstCall password"
    link = _reset_path(message)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and "Choose a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    assert client.session.get("_auth_user_id") is None  # not signed in by the reset itself

    assert sign_in_with_password(client, "olivia", password=PASSWORD).status_code == 200
    assert sign_in_with_password(client, "olivia", password=NEW_PASSWORD).status_code == 302
    assert list(
        AuditEvent.objects.filter(action__startswith="password_reset")
        .order_by("id")
        .values_list("action", "actor")
    ) == [(audit.PASSWORD_RESET_REQUESTED, None), (audit.PASSWORD_RESET_COMPLETED, owner.pk)]

    reused = client.get(link, follow=True)
    assert "This link no longer works" in reused.content.decode()


def test_unknown_address_gets_the_same_answer_and_no_email(client, owner, smtp_inbox):
    response = client.post("/password-reset/", {"email": "nobody@acme.test"})

    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    assert smtp_inbox.messages == []
    event = AuditEvent.objects.get(action=audit.PASSWORD_RESET_REQUESTED)
    assert event.detail == {"matched": False} and event.organisation is None


def test_reset_requests_are_rate_limited_per_address(client, owner, smtp_inbox):
    with just_after_a_minute_begins():
        for _ in range(5):
            client.post("/password-reset/", {"email": "olivia@acme.test"})

    assert len(smtp_inbox.messages) == 3
    assert (
        AuditEvent.objects.filter(action=audit.PASSWORD_RESET_REQUESTED, detail__throttled=True).count() == 2
    )


def test_reset_link_host_comes_from_site_url_not_the_host_header(client, owner, smtp_inbox, settings):
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]

    client.post("/password-reset/", {"email": "olivia@acme.test"}, HTTP_HOST="evil.example")

    body = smtp_inbox.messages[0][1].get_payload(decode=True).decode()
    assert "evil.example" not in body and "https://firstcall.acme.test/password-reset/" in body


def test_completed_reset_clears_a_username_lock(client, owner, smtp_inbox):
    for _ in range(5):
        sign_in_with_password(client, "olivia", password="guess")
    assert sign_in_with_password(client, "olivia").status_code == 429

    client.post("/password-reset/", {"email": "olivia@acme.test"})
    form_page = client.get(_reset_path(smtp_inbox.messages[0][1]), follow=True)
    client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert sign_in_with_password(client, "olivia", password=NEW_PASSWORD).status_code == 302
