"""Delivering many messages at once (the cadence sweep's burst): the batch reads give every message exactly the
gate facts it gets on its own, the caps count texts of the same batch in order, each message is sent once, and
sends keep to the configured pace per sender number and provider account."""

from datetime import timedelta

import time_machine
from messaging_helpers import eastern, make_lead

from firstcall.compliance.models import ContactAttempt, InternalDoNotCall, NationalDncNumber, TouchDecision
from firstcall.leads.models import Consent, TimelineEvent
from firstcall.messaging import pacing, services
from firstcall.messaging.models import Message, SendDecision, SendPace, Suppression

MORNING = eastern(2026, 3, 10, 10, 0)


def queued(lead, key, *, channel="sms", purpose="cadence", is_marketing=True, **options):
    return services.queue_message(
        lead, channel, "Hi Ana, it's Olivia from Acme.", purpose=purpose, is_marketing=is_marketing,
        idempotency_key=key, **options,
    )  # fmt: skip


@time_machine.travel(MORNING, tick=False)
def test_batch_gate_facts_are_the_facts_each_message_gets_on_its_own(organisation, owner):
    plain = make_lead(organisation, owner=owner)
    no_consent = make_lead(organisation, owner=owner, phone="+18135550177", consent_sms=False)
    Consent.objects.create(lead=no_consent, channel="sms", is_granted=False, address="+18135550177")
    suppressed = make_lead(organisation, owner=owner, phone="+18135550178")
    Suppression.objects.create(
        organisation=organisation, channel="sms", address="+18135550178", reason="manual"
    )
    internal = make_lead(organisation, owner=owner, phone="+18135550179")
    InternalDoNotCall.objects.create(organisation=organisation, lead=internal)
    national = make_lead(organisation, owner=owner, phone="+18135550180")
    NationalDncNumber.objects.create(organisation=organisation, phone="+18135550180", area_code="813")
    called = make_lead(organisation, owner=owner, phone="+18135550181")
    ContactAttempt.objects.create(
        organisation=organisation, lead=called, channel="call", address="+18135550181", kind="manual",
        at=MORNING - timedelta(hours=2),
    )  # fmt: skip
    messages = [
        queued(plain, "a"),
        queued(plain, "b", channel="email"),
        queued(no_consent, "c"),
        queued(suppressed, "d"),
        queued(internal, "e"),
        queued(national, "f"),
        queued(called, "g"),
        services.queue_message(
            None,
            "sms",
            "New lead",
            purpose="alert",
            is_marketing=False,
            recipient_user=owner,
            organisation=organisation,
            idempotency_key="h",
        ),  # fmt: skip
    ]
    messages = list(Message.objects.filter(pk__in=[m.pk for m in messages]).order_by("pk"))
    one_by_one = {message.pk: services.gather_send_facts(message, MORNING) for message in messages}
    assert services.gather_send_facts_many(messages, MORNING) == one_by_one
    assert one_by_one[messages[4].pk].touch.dnc.internal and one_by_one[messages[5].pk].touch.dnc.national
    assert len(one_by_one[messages[6].pk].touch.touches_last_24h) == 1


@time_machine.travel(MORNING, tick=False)
def test_a_batch_sends_each_text_once_logs_each_decision_and_counts_its_own_texts_for_the_cap(
    twilio_settings, standin, organisation, owner
):
    lead = make_lead(organisation, owner=owner)  # Florida: at most 3 marketing texts in 24 hours
    other = make_lead(organisation, owner=owner, phone="+18135550190")
    messages = [queued(lead, f"fl:{index}") for index in range(4)] + [queued(other, "other")]
    outcomes = services.deliver_many([message.pk for message in messages])
    assert [outcomes[message.pk] for message in messages] == ["sent", "sent", "sent", "held", "sent"]
    assert len(standin.created_messages()) == 4
    assert {request.idempotency_token for request in standin.create_requests()} == {
        "fl:0", "fl:1", "fl:2", "other",
    }  # fmt: skip
    held = Message.objects.get(idempotency_key="fl:3")
    assert held.status == Message.Status.HELD and held.attempts == 0
    assert any("FL allows 3" in reason for reason in SendDecision.objects.get(message=held).reasons)
    assert SendDecision.objects.count() == TouchDecision.objects.filter(subject_type="message").count() == 5
    sent = Message.objects.filter(status=Message.Status.SENT)
    assert sent.count() == 4 and all(message.sent_at == sent[0].sent_at for message in sent)
    assert ContactAttempt.objects.filter(channel="sms").count() == 4
    assert TimelineEvent.objects.filter(summary__endswith=" sent").count() == 4
    lead.refresh_from_db()
    assert lead.first_touch_at is not None
    # A second delivery of the same messages sends nothing more.
    assert set(services.deliver_many([message.pk for message in messages]).values()) == {"not claimed"}
    assert len(standin.create_requests()) == 4


