"""Outbound webhooks against a real HTTP receiver on 127.0.0.1 (allow-listed, as a self-hosted receiver is)."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from firstcall.events.outbox import emit
from firstcall.integrations.models import WebhookAttempt, WebhookMessage, WebhookSubscription
from firstcall.integrations.webhooks import services as webhooks
from firstcall.integrations.webhooks.addresses import BlockedDestination, check_destination, is_public
from tests.conftest import make_user
from tests.outside_services import tampa_borrower


class Receiver:
    """A webhook receiver: records every request; answers `status` (or hangs until released)."""

    def __init__(self):
        self.requests = []
        self.status = 204
        self.location = ""
        self.hang = False
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("content-length", 0))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": self.rfile.read(length).decode()}
                )
                if receiver.hang:
                    receiver.released.wait(10)
                    return
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/firstcall"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    settings.EVENT_SUBSCRIBERS = ["firstcall.integrations.subscribers"]
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def subscription(organisation, receiver):
    return webhooks.create_subscription(
        organisation, url=receiver.url, event_types=["lead.created", "lead.opted_out"]
    )


@pytest.fixture
def work(run_worker, django_capture_on_commit_callbacks):
    """Run the real worker, and what its tasks enqueue on commit, until nothing is left that is due."""

    def run():
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                run_worker()
            if not callbacks:
                return

    return run


def lead_captured(organisation, django_capture_on_commit_callbacks):
    lead = tampa_borrower(organisation)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = emit("lead.captured", organisation_id=organisation.pk, lead_id=lead.pk, inquiry_id=None,
                     source_id=None, channel="api", is_new_lead=True)  # fmt: skip
    return lead, event


def test_a_new_lead_reaches_the_receiver_signed_by_the_worker(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    lead, event = lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    [request] = receiver.requests
    headers = {key.lower(): value for key, value in request["headers"].items()}
    payload = Webhook(subscription.secret).verify(request["body"], headers)
    assert payload["type"] == "lead.created"
    assert payload["data"] == {"event_id": event.pk, "lead_id": lead.pk, "inquiry_id": None, "source_id": None,
                               "channel": "api", "is_new_lead": True}  # fmt: skip
    assert headers["webhook-id"].startswith("msg_") and headers["webhook-signature"].startswith("v1,")
    message = WebhookMessage.objects.get()
    assert (message.status, message.attempts, message.last_status_code) == ("delivered", 1, 204)
    assert message.event_id == event.pk
    # A forged or altered body fails the receiver's check.
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription.secret).verify(request["body"].replace("api", "web"), headers)


def test_events_a_subscription_did_not_choose_are_not_sent(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    lead = tampa_borrower(organisation)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("task.due", organisation_id=organisation.pk, task_id=1, lead_id=lead.pk, assigned_to_id=None)
    work()
    assert receiver.requests == [] and not WebhookMessage.objects.exists()


def test_the_same_event_dispatched_twice_is_one_message(
    organisation, subscription, django_capture_on_commit_callbacks
):
    lead, event = lead_captured(organisation, django_capture_on_commit_callbacks)
    from firstcall.integrations.subscribers import lead_captured as subscriber

    subscriber(event)
    subscriber(event)
    assert WebhookMessage.objects.count() == 1


def test_a_receiver_failing_for_a_day_is_retried_then_turned_off_and_the_admin_emailed(
    organisation, subscription, receiver, work, smtp_server, django_capture_on_commit_callbacks
):
    make_user(organisation, "adele", role="admin", email="adele@acme.test")
    receiver.status = 500
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        lead_captured(organisation, django_capture_on_commit_callbacks)
        work()
        message = WebhookMessage.objects.get()
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.next_attempt_at == message.attempt_log.get().attempted_at + timedelta(seconds=5)
        for delay in webhooks.RETRY_DELAYS:
            clock.shift(delay)
            work()
        message.refresh_from_db()
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS == 8
    assert len({request["headers"]["webhook-id"] for request in receiver.requests}) == 1  # same id each retry
    assert (message.status, message.attempts, message.last_status_code) == ("failed", 8, 500)
    attempts = list(WebhookAttempt.objects.order_by("attempted_at"))
    assert attempts[-1].attempted_at - attempts[0].attempted_at >= timedelta(hours=24)
    subscription.refresh_from_db()
    assert subscription.is_active is False and "HTTP 500" in subscription.disabled_reason
    [email] = smtp_server.messages()
    assert email["To"] == "adele@acme.test" and "turned off" in email["Subject"]
    assert f"/settings/webhooks/{subscription.pk}/" in email.get_content()


def test_a_receiver_that_recovers_is_not_turned_off(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    receiver.status = 503
    with time_machine.travel(timezone.now(), tick=False) as clock:
        lead_captured(organisation, django_capture_on_commit_callbacks)
        work()
        receiver.status = 200
        clock.shift(webhooks.RETRY_DELAYS[0])
        work()
    message = WebhookMessage.objects.get()
    subscription.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 2)
    assert subscription.is_active and subscription.failing_since is None


def test_a_receiver_that_hangs_times_out_and_is_retried(
    organisation, subscription, receiver, work, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.hang = True
    lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    message = WebhookMessage.objects.get()
    assert message.status == "pending" and message.last_error == "timed out after 0.3 s"
    assert message.attempt_log.get().status_code is None


def test_redirects_are_not_followed(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    receiver.status = 302
    receiver.location = "http://169.254.169.254/latest/meta-data/"
    lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    message = WebhookMessage.objects.get()
    assert len(receiver.requests) == 1
    assert (message.status, message.last_status_code, message.last_error) == (
        "pending", 302, "redirects are not followed",
    )  # fmt: skip


def test_loopback_receivers_are_refused_unless_allow_listed(organisation, receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    with pytest.raises(webhooks.InvalidSubscription, match="127.0.0.1, a loopback, private"):
        webhooks.create_subscription(organisation, url=receiver.url, event_types=["lead.created"])
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    assert webhooks.create_subscription(organisation, url=receiver.url, event_types=["lead.created"]).pk


def test_a_host_taken_off_the_allow_list_gets_nothing(
    organisation, subscription, receiver, work, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    message = WebhookMessage.objects.get()
    assert receiver.requests == []
    assert message.last_error.startswith("blocked: 127.0.0.1 resolves to 127.0.0.1")


def _resolver(*addresses):
    def resolve(host, port, type=None):
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in addresses]  # fmt: skip

    return resolve


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
     "fe80::1", "fc00::5", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "fd00:ec2::254", "224.0.0.1", "100.100.100.200"],
)  # fmt: skip
def test_private_loopback_link_local_and_metadata_addresses_are_blocked_after_resolution(address):
    assert not is_public(address)
    with pytest.raises(BlockedDestination):
        check_destination(
            "https://hooks.example.com/x", allowed_hosts=[], resolve=_resolver("93.184.216.34", address)
        )


def test_a_public_address_is_allowed_and_pinned():
    destination = check_destination("https://hooks.example.com:8443/x", allowed_hosts=[],
                                    resolve=_resolver("93.184.216.34"))  # fmt: skip
    assert (destination.host, destination.port, destination.address) == (
        "hooks.example.com",
        8443,
        "93.184.216.34",
    )


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "https://user:pw@example.com/x", "https:///x", "file:///etc/passwd"]
)
def test_urls_that_are_not_plain_http_are_refused(url):
    with pytest.raises(BlockedDestination):
        check_destination(url, allowed_hosts=[], resolve=_resolver("93.184.216.34"))


def test_replay_sends_the_same_message_again(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    message = WebhookMessage.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.replay(message)
    work()
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] == message.message_id
    assert json.loads(first["body"]) == json.loads(second["body"])
    assert message.attempt_log.count() == 2


# --- settings pages ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_an_admin_adds_a_receiver_and_sees_the_secret_once(admin_client, organisation, receiver):
    response = admin_client.post("/settings/webhooks/", {"url": receiver.url, "description": "CRM",
                                                         "event_types": ["lead.created", "loan.funded"]})  # fmt: skip
    assert response.status_code == 201
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_") and subscription.secret in response.content.decode()
    assert subscription.event_types == ["lead.created", "loan.funded"]
    assert (
        subscription.secret not in admin_client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    )


def test_the_settings_page_refuses_a_private_receiver(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = admin_client.post(
        "/settings/webhooks/", {"url": "http://127.0.0.1:9/x", "event_types": ["lead.created"]}
    )
    assert response.status_code == 400 and "loopback, private" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_lists_attempts_and_replays(
    admin_client, organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    receiver.status = 500
    lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    message = WebhookMessage.objects.get()
    page = admin_client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert message.message_id in page and "HTTP 500" in page
    receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/settings/webhooks/messages/{message.pk}/replay/")
    assert response.status_code == 302
    work()
    message.refresh_from_db()
    assert message.status == "delivered"


@pytest.mark.parametrize("role", ["loan_officer", "manager"])
def test_people_who_are_not_admins_cannot_see_or_change_webhooks(client, organisation, subscription, role):
    client.force_login(make_user(organisation, f"person-{role}", role=role))
    assert client.get("/settings/webhooks/").status_code == 403
    assert client.post(f"/settings/webhooks/{subscription.pk}/disable/").status_code == 403
    subscription.refresh_from_db()
    assert subscription.is_active


def test_another_organisations_admin_cannot_reach_a_subscription(client, other_organisation, subscription):
    client.force_login(make_user(other_organisation, "ola", role="admin"))
    assert client.get(f"/settings/webhooks/{subscription.pk}/").status_code == 404
    assert client.post(f"/settings/webhooks/{subscription.pk}/disable/").status_code == 404


def test_the_verification_snippet_in_the_docs_accepts_our_signature_and_refuses_a_forgery(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from django.conf import settings as django_settings

    text = (Path(django_settings.BASE_DIR).parent / "docs" / "integrations.md").read_text()
    snippet = text.split("Without the library:\n\n```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(snippet, namespace)  # noqa: S102 - our own documentation
    lead_captured(organisation, django_capture_on_commit_callbacks)
    work()
    [request] = receiver.requests
    headers = {key.lower(): value for key, value in request["headers"].items()}
    body = request["body"].encode()
    assert namespace["verify"](subscription.secret, headers, body) is True
    assert namespace["verify"](subscription.secret, headers, body.replace(b"api", b"web")) is False
    assert namespace["verify"](webhooks.new_secret(), headers, body) is False


def test_a_message_whose_task_was_lost_is_sent_by_the_sweep(
    organisation, subscription, receiver, work, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        webhooks.queue(organisation.pk, "lead.created", {"lead_id": 1})  # its on-commit task never runs
        assert webhooks.sweep_due_webhooks() == 0  # fresh messages are left to their task
        clock.shift(timedelta(seconds=31))
        with django_capture_on_commit_callbacks(execute=True):
            assert webhooks.sweep_due_webhooks() == 1
        work()
    assert WebhookMessage.objects.get().status == "delivered" and len(receiver.requests) == 1
