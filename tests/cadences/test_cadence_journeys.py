"""Cadences through the real doors: a lead captured by capture() is enrolled by its rule and its first step runs
on the real task worker; replies by text (signed Twilio webhook) and by email (signed inbound-parse webhook)
thread on the timeline, alert the owner, count for the score and stop the cadence; a STOP arriving while a
step's text is being sent is honoured with exactly one confirmation; the Florida cap (3 per 24 h, REFERENCE.md
§4.3) holds a fourth text until the window opens."""

import hashlib
import hmac
import time as wall_clock
from datetime import timedelta

import pytest
import time_machine
from cadence_helpers import (
    BORROWER_PHONE,
    IDS_LINE,
    OUR_NUMBER,
    build_cadence,
    call,
    eastern,
    make_lead,
    runs,
    sms,
    wait,
)

from firstcall.cadences import services
from firstcall.cadences.models import CallTask, Enrolment, StepRun
from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.leads.models import IntakeRecord, Lead, TimelineEvent
from firstcall.leads.submission import ConsentInput, LeadSubmission
from firstcall.messaging import services as messaging
from firstcall.messaging.models import Message, Suppression

MONDAY_10AM = eastern(2026, 3, 9, 10, 0)
SIGNING_KEY = "inbound-email-test-key"


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


def captured_lead(source, **fields) -> Lead:
    values = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "email": "ana.lopez@example.com",
        "phone": "8135550199",
        "zip": "33602",
        "purpose": "purchase",
        "loan_type": "FHA",
        "consent": ConsentInput(sms=True, email=True, text="I agree to be contacted by Acme Home Loans."),
    }
    values.update(fields)
    record = IntakeRecord.objects.create(organisation=source.organisation, source=source, channel="api")
    result = capture(
        LeadSubmission(**values), organisation=source.organisation, intake_record=record, source=source
    )
    assert result.outcome == "created"
    return result.lead


# ------------------------------------------------------------------------------------------------- capture


def test_a_captured_lead_is_enrolled_by_its_rule_and_the_worker_runs_its_first_step(
    organisation, owner, api_source, committed, drain
):
    fha = build_cadence(
        organisation,
        [call("Call {{ borrower.first_name }} about FHA"), wait(2, "days"), call("Second call")],
        name="FHA follow-up",
        trigger="capture",
        loan_types=["fha"],
        priority=10,
    )
    build_cadence(organisation, [call("Wrong one")], name="VA only", trigger="capture", loan_types=["va"])
    with time_machine.travel(MONDAY_10AM, tick=False):
        lead = committed(captured_lead, api_source)
        [enrolment] = Enrolment.objects.filter(lead=lead)
        assert enrolment.cadence == fha and enrolment.enrolled_how == "capture rule"
        [first] = runs(enrolment)
        assert first.status == StepRun.Status.PENDING  # enqueued on commit, not run inside capture
        assert not CallTask.objects.exists()
        drain()
    first.refresh_from_db()
    assert first.status == StepRun.Status.DONE and first.attempts == 1
    [task] = CallTask.objects.filter(lead=lead)
    assert task.title == "Call Ana about FHA" and task.owner == lead.owner
    [done, second] = runs(enrolment)
    assert second.status == StepRun.Status.PENDING and second.due_at == MONDAY_10AM + timedelta(days=2)
    assert TimelineEvent.objects.filter(
        lead=lead, kind="cadence", summary="Enrolled in cadence FHA follow-up (version 1, capture rule)"
    ).exists()


def test_a_merged_inquiry_does_not_enrol_the_lead_twice(organisation, owner, api_source, committed):
    build_cadence(organisation, [wait(1, "days"), call("Call")], name="New leads", trigger="capture")
    first = committed(captured_lead, api_source)
    record = IntakeRecord.objects.create(organisation=organisation, source=api_source, channel="api")
    again = capture(
        LeadSubmission(
            first_name="Ana", last_name="Lopez", phone="8135550199", email="ana.lopez@example.com"
        ),
        organisation=organisation,
        intake_record=record,
        source=api_source,
    )
    assert again.outcome == "merged" and again.lead.pk == first.pk
    assert Enrolment.objects.filter(lead=first).count() == 1


