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
