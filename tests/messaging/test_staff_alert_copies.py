"""A person's in-app notification that asks for a text or email copy: accounts emits staff.alert_requested and
messaging queues the copies through the outbox in the same transaction, once per notification and channel."""

import pytest
from django.db import transaction

from firstcall.accounts.models import Notification
from firstcall.accounts.notifications import notify
from firstcall.events.models import Delivery, Event
from firstcall.messaging.models import Message
from tests.outside_services import tampa_borrower


def test_a_notification_with_copies_queues_a_text_and_an_email_to_the_person_in_its_transaction(
    organisation, owner
):
    lead = tampa_borrower(organisation, owner=owner)
    notification = notify(owner, kind="new_lead", title="New lead: Ana Lopez", body="Purchase, Tampa", lead=lead,
                          url="/leads/1/", by_sms=True, by_email=True)  # fmt: skip

    [event] = Event.objects.filter(name="staff.alert_requested")
    assert event.organisation_id == organisation.pk
    assert event.payload == {"notification_id": notification.pk, "user_id": owner.pk, "lead_id": lead.pk,
                             "by_sms": True, "by_email": True}  # fmt: skip
    copies = Message.objects.filter(purpose=Message.Purpose.ALERT).order_by("channel")
    assert [(m.channel, m.recipient_user_id, m.to_address, m.idempotency_key) for m in copies] == [
        ("email", owner.pk, "olivia@acme.test", f"alert:{notification.pk}:email"),
        ("sms", owner.pk, owner.phone, f"alert:{notification.pk}:sms"),
    ]
    delivery = Delivery.objects.get(event=event)
    assert delivery.subscriber == "firstcall.messaging.subscribers.queue_staff_alert"
    assert delivery.status == "done"
    assert delivery.result == {"queued": 2, "message_ids": [copy.pk for copy in copies.order_by("pk")]}


def test_a_notification_without_copies_emits_nothing(organisation, owner):
    notify(owner, kind="task_due", title="Due soon: Call Ana back")
    assert Notification.objects.filter(user=owner).count() == 1
    assert not Event.objects.filter(name="staff.alert_requested").exists()
    assert not Message.objects.exists()


def test_a_person_without_a_phone_gets_only_the_email_copy(organisation, manager):
    notify(manager, kind="sla_breach", title="SLA breached", by_sms=True, by_email=True)
    assert list(Message.objects.values_list("channel", "to_address")) == [("email", "maria@acme.test")]


def test_copies_roll_back_with_the_change_that_asked_for_them(organisation, owner):
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(owner, kind="new_lead", title="New lead", by_sms=True)
        assert Message.objects.filter(purpose=Message.Purpose.ALERT).count() == 1
        raise RuntimeError("the assignment failed")
    assert not Notification.objects.exists()
    assert not Event.objects.exists()
    assert not Message.objects.exists()