def test_slots_keep_to_the_stricter_of_the_number_and_account_rates_across_workers(settings, db):
    settings.SMS_RATE_PER_NUMBER = 4  # texts per second
    settings.SMS_RATE_PER_ACCOUNT = 10
    settings.SMS_PACING_HORIZON_SECONDS = 10
    settings.SMS_ACCOUNT_SID = "AC1"
    ours = [Message(pk=index, channel="sms", from_address="+18135550000") for index in range(1, 8)]
    theirs = [Message(pk=index, channel="sms", from_address="+18135550001") for index in range(11, 15)]
    with time_machine.travel(MORNING, tick=False):
        first = pacing.book(ours[:3])  # one worker
        second = pacing.book(theirs + ours[3:])  # another, at the same instant
    quarter = timedelta(seconds=0.25)
    assert [first.slots[pk] for pk in (1, 2, 3)] == [MORNING, MORNING + quarter, MORNING + 2 * quarter]
    assert first.unbooked == second.unbooked == []
    slots = {**first.slots, **second.slots}

    def gaps(pks):
        moments = sorted(slots[pk] for pk in pks)
        return [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]

    assert min(gaps(range(1, 8))) >= quarter and min(gaps(range(11, 15))) >= quarter  # 4/s per number
    assert min(gaps(slots)) >= timedelta(seconds=0.1)  # 10/s for the account, both numbers together
    assert SendPace.objects.count() == 3
    # A slot further off than the horizon is not booked: the text stays queued for the next round.
    settings.SMS_PACING_HORIZON_SECONDS = 1
    with time_machine.travel(MORNING, tick=False):
        third = pacing.book([Message(pk=20, channel="sms", from_address="+18135550000")])
    assert third.unbooked == [20] and third.slots == {}


def test_unpaced_sending_books_nothing(settings, db):
    settings.SMS_RATE_PER_NUMBER = 0
    settings.SMS_RATE_PER_ACCOUNT = 0
    message = Message(pk=1, channel="sms", from_address="+18135550000")
    booking = pacing.book([message])
    assert booking.unbooked == [] and booking.next_free_at is None
    assert not SendPace.objects.exists()


@time_machine.travel(MORNING, tick=False)
def test_a_text_the_pace_has_no_slot_for_waits_in_the_queue(twilio_settings, standin, organisation, owner):
    twilio_settings.SMS_RATE_PER_NUMBER = 1
    twilio_settings.SMS_PACING_HORIZON_SECONDS = 1
    SendPace.objects.create(
        key=f"sms-number:{organisation.sms_from_number}", next_slot_at=MORNING + timedelta(seconds=5)
    )
    message = queued(make_lead(organisation, owner=owner), "paced")
    assert services.deliver(message.pk) == Message.Status.QUEUED
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 0
    assert message.next_attempt_at is not None and message.next_attempt_at > MORNING
    assert standin.requests == [] and not SendDecision.objects.exists()


@time_machine.travel(MORNING, tick=False)
def test_a_batch_names_both_nmls_ids_on_a_marketing_text_and_refuses_one_without_them(
    twilio_settings, standin, organisation, owner
):
    # SAFE Act identification holds for the batch path as for one message (messaging.outbox.decide_send).
    organisation.nmls_id = "1234567"
    organisation.save(update_fields=["nmls_id"])
    owner.nmls_id = "7654321"
    owner.save(update_fields=["nmls_id"])
    stranger = make_lead(organisation, owner=owner, phone="+18135550191")
    named = queued(make_lead(organisation, owner=owner), "named")
    services.deliver_many([named.pk])
    named.refresh_from_db()
    assert named.status == "sent" and "7654321" in named.body and "1234567" in named.body
    assert "7654321" in standin.created_messages()[0].body

    owner.nmls_id = ""
    owner.save(update_fields=["nmls_id"])
    unnamed = queued(stranger, "unnamed")
    outcomes = services.deliver_many([unnamed.pk])
    unnamed.refresh_from_db()
    assert outcomes[unnamed.pk] != "sent" and unnamed.status not in ("sent", "delivered")
    assert "NMLS" in " ".join(SendDecision.objects.get(message=unnamed).reasons)
    assert len(standin.created_messages()) == 1


@time_machine.travel(MORNING, tick=False)
def test_a_text_that_fails_in_a_batch_is_retried_alone_and_the_others_are_not_sent_again(
    twilio_settings, standin, organisation, owner
):
    leads = [make_lead(organisation, owner=owner, phone=f"+1813555019{index}") for index in range(3)]
    messages = [queued(lead, f"batch:{index}") for index, lead in enumerate(leads)]
    # The provider takes the second text but its answer is lost (a 500 after creating it).
    standin.fail_next("", "accept_then_500")
    outcomes = services.deliver_many([message.pk for message in messages])
    assert [outcomes[message.pk] for message in messages] == ["sent", "queued", "sent"]
    retried = Message.objects.get(idempotency_key="batch:1")
    assert retried.status == Message.Status.QUEUED and retried.next_attempt_at > MORNING
    assert retried.last_error.startswith("HTTP 500")

    with time_machine.travel(retried.next_attempt_at + timedelta(seconds=1), tick=False):
        again = services.deliver_many([message.pk for message in messages])
    assert again == {messages[0].pk: "not claimed", messages[1].pk: "sent", messages[2].pk: "not claimed"}
    tokens = [request.idempotency_token for request in standin.create_requests()]
    assert tokens == ["batch:0", "batch:1", "batch:2", "batch:1"]  # only the failed one went again
    assert standin.create_requests()[-1].is_duplicate  # and its key kept the provider from a second text
    assert len(standin.created_messages()) == 3
    retried.refresh_from_db()
    assert retried.status == Message.Status.SENT and retried.attempts == 2
    assert retried.provider_message_id == standin.create_requests()[1].sid
    assert ContactAttempt.objects.filter(channel="sms").count() == 3
    assert TimelineEvent.objects.filter(summary__endswith=" sent").count() == 3
