"""The outbox: queue in the caller's transaction, gate before every send, deliver exactly once, hold, retry,
recover. Real database, real task worker, real HTTP to the SMS stand-in, real SMTP, time travel for quiet
hours."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult
from messaging_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BORROWER_PHONE,
    OUR_NUMBER,
    PACIFIC,
    client_poster,
    eastern,
    make_lead,
)

from firstcall.accounts.models import Notification
from firstcall.leads.models import TimelineEvent
from firstcall.messaging import services
from firstcall.messaging.alerts import send_staff_alert
from firstcall.messaging.models import Message, SendDecision, Suppression
from firstcall.messaging.providers import get_provider
from tests.conftest import REPO_ROOT, own_code_env

only_postgres = pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks")

# A weekday in March 2026, Eastern Daylight Time (UTC-4).
MORNING = eastern(2026, 3, 10, 10, 0)
EVENING_830 = eastern(2026, 3, 10, 20, 30)
NEXT_8AM = eastern(2026, 3, 11, 8, 0)


def queue_text(lead, body="Hi Ana, it's Olivia from Acme. When is a good time for a call?", **options):
    options.setdefault("purpose", Message.Purpose.FIRST_TOUCH)
    options.setdefault("is_marketing", False)
    return services.queue_message(lead, "sms", body, **options)


def queue_and_commit(django_capture_on_commit_callbacks, lead, **options):
    with django_capture_on_commit_callbacks(execute=True):
        return queue_text(lead, **options)


def reload(message):
    message.refresh_from_db()
    return message


# ----------------------------------------------------------------------------------------- delivery


@time_machine.travel(MORNING, tick=False)
def test_queued_text_is_sent_by_the_worker_through_the_twilio_api(
    twilio_settings, standin, lead, client, messaging_urls, run_worker, django_capture_on_commit_callbacks
):
    message = queue_and_commit(django_capture_on_commit_callbacks, lead, idempotency_key="first-touch:1")
    assert message.status == Message.Status.QUEUED and message.to_address == BORROWER_PHONE

    run_worker()

    [request] = standin.create_requests()
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.form["To"] == BORROWER_PHONE and request.form["From"] == OUR_NUMBER
    assert request.form["Body"] == message.body
    assert request.form["StatusCallback"] == f"http://testserver/hooks/sms/status/?m={message.pk}"
    assert request.idempotency_token == "first-touch:1"
    assert request.status == 201
    message = reload(message)
    assert message.status == Message.Status.SENT and message.attempts == 1
    assert message.provider == "twilio" and message.provider_message_id == request.sid
    assert message.sent_at == MORNING
    decision = SendDecision.objects.get(message=message)
    assert decision.outcome == "allowed"
    assert "text consent for +18135550199 given (time not recorded)" in decision.reasons
    assert decision.zones == ["America/New_York"]
    lead.refresh_from_db()
    assert lead.first_touch_at == MORNING
    assert TimelineEvent.objects.filter(lead=lead, kind="message", data__message_id=message.pk).count() == 1

    # The stand-in's signed delivery report moves it to delivered.
    callbacks = standin.flush_callbacks(client_poster(client))
    assert [c.status for c in callbacks] == [204, 204]
    assert reload(message).status == Message.Status.DELIVERED and message.delivered_at == MORNING


@time_machine.travel(MORNING, tick=False)
def test_queued_email_is_sent_by_the_worker_over_real_smtp(
    smtp_server, lead, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.queue_message(
            lead,
            "email",
            "Hi Ana, thanks for your question.",
            subject="Your home loan question",
            html_body="<p>Hi Ana, thanks for your question.</p>",
            purpose="first_touch",
            is_marketing=False,
            idempotency_key="first-touch-email:1",
        )

    run_worker()

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["ana.lopez@example.com"]
    [email] = smtp_server.messages()
    assert email["Subject"] == "Your home loan question"
    assert email["Message-ID"].endswith("@acme.test>")
    assert email["List-Unsubscribe"] is None  # not marketing
    assert {part.get_content_type() for part in email.walk()} >= {"text/plain", "text/html"}
    message = reload(message)
    assert message.status == Message.Status.SENT and message.provider == "smtp"
    assert message.provider_message_id == email["Message-ID"].strip("<>")
    assert SendDecision.objects.get(message=message).reasons == [
        "email consent for ana.lopez@example.com given (time not recorded)"
    ]


def test_delivery_is_enqueued_on_commit_of_the_callers_transaction(lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = queue_text(lead)
        assert not DBTaskResult.objects.exists()  # nothing is enqueued before the lead commits
    assert len(callbacks) == 1
    callbacks[0]()
    task = DBTaskResult.objects.get()
    assert task.task_path == "firstcall.messaging.tasks.deliver_message"
    assert task.args_kwargs["args"] == [message.pk]


@time_machine.travel(MORNING, tick=False)
def test_messages_queued_in_one_transaction_go_to_the_workers_as_one_task_borrower_first(
    twilio_settings, standin, lead, owner, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        alert = services.queue_message(
            lead, "sms", "New lead: Ana", purpose="alert", is_marketing=False, recipient_user=owner
        )
        first_touch = queue_text(lead)
    assert len(callbacks) == 1
    task = DBTaskResult.objects.get()
    assert task.task_path == "firstcall.messaging.tasks.deliver_messages"
    assert task.args_kwargs["args"] == [[alert.pk, first_touch.pk]]

    run_worker()

    borrower_text, alert_text = standin.create_requests()
    assert [borrower_text.form["To"], alert_text.form["To"]] == [BORROWER_PHONE, owner.phone]
    assert reload(first_touch).status == reload(alert).status == Message.Status.SENT
    # Delivery reports are asked for what reaches the borrower, not for the loan officer's alert.
    assert borrower_text.form["StatusCallback"].endswith(f"?m={first_touch.pk}")
    assert "StatusCallback" not in alert_text.form


@time_machine.travel(MORNING, tick=False)
def test_a_message_rolled_back_with_its_savepoint_never_blocks_the_rest_of_the_batch(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            queue_text(lead, body="rolled back", idempotency_key="gone")
            raise RuntimeError("this step failed")
        kept = queue_text(lead, body="kept")
    run_worker()
    assert not Message.objects.filter(idempotency_key="gone").exists()
    assert [request.form["Body"] for request in standin.create_requests()] == ["kept"]
    assert reload(kept).status == Message.Status.SENT


def test_rolled_back_caller_leaves_no_message_and_no_task(lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue_text(lead)
            raise RuntimeError("capture failed")
    assert callbacks == [] and not Message.objects.exists() and not DBTaskResult.objects.exists()


def test_same_idempotency_key_returns_the_first_message(lead):
    first = queue_text(lead, idempotency_key="first-touch:7")
    again = queue_text(lead, body="Something else", idempotency_key="first-touch:7")
    assert again.pk == first.pk and Message.objects.count() == 1 and again.body == first.body


def test_demo_provider_marks_the_message_sent(settings, lead, run_worker, django_capture_on_commit_callbacks):
    settings.SMS_PROVIDER = "demo"
    with time_machine.travel(MORNING, tick=False):
        message = queue_and_commit(django_capture_on_commit_callbacks, lead)
        run_worker()
    message = reload(message)
    assert message.status == Message.Status.SENT and message.provider == "demo"
    assert message.provider_message_id.startswith("DM")


# ------------------------------------------------------------------------------------------- the gate


def test_text_at_830_pm_in_florida_is_held_until_8_am_and_released_by_the_sweep(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    with time_machine.travel(EVENING_830, tick=False):
        message = queue_and_commit(django_capture_on_commit_callbacks, lead)
        run_worker()
        message = reload(message)
        assert message.status == Message.Status.HELD
        assert message.held_until == NEXT_8AM and message.next_attempt_at == NEXT_8AM
        assert message.attempts == 0  # a hold is not an attempt
        assert "outside FL 08:00-20:00" in message.status_reason
        decision = SendDecision.objects.get(message=message)
        assert decision.outcome == "held" and decision.held_until == NEXT_8AM
        assert standin.requests == []
        assert TimelineEvent.objects.filter(
            lead=lead, kind="message", summary__contains="held until"
        ).exists()

    with time_machine.travel(NEXT_8AM - timedelta(minutes=1), tick=False):
        assert services.sweep_due_messages() == 0
        run_worker()
        assert reload(message).status == Message.Status.HELD and standin.requests == []

    with time_machine.travel(NEXT_8AM, tick=False):
        assert services.sweep_due_messages() == 1
        run_worker()
    message = reload(message)
    assert message.status == Message.Status.SENT and message.sent_at == NEXT_8AM
    assert len(standin.create_requests()) == 1
    assert list(
        SendDecision.objects.filter(message=message).order_by("decided_at").values_list("outcome", flat=True)
    ) == [
        "held",
        "allowed",
    ]


def test_held_text_is_released_by_its_deferred_task_without_a_sweep(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    with time_machine.travel(EVENING_830, tick=False):
        message = queue_and_commit(django_capture_on_commit_callbacks, lead)
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
        deferred = DBTaskResult.objects.get(status="READY")
        assert deferred.run_after == NEXT_8AM
    with time_machine.travel(NEXT_8AM + timedelta(seconds=1), tick=False):
        run_worker()
    assert reload(message).status == Message.Status.SENT and len(standin.create_requests()) == 1


@time_machine.travel(datetime(2026, 3, 11, 1, 30, tzinfo=UTC), tick=False)  # 9:30 pm Eastern, 6:30 pm Pacific
def test_zip_and_area_code_disagree_the_strictest_window_wins(
    twilio_settings, standin, organisation, run_worker, django_capture_on_commit_callbacks
):
    # Lives in Los Angeles (ZIP) but kept a New York mobile number (area code 212).
    borrower = make_lead(
        organisation, phone="+12125550123", zip_code="90012", state="CA", time_zone="America/Los_Angeles"
    )
    message = queue_and_commit(django_capture_on_commit_callbacks, borrower)
    run_worker()
    message = reload(message)
    # 9:30 pm in New York is past the federal 9 pm; 8 am New York is still 5 am in Los Angeles: the first
    # moment inside the window in both zones is 8 am Pacific.
    assert message.status == Message.Status.HELD
    assert message.held_until == datetime(2026, 3, 11, 8, 0, tzinfo=PACIFIC)
    decision = SendDecision.objects.get(message=message)
    assert set(decision.zones) == {"America/Los_Angeles", "America/New_York"}
    assert any("America/New_York is outside US 08:00-21:00" in reason for reason in decision.reasons)
    assert standin.requests == []


@time_machine.travel(MORNING, tick=False)
def test_borrower_without_text_consent_is_suppressed_with_the_reason(
    twilio_settings, standin, organisation, run_worker, django_capture_on_commit_callbacks
):
    borrower = make_lead(organisation, consent_sms=False)
    message = queue_and_commit(django_capture_on_commit_callbacks, borrower)
    run_worker()
    message = reload(message)
    assert message.status == Message.Status.SUPPRESSED
    assert message.status_reason == "no text consent on file for +18135550199"
    assert message.attempts == 0 and standin.requests == []
    assert SendDecision.objects.get(message=message).outcome == "suppressed"
    # Suppressed is final: later sweeps leave it alone.
    with time_machine.travel(MORNING + timedelta(hours=2)):
        assert services.sweep_due_messages() == 0


@time_machine.travel(MORNING, tick=False)
def test_address_on_the_do_not_contact_list_is_not_texted(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    services.add_suppression(lead.organisation, "sms", "(813) 555-0199", reason=Suppression.Reason.DNC_IMPORT)
    message = queue_and_commit(django_capture_on_commit_callbacks, lead)
    run_worker()
    message = reload(message)
    assert message.status == Message.Status.SUPPRESSED
    assert message.status_reason == "address is on the do-not-contact list (dnc_import)"
    assert standin.requests == []


@time_machine.travel(EVENING_830 + timedelta(hours=2), tick=False)  # 10:30 pm: alerts are not borrower texts
@time_machine.travel(eastern(2026, 3, 10, 22, 30), tick=False)
def test_alert_to_a_loan_officer_needs_no_borrower_consent_and_ignores_quiet_hours(
    twilio_settings, standin, organisation, owner, run_worker, django_capture_on_commit_callbacks
):
    borrower = make_lead(
        organisation, owner=owner, consent_sms=False, consent_email=False, consent_calls=True
    )
    notification = Notification.objects.create(
        user=owner, lead=borrower, kind="new_lead", title="New lead: Ana Lopez"
    )
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = send_staff_alert(owner, notification, by_sms=True)
        again = send_staff_alert(owner, notification, by_sms=True)
    assert again[0].pk == alert.pk  # one alert per notification
    run_worker()
    alert = reload(alert)
    assert alert.status == Message.Status.SENT and alert.to_address == "+18135550101"
    assert alert.recipient_user == owner and alert.purpose == "alert"
    [request] = standin.create_requests()
    assert request.form["To"] == "+18135550101"
    assert f"http://testserver/leads/{borrower.pk}/" in request.form["Body"]
    # The alert goes at 22:30, but it does not push the loan officer to call the borrower now.
    assert "tel:" not in request.form["Body"]
    assert "Do not call yet: calling window opens at 8:00 AM EDT Wed Mar 11" in request.form["Body"]


@time_machine.travel(MORNING, tick=False)
def test_staff_alert_email_has_a_one_tap_link_and_a_tel_link(organisation, owner, lead, settings):
    settings.SITE_URL = "https://crm.acme.test"
    lead.consent_calls = True  # inside the calling window, with call consent: the call link is offered
    lead.save(update_fields=["consent_calls"])
    notification = Notification.objects.create(
        user=owner, lead=lead, kind="new_lead", title="New lead: Ana Lopez"
    )
    [email] = send_staff_alert(owner, notification, by_email=True)
    assert (
        email.channel == "email"
        and email.to_address == "olivia@acme.test"
        and email.subject == notification.title
    )
    assert f'href="https://crm.acme.test/leads/{lead.pk}/"' in email.html_body
    assert 'href="tel:+18135550199"' in email.html_body


@time_machine.travel(MORNING, tick=False)
def test_fourth_marketing_text_in_24_hours_to_florida_waits_for_the_cap(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    earlier = [MORNING - timedelta(hours=hours) for hours in (20, 5, 1)]
    for index, sent_at in enumerate(earlier):
        Message.objects.create(
            organisation=lead.organisation,
            lead=lead,
            channel="sms",
            purpose="cadence",
            is_marketing=True,
            to_address=BORROWER_PHONE,
            status=Message.Status.DELIVERED,
            sent_at=sent_at,
            idempotency_key=f"old:{index}",
        )
    message = queue_and_commit(django_capture_on_commit_callbacks, lead, purpose="cadence", is_marketing=True)
    run_worker()
    message = reload(message)
    assert message.status == Message.Status.HELD
    assert message.held_until == earlier[0] + timedelta(hours=24)  # when the oldest leaves the 24-hour window
    assert any("FL allows 3" in reason for reason in SendDecision.objects.get(message=message).reasons)
    assert standin.requests == []


# ----------------------------------------------------------------------------- errors, retries, recovery


def test_transient_500_then_success_sends_exactly_one_text(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    standin.fail_next("500")
    with time_machine.travel(MORNING, tick=False):
        message = queue_and_commit(django_capture_on_commit_callbacks, lead, idempotency_key="first-touch:42")
        run_worker()
        message = reload(message)
        assert message.status == Message.Status.QUEUED and message.attempts == 1
        assert message.next_attempt_at == MORNING + timedelta(seconds=10)
        assert message.last_error.startswith("HTTP 500")
    with time_machine.travel(MORNING + timedelta(seconds=10), tick=False):
        run_worker()
    message = reload(message)
    assert message.status == Message.Status.SENT and message.attempts == 2
    requests = standin.create_requests()
    assert [r.status for r in requests] == [500, 201]
    assert {r.idempotency_token for r in requests} == {"first-touch:42"}
    assert len(standin.created_messages()) == 1


def test_lost_response_is_retried_with_the_same_token_and_the_stand_in_texts_once(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    standin.fail_next("accept_then_500")  # the provider took the message but its answer never arrived
    with time_machine.travel(MORNING, tick=False):
        message = queue_and_commit(django_capture_on_commit_callbacks, lead)
        run_worker()
    with time_machine.travel(MORNING + timedelta(seconds=11), tick=False):
        run_worker()
    first, second = standin.create_requests()
    assert (first.status, second.status) == (500, 201)
    assert second.is_duplicate and second.sid == first.sid
    assert len(standin.created_messages()) == 1
    assert reload(message).status == Message.Status.SENT and message.provider_message_id == first.sid


@time_machine.travel(MORNING, tick=False)
def test_permanent_400_fails_with_the_reason_and_is_not_retried(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    standin.fail_next("400:21211")
    message = queue_and_commit(django_capture_on_commit_callbacks, lead)
    run_worker()
    message = reload(message)
    assert message.status == Message.Status.FAILED
    assert message.status_reason == "HTTP 400, Twilio error 21211: Stand-in rejection 21211"
    with time_machine.travel(MORNING + timedelta(hours=1)):
        assert services.sweep_due_messages() == 0
        run_worker()
    assert len(standin.create_requests()) == 1
    assert TimelineEvent.objects.filter(lead=lead, summary__contains="failed: HTTP 400").exists()


@time_machine.travel(MORNING, tick=False)
def test_unsubscribed_recipient_error_21610_adds_the_number_to_the_suppression_list(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks
):
    standin.opted_out_numbers.add(BORROWER_PHONE)
    message = queue_and_commit(django_capture_on_commit_callbacks, lead)
    run_worker()
    message = reload(message)
    assert message.status == Message.Status.FAILED and "21610" in message.status_reason
    suppression = Suppression.objects.get(
        organisation=lead.organisation, channel="sms", address=BORROWER_PHONE
    )
    assert suppression.reason == "stop_keyword" and suppression.lifted_at is None
    lead.refresh_from_db()
    assert lead.consent_sms is False


def test_gives_up_after_the_maximum_attempts(
    twilio_settings, standin, lead, run_worker, django_capture_on_commit_callbacks, settings
):
    settings.MESSAGING_MAX_ATTEMPTS = 2
    standin.fail_next("500", "429")
    with time_machine.travel(MORNING, tick=False):
        message = queue_and_commit(django_capture_on_commit_callbacks, lead)
        run_worker()
    with time_machine.travel(MORNING + timedelta(seconds=10), tick=False):
        run_worker()
    message = reload(message)
    assert message.status == Message.Status.FAILED and message.attempts == 2
    assert message.status_reason.startswith("gave up after 2 attempts: HTTP 429")


def test_worker_killed_mid_send_is_recovered_by_the_sweep_without_a_second_text(
    twilio_settings, standin, lead, run_worker, settings
):
    settings.MESSAGING_SEND_LEASE_SECONDS = 120
    with time_machine.travel(MORNING, tick=False):
        message = queue_text(lead)
        # The worker claimed it and the provider accepted it, then the worker died before recording "sent".
        assert services.claim_message(message.pk)
        get_provider("sms").send(reload(message))
        assert reload(message).status == Message.Status.SENDING
    with time_machine.travel(MORNING + timedelta(seconds=119), tick=False):
        assert services.sweep_due_messages() == 0  # still inside the lease: maybe just slow
    with time_machine.travel(MORNING + timedelta(seconds=121), tick=False):
        assert services.sweep_due_messages() == 2  # recovered, then enqueued
        run_worker()
    message = reload(message)
    assert message.status == Message.Status.SENT
    first, second = standin.create_requests()
    assert second.is_duplicate and second.sid == first.sid == message.provider_message_id
    assert len(standin.created_messages()) == 1
    assert (
        TimelineEvent.objects.filter(lead=lead, data__message_id=message.pk, summary__endswith="sent").count()
        == 1
    )


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_send_is_recovered_without_a_second_text(
    twilio_settings, standin, organisation, owner, run_worker, settings
):
    """A real `firstcall worker` process is SIGKILLed while the provider call is in flight; the provider
    accepts the text anyway. The sweep reclaims the message and the idempotency token stops a second text."""
    borrower = make_lead(organisation, owner=owner)
    owner.phone = "+18135550110"
    owner.save(update_fields=["phone"])
    with transaction.atomic():
        # The officer's alert copy: the worker process keeps the real clock, and a text to the borrower would be
        # held for their quiet hours when the suite runs in the evening. Staff alerts are never held.
        message = queue_text(
            borrower,
            idempotency_key="first-touch:killed",
            purpose=Message.Purpose.ALERT,
            recipient_user=owner,
        )
    assert message.status == Message.Status.QUEUED
    standin.fail_next("slow:2")  # the provider is slow to answer; the worker dies while it waits

    database = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
        )
    else:
        url = f"sqlite:///{database['NAME']}"
    environment = {
        **own_code_env(),
        "DATABASE_URL": url,
        "FIRSTCALL_SMS_PROVIDER": "twilio",
        "FIRSTCALL_SMS_API_URL": standin.url,
        "FIRSTCALL_SMS_ACCOUNT_SID": ACCOUNT_SID,
        "FIRSTCALL_SMS_AUTH_TOKEN": AUTH_TOKEN,
        "FIRSTCALL_SITE_URL": "http://testserver",
        "FIRSTCALL_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "firstcall.cli", "worker", "--no-sweep"], env=environment, cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(lambda: len(standin.create_requests()) == 1)
        assert Message.objects.get(pk=message.pk).status == Message.Status.SENDING
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    wait_until(lambda: len(standin.created_messages()) == 1)  # the provider took it after all
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENDING  # nobody recorded it

    settings.MESSAGING_SEND_LEASE_SECONDS = 0.5
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=1), tick=True):  # past the lease
        assert services.sweep_due_messages() == 2  # recovered, then enqueued
        run_worker()

    message = reload(message)
    assert message.status == Message.Status.SENT and message.attempts == 2
    first, second = standin.create_requests()
    assert first.idempotency_token == second.idempotency_token == "first-touch:killed"
    assert second.is_duplicate and message.provider_message_id == first.sid == second.sid
    assert len(standin.created_messages()) == 1


def test_sweep_enqueues_a_message_whose_task_was_lost(twilio_settings, standin, lead, run_worker, settings):
    settings.MESSAGING_SWEEP_GRACE_SECONDS = 60
    with time_machine.travel(MORNING, tick=False):
        message = queue_text(lead)  # the on-commit enqueue never ran (e.g. the queue was down)
        run_worker()
        assert reload(message).status == Message.Status.QUEUED
        assert services.sweep_due_messages() == 0  # within the grace period its own task may still come
    with time_machine.travel(MORNING + timedelta(seconds=61), tick=False):
        assert services.sweep_due_messages() == 1
        assert services.sweep_due_messages() == 0  # enqueued once, not every sweep
        run_worker()
    assert reload(message).status == Message.Status.SENT and len(standin.create_requests()) == 1


def test_a_second_delivery_of_the_same_message_does_nothing(
    twilio_settings, standin, lead, django_capture_on_commit_callbacks
):
    with time_machine.travel(MORNING, tick=False):
        message = queue_text(lead)
        assert services.deliver(message.pk) == "sent"
        assert services.deliver(message.pk) == "not claimed"
    assert len(standin.create_requests()) == 1


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_a_message_exactly_once(organisation, owner):
    message = queue_text(make_lead(organisation, owner=owner))
    barrier = threading.Barrier(8)
    results = []

    def claim():
        try:
            barrier.wait()
            results.append(services.claim_message(message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert reload(message).attempts == 1


# ------------------------------------------------------------------------------------------------ STOP race


def test_stop_arriving_while_the_message_is_being_sent_wins(
    twilio_settings, standin, lead, client, messaging_urls, django_capture_on_commit_callbacks
):
    with time_machine.travel(MORNING, tick=False):
        message = queue_text(lead, purpose="cadence", is_marketing=True)
        assert services.claim_message(message.pk)  # a worker has taken it...
        url, params, signature = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "STOP")
        response = client.post(urlsplit(url).path, params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200
        assert (
            services.send_claimed_message(message.pk) == "suppressed"
        )  # ...and re-checks right before sending
    message = reload(message)
    assert message.status == Message.Status.SUPPRESSED
    assert "do-not-contact list (stop_keyword)" in message.status_reason
    assert standin.requests == []
    assert message.attempts == 0


# ------------------------------------------------------------------------------------------- outbox page


def test_outbox_shows_an_admin_every_message_and_a_loan_officer_only_their_leads(
    client, messaging_urls, organisation, admin_user, owner, teammate, outsider, lead
):
    mine = queue_text(lead, body="For Olivia's borrower")
    theirs = queue_text(
        make_lead(organisation, owner=teammate, phone="+18135550123"), body="For Theo's borrower"
    )
    Message.objects.filter(pk=mine.pk).update(
        status="held", held_until=NEXT_8AM, status_reason="held: Tue 20:30 is outside FL 08:00-20:00"
    )

    client.force_login(admin_user)
    page = client.get("/outbox/").content.decode()
    assert "For Olivia&#x27;s borrower" in page and "For Theo&#x27;s borrower" in page
    assert page.index("For Theo") < page.index("For Olivia")  # newest first

    client.force_login(owner)
    page = client.get("/outbox/").content.decode()
    assert "For Olivia&#x27;s borrower" in page and "For Theo" not in page
    # Held until 12:00 UTC, shown in Olivia's own zone (New York, EDT on March 11).
    assert "outside FL 08:00-20:00" in page
    assert 'until <time datetime="2026-03-11T12:00:00+00:00">Mar 11, 8:00 AM EDT</time>' in page
    assert client.get(f"/outbox/{theirs.pk}/").status_code == 404

    client.force_login(outsider)
    assert "For Olivia" not in client.get("/outbox/").content.decode()
    assert client.get(f"/outbox/{mine.pk}/").status_code == 404


def test_outbox_detail_shows_the_decision_log(client, messaging_urls, admin_user, lead):
    message = queue_text(lead)
    with time_machine.travel(EVENING_830, tick=False):
        services.decide_send(message)
    client.force_login(admin_user)
    page = client.get(f"/outbox/{message.pk}/").content.decode()
    assert "Held" in page and "outside FL 08:00-20:00" in page


def test_outbox_needs_a_signed_in_user(client, messaging_urls):
    response = client.get("/outbox/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_manual_message_records_who_sent_it(lead, owner):
    message = queue_text(lead, purpose="manual", sent_by=owner)
    assert message.sent_by == owner and message.purpose == "manual"


def test_text_a_database_cannot_store_is_cleaned_not_fatal(lead):
    # A NUL byte (PostgreSQL text refuses it) or a lone surrogate in a borrower's name must not break the
    # capture transaction that queues the first touch.
    message = queue_text(lead, body="Hi A\x00na \ud800!", subject="x\x00y")
    message.refresh_from_db()
    assert message.body == "Hi Ana ?!" and message.subject == "xy"
