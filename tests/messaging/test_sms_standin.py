"""The local SMS stand-in speaks the Twilio subset we use, over real HTTP; and the whole loop against a live
FirstCall server: queue -> worker -> stand-in -> signed delivery report -> delivered; inbound STOP ->
suppressed."""

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import httpx
import pytest
import time_machine
from django.db import transaction
from messaging_helpers import ACCOUNT_SID, AUTH_TOKEN, BORROWER_PHONE, OUR_NUMBER, free_port, make_lead

from firstcall.messaging import services
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.standin.sms_server import StandinSmsServer
from firstcall.messaging.twilio_signature import is_valid_signature
from tests.conftest import REPO_ROOT, own_code_env

MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


class Receiver:
    """A tiny HTTP server standing in for FirstCall's webhooks: records every signed POST."""

    def __init__(self):
        self.posts = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                receiver.posts.append(
                    (self.path, dict(parse_qsl(body)), self.headers.get("X-Twilio-Signature"))
                )
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def wait_for(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while len(self.posts) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.posts

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def server(receiver):
    server = StandinSmsServer(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, callback_base=receiver.url, callback_delay=0
    ).start()
    yield server
    server.stop()


def create(server, *, token="tok-1", auth=(ACCOUNT_SID, AUTH_TOKEN), callback="", **fields):
    form = {"To": BORROWER_PHONE, "From": OUR_NUMBER, "Body": "Hello Ana", **fields}
    if callback:
        form["StatusCallback"] = callback
    headers = {"I-Twilio-Idempotency-Token": token} if token else {}
    return httpx.post(server.url + MESSAGES_PATH, data=form, auth=auth, headers=headers, timeout=5)


def test_create_answers_like_twilio(server):
    response = create(server)
    assert response.status_code == 201
    body = response.json()
    assert body["sid"].startswith("SM") and len(body["sid"]) == 34
    assert body["status"] == "queued" and body["direction"] == "outbound-api"
    assert (body["to"], body["from"], body["body"]) == (BORROWER_PHONE, OUR_NUMBER, "Hello Ana")
    assert body["account_sid"] == ACCOUNT_SID and body["num_segments"] == "1"
    assert body["uri"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{body['sid']}.json"
    fetched = httpx.get(server.url + body["uri"], auth=(ACCOUNT_SID, AUTH_TOKEN)).json()
    assert fetched["sid"] == body["sid"]


def test_create_needs_the_account_credentials(server):
    response = create(server, auth=(ACCOUNT_SID, "wrong"))
    assert response.status_code == 401 and response.json()["code"] == 20003
    assert create(server, auth=None).status_code == 401
    assert server.created_messages() == []


def test_the_idempotency_token_makes_a_repeat_return_the_first_message(server):
    first = create(server, token="first-touch:9").json()
    again = create(server, token="first-touch:9", Body="changed").json()
    other = create(server, token="first-touch:10").json()
    assert again["sid"] == first["sid"] and again["body"] == "Hello Ana"
    assert other["sid"] != first["sid"]
    assert len(server.created_messages()) == 2
    assert [r.is_duplicate for r in server.create_requests()] == [False, True, False]


def test_every_request_is_recorded_with_monotonic_and_wall_timestamps(server):
    before_wall, before_monotonic = time.time(), time.monotonic()
    create(server, token="a")
    create(server, token="b")
    first, second = server.requests
    assert before_monotonic <= first.monotonic <= second.monotonic <= time.monotonic()
    assert before_wall <= first.wall <= second.wall <= time.time()
    assert first.idempotency_token == "a" and first.form["Body"] == "Hello Ana"
    assert "Authorization" not in first.headers
    rows = httpx.get(server.url + "/_standin/requests").json()["requests"]
    assert [row["idempotency_token"] for row in rows] == ["a", "b"]


def test_failure_modes(server):
    server.fail_next("500", "429", "400:21614", "slow:0.3")
    assert create(server, token="x").status_code == 500
    assert create(server, token="x").status_code == 429
    rejected = create(server, token="x")
    assert rejected.status_code == 400 and rejected.json()["code"] == 21614
    started = time.monotonic()
    assert create(server, token="x").status_code == 201
    assert time.monotonic() - started >= 0.3
    assert len(server.created_messages()) == 1
    # The same modes can be queued from another process.
    httpx.post(server.url + "/_standin/fail", data={"mode": "500"})
    assert create(server, token="y").status_code == 500


def test_missing_fields_and_opted_out_numbers_are_refused_with_twilio_codes(server):
    assert create(server, Body="").json()["code"] == 21602
    server.opted_out_numbers.add(BORROWER_PHONE)
    assert create(server, token="z").json()["code"] == 21610


def test_status_callbacks_are_signed_like_twilios(server, receiver):
    callback_url = receiver.url + "/hooks/sms/status/?m=7"
    sid = create(server, callback=callback_url).json()["sid"]
    posts = receiver.wait_for(2)
    assert [params["MessageStatus"] for _, params, _ in posts] == ["sent", "delivered"]
    for path, params, signature in posts:
        assert path == "/hooks/sms/status/?m=7" and params["MessageSid"] == sid
        assert is_valid_signature(callback_url, params, signature, AUTH_TOKEN)
        assert not is_valid_signature(callback_url, params, signature, "another-token")


def test_inbound_texts_are_injected_with_a_valid_signature(server, receiver):
    response = httpx.post(
        server.url + "/_standin/inbound", data={"From": BORROWER_PHONE, "To": OUR_NUMBER, "Body": "STOP"}
    )
    assert response.status_code == 200 and response.json()["status"] == 204
    [(path, params, signature)] = receiver.wait_for(1)
    assert path == "/hooks/sms/inbound/"
    assert (params["From"], params["To"], params["Body"]) == (BORROWER_PHONE, OUR_NUMBER, "STOP")
    assert params["MessageSid"].startswith("SM")
    assert is_valid_signature(receiver.url + "/hooks/sms/inbound/", params, signature, AUTH_TOKEN)


def test_runs_standalone_from_the_command_line():
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "firstcall.messaging.standin.sms_server",
            "--port",
            str(port),
            "--callback-base",
            "http://127.0.0.1:9",
            "--account-sid",
            ACCOUNT_SID,
            "--auth-token",
            AUTH_TOKEN,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO_ROOT,
        env=own_code_env(),
    )
    try:
        assert "SMS stand-in listening" in process.stdout.readline()
        response = httpx.post(
            f"http://127.0.0.1:{port}{MESSAGES_PATH}",
            auth=(ACCOUNT_SID, AUTH_TOKEN),
            data={"To": BORROWER_PHONE, "From": OUR_NUMBER, "Body": "Hi"},
        )
        assert response.status_code == 201
        [row] = httpx.get(f"http://127.0.0.1:{port}/_standin/requests").json()["requests"]
        assert row["status"] == 201 and row["sid"] == response.json()["sid"]
    finally:
        process.terminate()
        process.wait(timeout=5)


# ------------------------------------------------------------------------------------ the whole loop, live


@pytest.mark.django_db(transaction=True)
def test_end_to_end_text_delivery_report_and_stop_over_real_http(
    live_server, settings, organisation, owner, run_worker
):
    standin = StandinSmsServer(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, callback_base=live_server.url, callback_delay=0
    ).start()
    try:
        settings.ROOT_URLCONF = "urls_for_tests"
        settings.SITE_URL = live_server.url
        settings.SMS_PROVIDER = "twilio"
        settings.SMS_API_URL = standin.url
        settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
        organisation.sms_from_number = OUR_NUMBER
        organisation.save()
        borrower = make_lead(organisation, owner=owner)

        # 10 am in Tampa, inside every calling window.
        with time_machine.travel(datetime(2026, 3, 10, 14, 0, tzinfo=UTC), tick=True):
            committed_at = time.monotonic()
            with transaction.atomic():
                message = services.queue_message(
                    borrower,
                    "sms",
                    "Hi Ana, Olivia here.",
                    purpose="first_touch",
                    is_marketing=False,
                    idempotency_key="first-touch:e2e",
                )
            run_worker()
            [request] = standin.create_requests()
            assert request.monotonic - committed_at < 5  # the task was enqueued on commit, no poll

            # Delivered once our server has taken both reports; the stand-in records each answer only after it
            # has read it, a moment later, so wait for both records too.
            deadline = time.monotonic() + 10
            while (
                Message.objects.get(pk=message.pk).status != "delivered" or len(standin.callbacks) < 2
            ) and time.monotonic() < deadline:
                time.sleep(0.05)
            message.refresh_from_db()
            assert message.status == "delivered" and message.provider_message_id == request.sid
            assert [c.status for c in standin.callbacks] == [204, 204]

            # The borrower replies STOP through the provider.
            inbound = standin.send_inbound(BORROWER_PHONE, OUR_NUMBER, "STOP")
            assert inbound.status == 200
            assert Suppression.objects.get(address=BORROWER_PHONE).reason == "stop_keyword"
            borrower.refresh_from_db()
            assert borrower.consent_sms is False
            run_worker()
            confirmation = Message.objects.get(purpose="opt_out_confirmation")
            assert confirmation.status in ("sent", "delivered")
            assert [r.form["Body"] for r in standin.create_requests()][-1] == confirmation.body
            assert len(standin.created_messages()) == 2
    finally:
        standin.stop()
