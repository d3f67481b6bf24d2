"""The borrower's engagement is a count on the lead kept from message.received: each reply stored against a lead
counts once, in the transaction that stored it; a merge adds the counts; the score reads it."""

from importlib import import_module

from django.apps import apps

from firstcall.leads import duplicates
from firstcall.leads.models import Lead, LeadScore, PossibleDuplicate
from firstcall.messaging import services as messaging
from firstcall.messaging.models import Message
from tests.outside_services import BORROWER_PHONE, OUR_NUMBER, tampa_borrower


def receive(organisation, body: str, sid: str, from_number: str = BORROWER_PHONE):
    return messaging.receive_inbound_sms(organisation=organisation, from_number=from_number, to_number=OUR_NUMBER,
                                         body=body, provider_message_id=sid)  # fmt: skip


def engagement(lead: Lead) -> dict:
    score = LeadScore.objects.filter(lead=lead).latest("pk")
    return next(reason for reason in score.reasons if reason["factor"] == "engagement")


def test_each_reply_counts_once_and_the_score_reads_the_count(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner)
    receive(organisation, "Yes, still looking", "SM-1")
    receive(organisation, "Yes, still looking", "SM-1")  # the provider's retry of the same text
    receive(organisation, "Call me after 5", "SM-2")
    receive(organisation, "Who is this?", "SM-3", from_number="+18135550188")  # matches no lead
    lead.refresh_from_db()
    assert lead.reply_count == 2 == Message.objects.filter(lead=lead, direction="inbound").count()
    assert engagement(lead)["detail"] == "2 replies"


def test_a_merge_adds_the_replies_of_both_leads(organisation, owner):
    older = tampa_borrower(organisation, owner=owner, reply_count=2)
    newer = tampa_borrower(organisation, owner=owner, email="ana.l@example.com", phone="", reply_count=1)
    pair = PossibleDuplicate.objects.create(organisation=organisation, lead=newer, existing_lead=older,
                                            reason="same name")  # fmt: skip
    kept = duplicates.merge(pair, actor=owner)
    assert kept.pk == older.pk
    assert Lead.objects.get(pk=older.pk).reply_count == 3


def test_the_migration_counts_the_replies_stored_before_the_counter(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner)
    quiet = tampa_borrower(organisation, owner=owner, phone="+18135550177", email="")
    receive(organisation, "Yes", "SM-1")
    receive(organisation, "Tomorrow works", "SM-2")
    Lead.objects.update(reply_count=0)
    import_module("firstcall.leads.migrations.0010_lead_reply_count").count_replies_so_far(apps, None)
    assert dict(Lead.objects.values_list("pk", "reply_count")) == {lead.pk: 2, quiet.pk: 0}
