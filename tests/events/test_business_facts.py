"""The services that make each business fact emit its event, in the same transaction, with the documented payload."""

from datetime import timedelta

import pytest
from django.utils import timezone

from firstcall.events.models import Delivery, Event
from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.flows.task_falls_due import sweep_tasks_falling_due
from firstcall.leads.models import IntakeRecord, Stage
from firstcall.leads.submission import LeadSubmission
from firstcall.messaging import services as messaging
from firstcall.pipeline.services import move_stage
from firstcall.pipeline.tasks_service import create_task
from firstcall.routing.services import reassign_lead
from tests.outside_services import BORROWER_PHONE, OUR_NUMBER, tampa_borrower


def payloads(name):
    return [event.payload for event in Event.objects.filter(name=name).order_by("id")]


def capture_ana(source, **fields):
    record = IntakeRecord.objects.create(organisation=source.organisation, source=source, channel="api")
    values = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "phone": "8135550199",
        "zip": "33602",
        "purpose": "purchase",
    }
    submission = LeadSubmission(**(values | fields))
    return capture(submission, organisation=source.organisation, intake_record=record, source=source)


def test_capture_emits_lead_captured_new_then_merged_and_nothing_for_a_repeat(api_source):
    first = capture_ana(api_source)
    capture_ana(api_source)  # the same delivery again: not a new fact
    capture_ana(api_source, purpose="refinance")  # the same borrower's second inquiry: merged
    events = Event.objects.filter(name="lead.captured").order_by("id")
    assert [event.organisation_id for event in events] == [api_source.organisation_id] * 2
    inquiries = list(first.lead.inquiries.order_by("id").values_list("pk", flat=True))
    assert [event.payload for event in events] == [
        {"lead_id": first.lead.pk, "inquiry_id": inquiries[0], "source_id": api_source.pk, "channel": "api",
         "is_new_lead": True},
        {"lead_id": first.lead.pk, "inquiry_id": inquiries[1], "source_id": api_source.pk, "channel": "api",
         "is_new_lead": False},
    ]  # fmt: skip


def test_a_rejected_submission_emits_nothing(api_source):
    record = IntakeRecord.objects.create(
        organisation=api_source.organisation, source=api_source, channel="api"
    )
    capture(LeadSubmission(first_name="", phone="not a phone"), organisation=api_source.organisation,
            intake_record=record, source=api_source)  # fmt: skip
    assert not Event.objects.filter(name="lead.captured").exists()


def test_moving_a_stage_emits_lead_stage_changed(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner)
    new_stage = lead.stage
    contacted = lead.pipeline.stages.get(name="Contacted")
    move_stage(lead, contacted, owner)
    assert payloads("lead.stage_changed") == [
        {
            "lead_id": lead.pk,
            "from_stage_id": new_stage.pk,
            "to_stage_id": contacted.pk,
            "stage_kind": Stage.Outcome.OPEN,
            "changed_by_id": owner.pk,
            "how": "moved",
        }
    ]


def test_reassigning_emits_lead_assigned(organisation, owner, teammate, manager):
    lead = tampa_borrower(organisation, owner=owner)
    reassign_lead(lead, teammate, actor=manager)
    assert payloads("lead.assigned") == [
        {
            "lead_id": lead.pk,
            "assigned_to_id": teammate.pk,
            "previous_assignee_id": owner.pk,
            "how": "reassigned",
        }
    ]


def test_a_stop_reply_emits_message_received_and_consent_revoked(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner)
    message, _ = messaging.receive_inbound_sms(
        organisation=organisation, from_number=BORROWER_PHONE, to_number=OUR_NUMBER, body="STOP",
        provider_message_id="SM-stop-1",
    )  # fmt: skip
    assert payloads("message.received") == [
        {"message_id": message.pk, "lead_id": lead.pk, "channel": "sms", "keyword": "opt_out"}
    ]
    assert payloads("consent.revoked") == [{"lead_id": lead.pk, "channel": "sms", "how": "stop_keyword"}]
    # The journeys that react in the same transaction recorded what they did.
    done = {
        delivery.subscriber: delivery.result
        for delivery in Delivery.objects.filter(
            status="done", event__name__in=["message.received", "address.opted_out"]
        )
    }
    assert done == {
        "firstcall.leads.subscribers.count_borrower_reply": {"counted": True},
        "firstcall.flows.borrower_replies.after_reply": {"lead": lead.pk},
        "firstcall.flows.borrower_opts_out.after_opt_out": {"enrolments_stopped": 0},
    }


def test_a_task_coming_due_emits_task_due_once(organisation, owner, manager):
    lead = tampa_borrower(organisation, owner=owner)
    task = create_task(organisation, title="Call Ana back", created_by=manager, assignee=owner, lead=lead,
                       due_at=timezone.now() + timedelta(minutes=5))  # fmt: skip
    sweep_tasks_falling_due()
    sweep_tasks_falling_due()
    assert payloads("task.due") == [{"task_id": task.pk, "lead_id": lead.pk, "assigned_to_id": owner.pk}]


@pytest.mark.parametrize("name", ["lead.captured"])
def test_events_with_no_subscriber_cost_no_task(api_source, name, settings):
    settings.EVENT_SUBSCRIBERS = []  # outbound webhooks subscribe to every event; this is about events without
    capture_ana(api_source)
    assert all(event.dispatched_at is not None for event in Event.objects.filter(name=name))
