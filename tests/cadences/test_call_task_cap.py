"""Cadence call tasks count toward the Florida, Oklahoma and Maryland cap of 3 solicitations per 24 hours, calls
and texts together: a call task counts from the moment the cadence creates it, a logged call counts, and a
cadence text that would be the fourth touch waits until the oldest leaves the 24 hours."""

from datetime import timedelta

import pytest
import time_machine
from cadence_helpers import build_cadence, call, eastern, runs, sms, wait

from firstcall.cadences import services
from firstcall.cadences.models import CallTask
from firstcall.compliance.models import ContactAttempt
from firstcall.flows import loan_officer_calls as calls
from firstcall.messaging import services as messaging
from firstcall.messaging.models import Message

MONDAY_9AM = eastern(2026, 3, 9, 9, 0)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def drain(run_worker, django_capture_on_commit_callbacks):
    def drain_all():
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                run_worker()
            if not callbacks:
                return

    return drain_all


def call_then_texts(organisation):
    return build_cadence(
        organisation,
        [
            call("Call {{ borrower.first_name }}"),
            wait(1, "hours"),
            sms("Hi {{ borrower.first_name }}, it's Olivia. Reply STOP to opt out."),
            wait(1, "hours"),
            sms("Still looking for a home, {{ borrower.first_name }}? Reply STOP to opt out."),
        ],
        name="Call, then texts",
    )


def test_a_logged_call_and_a_cadence_call_task_hold_the_fourth_touch(
    organisation, owner, lead, twilio_settings, standin, drain, committed
):
    lead.consent_calls = True
    lead.save(update_fields=["consent_calls"])
    cadence = call_then_texts(organisation)
    with time_machine.travel(MONDAY_9AM, tick=False):
        calls.log_call(lead, actor=owner, outcome="no_answer")  # touch 1
    with time_machine.travel(MONDAY_9AM + timedelta(hours=1), tick=False):
        enrolment = committed(services.enrol, lead, cadence, actor=owner)
        drain()
    [task] = CallTask.objects.filter(lead=lead)  # touch 2, counted from its creation
    attempt = ContactAttempt.objects.get(subject_type="call_task", subject_id=task.pk)
    assert (attempt.channel, attempt.kind, attempt.at) == (
        "call",
        "marketing",
        MONDAY_9AM + timedelta(hours=1),
    )

    with time_machine.travel(eastern(2026, 3, 9, 11, 0, 5), tick=False):
        committed(services.sweep_due_steps)
        drain()
    first_text = Message.objects.get(cadence_step_id=runs(enrolment)[1].pk)
    assert first_text.status == Message.Status.SENT  # touch 3
    assert len(standin.create_requests()) == 1

    with time_machine.travel(eastern(2026, 3, 9, 12, 0, 10), tick=False):
        committed(services.sweep_due_steps)
        drain()
    second_text = Message.objects.get(cadence_step_id=runs(enrolment)[2].pk)
    assert second_text.status == Message.Status.HELD  # it would be the fourth in 24 hours
    assert "calls and texts together" in second_text.status_reason
    # The oldest touch (the 9:00 call) leaves the 24 hours on Tuesday at 9:00, inside Florida's window.
    assert (
        MONDAY_9AM + timedelta(hours=24)
        <= second_text.held_until
        <= MONDAY_9AM + timedelta(hours=24, minutes=1)
    )
    assert len(standin.create_requests()) == 1

    with time_machine.travel(second_text.held_until + timedelta(seconds=1), tick=False):
        messaging.sweep_due_messages()
        drain()
    second_text.refresh_from_db()
    assert second_text.status == Message.Status.SENT
    assert len(standin.create_requests()) == 2


def test_making_the_task_call_moves_its_count_to_the_time_of_the_call(
    organisation, owner, lead, drain, committed
):
    cadence = build_cadence(organisation, [call("Call {{ borrower.first_name }}")], name="Just a call")
    with time_machine.travel(MONDAY_9AM, tick=False):
        committed(services.enrol, lead, cadence, actor=owner)
        drain()
    [task] = CallTask.objects.filter(lead=lead)
    called_at = MONDAY_9AM + timedelta(hours=5)
    with time_machine.travel(called_at, tick=False):
        assert services.complete_call_task(task, outcome="voicemail", actor=owner)
    [attempt] = ContactAttempt.objects.filter(lead=lead, channel="call")  # one attempt per task, never two
    assert (attempt.subject_id, attempt.at) == (task.pk, called_at)