# ------------------------------------------------------------------------------------------------- replies


def test_a_text_reply_through_the_signed_webhook_threads_alerts_scores_and_stops_the_cadence(
    organisation, owner, lead, twilio_settings, standin, client, committed
):
    from firstcall.leads.scoring_service import rescore_lead

    cadence = build_cadence(
        organisation, [sms("Checking in. Reply STOP to opt out."), wait(2, "days"), call("Call")]
    )
    rescore_lead(lead, trigger="test")
    lead.refresh_from_db()
    score_before = lead.score
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
        url, params, signature = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "Sure, call me at 5")
        forged = client.post("/hooks/sms/inbound/", params, headers={"X-Twilio-Signature": "bad"})
        assert forged.status_code == 403
        enrolment.refresh_from_db()
        assert enrolment.status == Enrolment.Status.ACTIVE  # a forged request changed nothing
        response = committed(
            client.post, "/hooks/sms/inbound/", params, headers={"X-Twilio-Signature": signature}
        )
    assert response.status_code == 200
    [reply] = Message.objects.filter(lead=lead, direction="inbound")
    assert reply.body == "Sure, call me at 5" and reply.channel == "sms"
    thread = list(
        TimelineEvent.objects.filter(lead=lead, kind="message")
        .order_by("pk")
        .values_list("summary", flat=True)
    )
    assert thread[-1] == "Text message received from the borrower"
    enrolment.refresh_from_db()
    assert enrolment.status == "stopped" and enrolment.stop_reason == "replied"
    assert [run.status for run in runs(enrolment)] == ["done", "cancelled"]
    assert owner.notifications.filter(kind="reply", lead=lead).count() == 1
    lead.refresh_from_db()
    assert lead.score > score_before  # a reply is engagement


def signed_email_post(**fields) -> dict:
    timestamp, token = str(int(wall_clock.time())), "a" * 50
    signature = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature, **fields}


@pytest.fixture
def inbound_email(settings):
    settings.EMAIL_INBOUND_SIGNING_KEY = SIGNING_KEY


def test_an_email_reply_through_the_signed_webhook_threads_and_stops_the_cadence(
    organisation, owner, lead, inbound_email, client, committed
):
    cadence = build_cadence(organisation, [wait(1, "days"), call("Call")])
    enrolment = services.enrol(lead, cadence)
    post = signed_email_post(
        sender="Ana.Lopez@example.com",
        recipient="hello@acme.test",
        subject="Re: Your FHA options",
        **{"stripped-text": "Thanks! Tuesday works for me.", "Message-Id": "<abc@mail.example.com>"},
    )
    forged = client.post("/hooks/email/inbound/", {**post, "signature": "0" * 64})
    assert forged.status_code == 403 and not Message.objects.filter(direction="inbound").exists()

    response = committed(client.post, "/hooks/email/inbound/", post)
    assert response.status_code == 200
    [reply] = Message.objects.filter(lead=lead, direction="inbound")
    assert (reply.channel, reply.subject, reply.body) == (
        "email",
        "Re: Your FHA options",
        "Thanks! Tuesday works for me.",
    )
    assert TimelineEvent.objects.filter(
        lead=lead, kind="message", summary="Email received from the borrower"
    ).exists()
    enrolment.refresh_from_db()
    assert enrolment.stop_reason == "replied" and enrolment.stop_detail == "borrower replied by email"
    assert owner.notifications.filter(kind="reply", title="Ana Lopez replied by email").count() == 1
    committed(client.post, "/hooks/email/inbound/", post)  # the provider retries: nothing new
    assert Message.objects.filter(direction="inbound").count() == 1


