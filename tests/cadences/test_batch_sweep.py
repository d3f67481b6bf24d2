"""A sweep runs due steps in batches: each step still gets its own message (written together), and the
organisation's cap counts the texts queued earlier in the same batch, as if the steps had run one by one."""

from datetime import timedelta

import time_machine
from cadence_helpers import build_cadence, eastern, make_lead, runs, sms

from firstcall.cadences import services
from firstcall.cadences.models import CadenceSettings, StepRun
from firstcall.messaging.models import Message

MONDAY_10AM = eastern(2026, 3, 9, 10, 0)


def test_a_batch_queues_one_message_per_step_and_the_cap_counts_the_batchs_own_texts(organisation, owner):
    CadenceSettings.objects.create(organisation=organisation, max_texts_per_day=1)
    cadence = build_cadence(organisation, [sms("Checking in. Reply STOP to opt out.")])
    # Two leads share a number (a couple applying together): one text a day may go to it.
    shared = [make_lead(organisation, owner=owner, first_name=name) for name in ("Ana", "Luis")]
    others = [make_lead(organisation, owner=owner, phone=f"+1813555019{index}") for index in range(3)]
    with time_machine.travel(MONDAY_10AM, tick=False):
        enrolments = [services.enrol(lead, cadence) for lead in shared + others]
        assert services.sweep_due_steps() == 5
    first, second, *rest = [runs(enrolment)[0] for enrolment in enrolments]
    assert first.status == StepRun.Status.DONE and first.notes == f"text queued (message {first.message_id})"
    assert second.status == StepRun.Status.HELD and "organisation limit reached" in second.notes
    assert second.due_at == MONDAY_10AM + timedelta(hours=24, seconds=1)
    assert all(run.status == StepRun.Status.DONE and run.message_id for run in rest)
    messages = Message.objects.filter(purpose=Message.Purpose.CADENCE)
    assert sorted(messages.values_list("idempotency_key", flat=True)) == sorted(
        f"cadence-step:{run.pk}" for run in [first, *rest]
    )
    assert {message.cadence_step_id for message in messages} == {run.pk for run in [first, *rest]}


def test_the_sweep_sends_its_batch_itself_and_a_text_it_did_not_send_is_found_by_the_outbox_sweep(
    twilio_settings, standin, organisation, owner, settings, run_worker, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from firstcall.cadences import execution
    from firstcall.messaging import services as messaging

    cadence = build_cadence(organisation, [sms("Checking in. Reply STOP to opt out.")])
    leads = [make_lead(organisation, owner=owner, phone=f"+1813555019{index}") for index in range(3)]
    with time_machine.travel(MONDAY_10AM, tick=False):
        for lead in leads:
            services.enrol(lead, cadence)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.sweep_due_steps() == 3
    # Sent by the sweep itself, each once; no delivery task was queued for messages the sweep sends.
    assert len(standin.created_messages()) == 3
    assert Message.objects.filter(purpose="cadence", status=Message.Status.SENT).count() == 3
    assert DBTaskResult.objects.count() == 0

    # A worker that dies between the batch's commit and its sends: the messages stay queued, without a task,
    # and the outbox sweep enqueues them once the grace has passed; each is then sent once.
    settings.MESSAGING_SWEEP_GRACE_SECONDS = 60
    later = [make_lead(organisation, owner=owner, phone=f"+1813555018{index}") for index in range(2)]
    with time_machine.travel(MONDAY_10AM + timedelta(hours=1), tick=False):
        for lead in later:
            services.enrol(lead, cadence)
        with django_capture_on_commit_callbacks(execute=True):
            token, ids = execution.claim_due_step_runs(10)
            results = execution.execute_claimed_batch(ids, token, caller_delivers=True)
        assert len(results) == 2 and DBTaskResult.objects.count() == 0
        assert messaging.sweep_due_messages() == 0  # within the grace
    waiting = Message.objects.filter(purpose="cadence", status=Message.Status.QUEUED)
    assert waiting.count() == 2
    with time_machine.travel(MONDAY_10AM + timedelta(hours=1, seconds=61), tick=False):
        assert messaging.sweep_due_messages() == 2
        run_worker()
    assert Message.objects.filter(purpose="cadence", status=Message.Status.SENT).count() == 5
    assert len(standin.created_messages()) == 5
