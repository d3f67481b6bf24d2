"""Running cadences: schedules in the borrower's time, business days and holidays, quiet hours, exactly-once
steps, and what a stop does. Real database, real task worker, real HTTP to the SMS stand-in, real SMTP, time
travel for the calendar."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from cadence_helpers import (
    BORROWER_PHONE,
    IDS_LINE,
    OUR_NUMBER,
    build_cadence,
    call,
    eastern,
    email,
    make_lead,
    runs,
    sms,
    stage,
    wait,
)

from firstcall.cadences import execution, services
from firstcall.cadences.models import CadenceSettings, CallTask, Enrolment, StepRun
from firstcall.leads.models import TimelineEvent
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.services import add_suppression

MONDAY_10AM = eastern(2026, 3, 9, 10, 0)  # a Monday, Eastern Daylight Time


@pytest.fixture
def drain(run_worker, django_capture_on_commit_callbacks):
    """Run the real worker until nothing new is queued, letting on-commit hooks (task enqueues) fire."""

    def drain_all():
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                run_worker()
            if not callbacks:
                return

    return drain_all


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def three_touch_cadence(organisation):
    return build_cadence(
        organisation,
        [
            sms(
                'Hi {{ borrower.first_name|default:"there" }}, it\'s {{ officer.first_name }} from '
                "{{ organisation.name }}. When is a good time to talk? Reply STOP to opt out."
            ),
            wait(2, "days"),
            email(
                "Your {{ scenario.loan_type }} options",
                "Hi {{ borrower.first_name }},\n\nHere is what I found.",
            ),
            wait(4, "days"),
            call("Call {{ borrower.full_name }}: no reply in a week"),
        ],
        name="Three touches",
    )


# ------------------------------------------------------------------------------------------- the schedule


def test_text_on_day_1_email_on_day_3_and_call_task_on_day_7(
    organisation, owner, lead, twilio_settings, standin, smtp_server, drain, committed
):
    cadence = three_touch_cadence(organisation)
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = committed(services.enrol, lead, cadence, actor=owner)
        drain()
    [text] = standin.create_requests()
    assert text.form["To"] == BORROWER_PHONE and text.form["From"] == OUR_NUMBER
    assert text.form["Body"] == (
        "Hi Ana, it's Olivia from Acme Home Loans. When is a good time to talk? Reply STOP to opt out."
        + IDS_LINE
    )
    [first, second] = runs(enrolment)
    assert first.status == StepRun.Status.DONE and first.message.status == Message.Status.SENT
    assert (
        first.message.idempotency_key == f"cadence-step:{first.pk}"
        and first.message.cadence_step_id == first.pk
    )
    assert first.message.purpose == "cadence" and first.message.is_marketing
    assert second.status == StepRun.Status.PENDING and second.step.kind == "send_email"
    assert second.due_at == eastern(2026, 3, 11, 10, 0)
    enrolment.refresh_from_db()
    assert enrolment.next_step_at == second.due_at

    with time_machine.travel(eastern(2026, 3, 11, 9, 59), tick=False):
        assert services.sweep_due_steps() == 0  # not due yet
    with time_machine.travel(eastern(2026, 3, 11, 10, 0, 5), tick=False):
        assert committed(services.sweep_due_steps) == 1
        drain()
    [mail] = smtp_server.messages()
    assert mail["To"] == "ana.lopez@example.com" and mail["Subject"] == "Your FHA options"
    assert str(mail["List-Unsubscribe"]).strip().startswith("<http://testserver/u/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Hi Ana,\n\nHere is what I found." in plain
    assert "Olivia\nLoan Officer, NMLS #100001\nAcme Home Loans\n(813) 555-0101" in plain  # the signature
    assert "1 Main St, Tampa, FL 33602" in plain and "Unsubscribe: http://testserver/u/" in plain

    call_run = runs(enrolment)[2]
    assert call_run.due_at == eastern(2026, 3, 15, 10, 0, 5)  # four days after the email went
    with time_machine.travel(eastern(2026, 3, 15, 10, 1), tick=False):
        assert committed(services.sweep_due_steps) == 1
    [task] = CallTask.objects.filter(lead=lead)
    assert task.title == "Call Ana Lopez: no reply in a week" and task.owner == owner
    assert task.status == CallTask.Status.OPEN and task.due_at == call_run.due_at
    assert owner.notifications.filter(kind="call_task", lead=lead).count() == 1
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED
    assert [run.status for run in runs(enrolment)] == ["done", "done", "done"]
    assert len(standin.create_requests()) == 1 and len(smtp_server.envelopes) == 1


def test_business_days_skip_the_weekend_and_christmas(organisation, lead, committed):
    cadence = build_cadence(
        organisation,
        [
            call("First call"),
            wait(1, "business_days", at="09:30"),
            call("Second call"),
            wait(2, "business_days"),
            call("Third call"),
        ],
    )
    with time_machine.travel(eastern(2026, 12, 24, 11, 0), tick=False):  # Thursday, Christmas Eve
        enrolment = committed(services.enrol, lead, cadence)
        services.sweep_due_steps()
    second = runs(enrolment)[1]
    # Friday the 25th is a holiday and the weekend is closed: Monday the 28th at 9:30 local.
    assert second.due_at == eastern(2026, 12, 28, 9, 30)
    with time_machine.travel(eastern(2026, 12, 28, 9, 30), tick=False):
        services.sweep_due_steps()
    assert runs(enrolment)[2].due_at == eastern(2026, 12, 30, 9, 30)


def test_waits_are_in_the_borrowers_time_zone_across_daylight_saving(organisation, owner, committed):
    lead = make_lead(organisation, owner=owner, time_zone="America/Los_Angeles", zip_code="90012", state="CA")
    cadence = build_cadence(
        organisation,
        [call("A"), wait(1, "days", at="10:00"), call("B"), wait(0, "until_time", at="18:00"), call("C")],
    )
    with time_machine.travel(datetime(2026, 3, 7, 20, 0, tzinfo=UTC), tick=False):  # Sat noon in LA
        enrolment = committed(services.enrol, lead, cadence)
        services.sweep_due_steps()
    b = runs(enrolment)[1]
    assert b.due_at == datetime(2026, 3, 8, 17, 0, tzinfo=UTC)  # 10:00 PDT on the day clocks went forward
    with time_machine.travel(b.due_at, tick=False):
        services.sweep_due_steps()
    assert runs(enrolment)[2].due_at == datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 18:00 PDT the same day


def test_a_lead_without_a_time_zone_follows_the_organisation(organisation, owner, committed):
    lead = make_lead(organisation, owner=owner, time_zone="")
    organisation.time_zone = "America/Chicago"
    organisation.save()
    cadence = build_cadence(organisation, [wait(0, "until_time", at="09:00"), call("Morning call")])
    with time_machine.travel(datetime(2026, 3, 10, 20, 0, tzinfo=UTC), tick=False):
        enrolment = committed(services.enrol, lead, cadence)
    assert runs(enrolment)[0].due_at == datetime(2026, 3, 11, 14, 0, tzinfo=UTC)  # 09:00 CDT


# ------------------------------------------------------------------------------------------ quiet hours


def test_a_step_due_in_quiet_hours_is_done_and_its_text_is_held_until_the_window_opens(
    organisation, lead, twilio_settings, standin, drain, committed
):
    cadence = build_cadence(organisation, [sms("Evening check-in. Reply STOP to opt out.")])
    evening = eastern(2026, 3, 10, 20, 30)  # Florida allows 8 a.m.-8 p.m.
    with time_machine.travel(evening, tick=False):
        enrolment = committed(services.enrol, lead, cadence)
        drain()
        [run] = runs(enrolment)
        assert run.status == StepRun.Status.DONE
        assert run.message.status == Message.Status.HELD
        assert run.message.held_until == eastern(2026, 3, 11, 8, 0)
        assert standin.create_requests() == []
    with time_machine.travel(eastern(2026, 3, 11, 8, 0, 1), tick=False):
        from firstcall.messaging.services import sweep_due_messages

        committed(sweep_due_messages)
        drain()
    run.message.refresh_from_db()
    assert run.message.status == Message.Status.SENT and run.message.sent_at == eastern(2026, 3, 11, 8, 0, 1)
    assert len(standin.create_requests()) == 1


# ---------------------------------------------------------------------------------------- stops


def test_a_reply_stops_the_cadence_and_withdraws_a_held_text(
    organisation, owner, lead, twilio_settings, standin, client, drain, committed
):
    cadence = build_cadence(
        organisation,
        [
            sms("Tonight's note. Reply STOP to opt out."),
            wait(2, "days"),
            sms("Day 3 note. Reply STOP to opt out."),
        ],
    )
    with time_machine.travel(eastern(2026, 3, 10, 20, 30), tick=False):
        enrolment = committed(services.enrol, lead, cadence)
        drain()
        held = runs(enrolment)[0].message
        assert held.status == Message.Status.HELD
        url, params, signature = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "Yes call me tomorrow")
        with time_machine.travel(eastern(2026, 3, 10, 21, 0), tick=False):
            response = committed(
                client.post, "/hooks/sms/inbound/", params, headers={"X-Twilio-Signature": signature}
            )
        assert response.status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.STOPPED and enrolment.stop_reason == "replied"
    assert enrolment.stop_detail == "borrower replied by text"
    assert [run.status for run in runs(enrolment)] == ["done", "cancelled"]
    held.refresh_from_db()
    assert held.status == Message.Status.SUPPRESSED and "cadence stopped" in held.status_reason
    event = TimelineEvent.objects.get(lead=lead, kind="cadence", data__status="stopped")
    assert event.summary == (
        "Cadence Test cadence stopped: borrower replied (borrower replied by text); "
        "1 unsent message withdrawn"
    )
    assert owner.notifications.filter(kind="reply", title="Ana Lopez replied by text").count() == 1
    with time_machine.travel(eastern(2026, 3, 13, 10, 0), tick=False):
        assert services.sweep_due_steps() == 0
        drain()
    assert standin.create_requests() == []


def test_stop_arriving_while_a_step_is_claimed_means_nothing_is_sent(
    organisation, lead, twilio_settings, standin, client, committed
):
    cadence = build_cadence(organisation, [sms("Checking in. Reply STOP to opt out.")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)  # its on-commit task never runs here
        [run] = runs(enrolment)
        token = services.claim_step_run(run.pk)  # a worker has taken the step...
        assert token
        url, params, signature = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "STOP")
        response = committed(
            client.post, "/hooks/sms/inbound/", params, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 200
        result = services.execute_claimed(run.pk, token)  # ...and re-checks under the enrolment lock
    assert result.outcome == "cancelled"
    run.refresh_from_db()
    assert run.status == StepRun.Status.CANCELLED and run.message is None
    assert not Message.objects.filter(lead=lead, purpose="cadence").exists()
    enrolment.refresh_from_db()
    assert enrolment.stop_reason == "opted_out" and enrolment.stop_detail == "opted out of texts"
    assert standin.create_requests() == []


def test_stop_after_the_step_queued_its_text_is_caught_by_the_send_recheck(
    organisation, lead, twilio_settings, standin, client, committed
):
    from firstcall.messaging import services as messaging

    cadence = build_cadence(
        organisation,
        [sms("Checking in. Reply STOP to opt out."), wait(2, "days"), sms("Later. Reply STOP to opt out.")],
    )
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.run_step(runs(enrolment)[0].pk)
        message = runs(enrolment)[0].message
        assert messaging.claim_message(message.pk)  # the outbox worker has the text in hand
        url, params, signature = standin.inbound_request(BORROWER_PHONE, OUR_NUMBER, "stop.")
        committed(client.post, "/hooks/sms/inbound/", params, headers={"X-Twilio-Signature": signature})
        assert messaging.send_claimed_message(message.pk) == "suppressed"
    assert [r.form["Body"] for r in standin.create_requests()] == []  # the confirmation was not delivered yet
    message.refresh_from_db()
    assert message.status == Message.Status.SUPPRESSED and "stop_keyword" in message.status_reason
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.STOPPED and enrolment.stop_reason == "opted_out"
    assert [run.status for run in runs(enrolment)] == ["done", "cancelled"]


def test_moving_to_application_stops_the_cadence(organisation, owner, lead, committed):
    cadence = build_cadence(organisation, [wait(1, "days"), call("Call")], stop_on_stages=["Application"])
    enrolment = committed(services.enrol, lead, cadence)
    old = lead.stage
    services.on_stage_changed(lead, old, stage(lead, "Contacted"), actor=owner)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ACTIVE
    services.on_stage_changed(lead, old, stage(lead, "Application"), actor=owner)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.STOPPED and enrolment.stop_reason == "stage_changed"
    assert enrolment.stop_detail == "moved to Application"
    assert TimelineEvent.objects.filter(
        lead=lead, kind="cadence", summary__contains="moved to Application"
    ).exists()


def test_closing_the_lead_stops_the_cadence_unless_configured(organisation, lead):
    stays = build_cadence(
        organisation,
        [wait(1, "days"), call("Call")],
        name="Stays",
        stop_when_closed=False,
        allows_parallel=True,
    )
    stops = build_cadence(organisation, [wait(1, "days"), call("Call")], name="Stops")
    kept, ended = services.enrol(lead, stays), services.enrol(lead, stops)
    services.on_stage_changed(lead, lead.stage, stage(lead, "Lost"))
    kept.refresh_from_db()
    ended.refresh_from_db()
    assert kept.status == "active" and ended.status == "stopped" and ended.stop_detail == "moved to Lost"


def test_entering_a_stage_enrols_in_the_stage_cadence(organisation, owner, lead):
    cadence = build_cadence(
        organisation,
        [wait(2, "business_days"), call("Nudge")],
        name="Stalled application",
        trigger="stage",
        stages=["Application"],
        stop_when_leaving_stages=True,
    )
    services.move_lead_stage(lead, stage(lead, "Application"), why="application started", actor=owner)
    enrolment = Enrolment.objects.get(lead=lead, cadence=cadence)
    assert enrolment.status == "active" and enrolment.enrolled_how == "entered Application"
    services.move_lead_stage(lead, stage(lead, "Processing"), why="submitted", actor=owner)
    enrolment.refresh_from_db()
    assert enrolment.status == "stopped" and enrolment.stop_detail == "left Application for Processing"


def test_opting_out_of_email_stops_the_cadence(organisation, lead, committed, client):
    from firstcall.messaging import services as messaging

    cadence = build_cadence(organisation, [wait(1, "days"), call("Call")])
    enrolment = services.enrol(lead, cadence)
    messaging.opt_out_address(
        organisation,
        "email",
        "Ana.Lopez@example.com",
        reason=Suppression.Reason.UNSUBSCRIBE,
        how="email unsubscribe link",
    )
    enrolment.refresh_from_db()
    assert enrolment.status == "stopped" and enrolment.stop_detail == "opted out of email"


# ------------------------------------------------------------------------------------- skipping and caps


def test_a_text_step_without_consent_is_skipped_and_the_cadence_goes_on(organisation, owner, committed):
    lead = make_lead(organisation, owner=owner, consent_sms=False)
    cadence = build_cadence(organisation, [sms("Hi. Reply STOP to opt out."), call("Call instead")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
    assert [(run.status, run.notes) for run in runs(enrolment)] == [
        ("skipped", "no text consent"),
        ("done", f"call task {CallTask.objects.get().pk} for Olivia"),
    ]
    assert not Message.objects.filter(lead=lead).exists()


def test_a_suppressed_number_is_skipped(organisation, lead):
    add_suppression(organisation, "sms", BORROWER_PHONE, reason=Suppression.Reason.DNC_IMPORT)
    cadence = build_cadence(organisation, [sms("Hi. Reply STOP to opt out.")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
    [run] = runs(enrolment)
    assert run.status == "skipped" and run.notes == "address on the do-not-contact list (dnc_import)"


def test_the_organisation_cap_holds_a_step_until_the_window_opens(organisation, owner, lead):
    CadenceSettings.objects.create(organisation=organisation, max_texts_per_day=1)
    cadence = build_cadence(
        organisation,
        [sms("One. Reply STOP to opt out."), wait(2, "hours"), sms("Two. Reply STOP to opt out.")],
    )
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
    with time_machine.travel(MONDAY_10AM + timedelta(hours=2), tick=False):
        services.sweep_due_steps()
    second = runs(enrolment)[1]
    assert second.status == StepRun.Status.HELD
    assert second.due_at == MONDAY_10AM + timedelta(hours=24, seconds=1)
    assert "organisation limit reached" in second.notes
    with time_machine.travel(MONDAY_10AM + timedelta(hours=24, seconds=2), tick=False):
        assert services.sweep_due_steps() == 1
    second.refresh_from_db()
    assert second.status == "done" and second.message.body == "Two. Reply STOP to opt out." + IDS_LINE


# ---------------------------------------------------------------------------------------- exactly once


def test_a_killed_worker_is_reclaimed_and_the_step_runs_once(
    organisation, lead, settings, twilio_settings, standin, drain, committed
):
    settings.CADENCE_STEP_LEASE_SECONDS = 120
    cadence = build_cadence(organisation, [sms("Checking in. Reply STOP to opt out.")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        [run] = runs(enrolment)
        dead_token = services.claim_step_run(run.pk)  # the worker died right after claiming
    with time_machine.travel(MONDAY_10AM + timedelta(seconds=119), tick=False):
        assert services.reclaim_expired_claims() == 0  # still within its lease
    with time_machine.travel(MONDAY_10AM + timedelta(seconds=121), tick=False):
        assert committed(services.sweep_due_steps) == 2  # reclaimed, then run
        drain()
        # The "dead" worker wakes up and tries to finish: its claim is gone, nothing happens.
        assert services.execute_claimed(run.pk, dead_token).outcome == "lost claim"
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 2
    assert Message.objects.filter(lead=lead, purpose="cadence").count() == 1
    assert len(standin.create_requests()) == 1


def test_a_step_run_twice_reuses_its_message(organisation, lead):
    from firstcall.messaging.services import queue_message

    cadence = build_cadence(organisation, [sms("Hello. Reply STOP to opt out.")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        [run] = runs(enrolment)
        first = queue_message(
            lead,
            "sms",
            "earlier attempt",
            purpose="cadence",
            is_marketing=True,
            idempotency_key=f"cadence-step:{run.pk}",
        )
        assert services.run_step(run.pk) == "done"
        assert services.run_step(run.pk) == "not claimed"
    run.refresh_from_db()
    assert run.message_id == first.pk
    assert Message.objects.filter(lead=lead).count() == 1


def test_a_step_that_raises_is_retried_then_skipped(organisation, lead, monkeypatch, settings):
    settings.CADENCE_MAX_ATTEMPTS = 2
    cadence = build_cadence(organisation, [call("Call"), call("Then this")])
    original = services._call_task
    failing = {"count": 0}

    def broken(run, step, enrolment, lead):
        if step.position == 0:
            failing["count"] += 1
            raise RuntimeError("boom")
        return original(run, step, enrolment, lead)

    monkeypatch.setattr(execution, "_call_task", broken)
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
        first = runs(enrolment)[0]
        assert first.status == "pending" and first.last_error == "RuntimeError: boom"
        assert first.due_at == MONDAY_10AM + timedelta(seconds=30)
    with time_machine.travel(MONDAY_10AM + timedelta(seconds=31), tick=False):
        services.sweep_due_steps()
    assert [run.status for run in runs(enrolment)] == ["failed", "done"]
    assert failing["count"] == 2
    assert CallTask.objects.filter(lead=lead).count() == 1
    assert TimelineEvent.objects.filter(lead=lead, summary__contains="step 1 failed and was skipped").exists()


# ----------------------------------------------------------------------------------- pause and resume


def test_pause_holds_everything_and_resume_continues_where_it_stopped(organisation, owner, lead):
    cadence = build_cadence(organisation, [call("One"), wait(2, "days"), call("Two")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
        assert services.pause_enrolment(enrolment, actor=owner)
    assert enrolment.status == "paused" and runs(enrolment)[1].status == "cancelled"
    with time_machine.travel(eastern(2026, 3, 12, 10, 0), tick=False):
        assert services.sweep_due_steps() == 0
        assert services.next_step_for(lead) == ("Paused: Test cadence", None)
        assert services.resume_enrolment(enrolment, actor=owner)
        third = runs(enrolment)[2]
        assert third.step.body == "Two" and third.due_at == eastern(2026, 3, 12, 10, 0)  # overdue: now
        assert services.sweep_due_steps() == 1
    assert CallTask.objects.filter(lead=lead).count() == 2
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"


def test_next_step_for_the_lead_page(organisation, lead):
    assert services.next_step_for(lead) is None
    cadence = build_cadence(
        organisation, [wait(1, "days", at="10:00"), call("Call {{ borrower.first_name }}")]
    )
    with time_machine.travel(MONDAY_10AM, tick=False):
        services.enrol(lead, cadence)
    assert services.next_step_for(lead) == (
        "Call task: Call [borrower's first name] (Test cadence)",
        eastern(2026, 3, 10, 10, 0),
    )


def test_a_sweep_sends_the_texts_it_queued_without_waiting_for_the_task_queue(
    organisation, lead, twilio_settings, standin, committed
):
    cadence = build_cadence(organisation, [wait(1, "hours"), sms("Checking in. Reply STOP to opt out.")])
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
    with time_machine.travel(MONDAY_10AM + timedelta(hours=1), tick=False):
        assert committed(services.sweep_due_steps) == 1
    [run] = runs(enrolment)
    assert run.message.status == Message.Status.SENT and run.message.sent_at == MONDAY_10AM + timedelta(
        hours=1
    )
    assert [request.idempotency_token for request in standin.create_requests()] == [f"cadence-step:{run.pk}"]
    from firstcall.messaging.services import deliver

    assert deliver(run.message.pk) == "not claimed"  # what the task enqueued on commit finds later


def test_a_move_stage_step_moves_the_lead_and_its_own_stop_rule_applies(organisation, owner, lead):
    cadence = build_cadence(
        organisation,
        [{"kind": "move_stage", "stage_name": "Contacted"}, {"kind": "move_stage", "stage_name": "Application"},
         wait(1, "days"), call("Never")],
        stop_on_stages=["Application"],
    )  # fmt: skip
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolment = services.enrol(lead, cadence)
        services.sweep_due_steps()
    lead.refresh_from_db()
    assert lead.stage.name == "Application"
    assert [(run.status, run.notes) for run in runs(enrolment)] == [
        ("done", "moved to Contacted"),
        ("done", "moved to Application"),
    ]
    enrolment.refresh_from_db()
    assert enrolment.status == "stopped" and enrolment.stop_detail == "moved to Application"
    assert not CallTask.objects.exists()
    assert list(
        TimelineEvent.objects.filter(lead=lead, kind="stage_changed")
        .order_by("pk")
        .values_list("summary", flat=True)
    ) == ["Stage changed from New to Contacted", "Stage changed from Contacted to Application"]