def test_an_unsubscribe_email_reply_opts_the_address_out_everywhere(
    organisation, owner, lead, inbound_email, client, committed
):
    same_person = make_lead(organisation, owner=owner, pipeline_kind="refinance", phone="+18135550111")
    purchase = build_cadence(organisation, [wait(1, "days"), call("Call")], name="Purchase")
    refinance = build_cadence(organisation, [wait(1, "days"), call("Call")], name="Refinance")
    first, second = services.enrol(lead, purchase), services.enrol(same_person, refinance)
    post = signed_email_post(
        sender="ana.lopez@example.com",
        recipient="hello@acme.test",
        subject="Re: hello",
        **{"stripped-text": "UNSUBSCRIBE", "Message-Id": "<u1@mail.example.com>"},
    )
    committed(client.post, "/hooks/email/inbound/", post)
    assert messaging.active_suppression_reason(organisation.pk, "email", "ana.lopez@example.com") == (
        Suppression.Reason.UNSUBSCRIBE
    )
    for enrolment in (first, second):
        enrolment.refresh_from_db()
        assert enrolment.status == "stopped" and enrolment.stop_reason == "opted_out"
    assert not Lead.objects.filter(email="ana.lopez@example.com", consent_email=True).exists()


# ---------------------------------------------------------------------------------------- STOP mid-send


def test_stop_while_the_steps_text_is_being_sent_suppresses_it_and_confirms_exactly_once(
    organisation, lead, twilio_settings, standin, client, committed, drain
):
    cadence = build_cadence(
        organisation,
        [
            sms("Checking in. Reply STOP to opt out."),
            wait(1, "days"),
            sms("Tomorrow. Reply STOP to opt out."),
        ],
    )
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.run_step(runs(enrolment)[0].pk)  # the step queued its text...
        text = runs(enrolment)[0].message
        assert messaging.claim_message(text.pk)  # ...and the outbox worker has it in hand
        url, params, signature = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "Stop!")
        with time_machine.travel(MONDAY_10AM + timedelta(seconds=1), tick=False):
            committed(client.post, "/hooks/sms/inbound/", params, headers={"X-Twilio-Signature": signature})
            assert messaging.send_claimed_message(text.pk) == "suppressed"  # re-checked right before the send
            drain()
            again = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "STOP")
            committed(client.post, "/hooks/sms/inbound/", again[1], headers={"X-Twilio-Signature": again[2]})
            drain()
    with time_machine.travel(MONDAY_10AM + timedelta(days=2), tick=False):
        assert services.sweep_due_steps() == 0
        committed(messaging.sweep_due_messages)
        drain()
    text.refresh_from_db()
    assert text.status == Message.Status.SUPPRESSED
    bodies = [request.form["Body"] for request in standin.create_requests()]
    assert bodies == [
        "Acme Home Loans: you're unsubscribed and will get no more texts from us. Reply START to resubscribe."
    ]
    enrolment.refresh_from_db()
    assert enrolment.stop_reason == "opted_out"
    assert [run.status for run in runs(enrolment)] == ["done", "cancelled"]


# ------------------------------------------------------------------------------------------- state caps


def test_floridas_three_texts_per_24_hours_hold_the_fourth_until_the_window_opens(
    organisation, lead, twilio_settings, standin, committed, drain
):
    cadence = build_cadence(
        organisation,
        [
            sms("One. Reply STOP to opt out."),
            wait(1, "hours"),
            sms("Two. Reply STOP to opt out."),
            wait(1, "hours"),
            sms("Three. Reply STOP to opt out."),
            wait(1, "hours"),
            sms("Four. Reply STOP to opt out."),
        ],
    )
    assert lead.state == "FL"
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = committed(services.enrol, lead, cadence)
        drain()
    for hours in (1, 2, 3):
        with time_machine.travel(MONDAY_10AM + timedelta(hours=hours, seconds=1), tick=False):
            committed(services.sweep_due_steps)
            drain()
    assert [r.form["Body"] for r in standin.create_requests()] == [
        "One. Reply STOP to opt out." + IDS_LINE,
        "Two. Reply STOP to opt out." + IDS_LINE,
        "Three. Reply STOP to opt out." + IDS_LINE,
    ]
    fourth = runs(enrolment)[3].message
    assert fourth.status == Message.Status.HELD
    assert fourth.held_until == MONDAY_10AM + timedelta(hours=24)  # when "One" leaves the 24-hour window
    with time_machine.travel(MONDAY_10AM + timedelta(hours=24, seconds=1), tick=False):
        committed(messaging.sweep_due_messages)
        drain()
    fourth.refresh_from_db()
    assert fourth.status == Message.Status.SENT
    assert len(standin.create_requests()) == 4
