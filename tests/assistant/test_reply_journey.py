"""A borrower's text arrives on the real webhook; the worker reads it and the journey does the obvious next thing:
each intent's action checked by its effect on the lead (timeline, task, stage, consent, follow-up, draft)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from firstcall.accounts.models import Notification
from firstcall.assistant.models import AssistantSettings, Draft, LabelledExample, ReplyReading
from firstcall.events.dispatch import dispatch
from firstcall.events.models import Event
from firstcall.leads.models import Stage, TimelineEvent
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task

pytestmark = pytest.mark.usefixtures("at_monday_lunch")
EASTERN = ZoneInfo("America/New_York")


def reading_of(lead) -> ReplyReading:
    return ReplyReading.objects.get(lead=lead)


def test_a_callback_request_becomes_a_call_task_at_the_borrowers_time_and_a_draft(lead, owner, borrower_says):
    borrower_says("call me tomorrow after 5")
    reading = reading_of(lead)
    assert reading.intent == "callback_request"
    task = Task.objects.get(lead=lead, kind=Task.Kind.CALL)
    assert task.assignee == owner
    assert task.due_at.astimezone(EASTERN) == datetime(2026, 12, 8, 17, 0, tzinfo=EASTERN)
    assert TimelineEvent.objects.filter(
        lead=lead, summary__startswith="Reply read as \u201cWants a call\u201d"
    ).exists()
    draft = Draft.objects.get(lead=lead)
    assert draft.status == Draft.Status.WAITING
    assert "Tuesday at 5:00 PM" in draft.body
    assert draft.guardrails and all(check["passed"] for check in draft.guardrails)
    # Nothing is sent without a person: the default is approve-before-send.
    assert not Message.objects.filter(lead=lead, direction="outbound", purpose="manual").exists()


def test_a_callback_asked_for_outside_the_calling_window_is_moved_into_it(lead, borrower_says):
    borrower_says("call me tonight at 10pm")
    task = Task.objects.get(lead=lead, kind=Task.Kind.CALL)
    local = task.due_at.astimezone(EASTERN)
    assert 8 <= local.hour < 20 or (local.hour, local.minute) <= (20, 0)
    assert local.date() > datetime(2026, 12, 7).date()


def test_not_now_pauses_follow_up_and_schedules_the_restart(lead, borrower_says):
    borrower_says("not right now, maybe in the spring")
    assert reading_of(lead).intent == "not_now"
    restart = Task.objects.get(lead=lead, kind=Task.Kind.FOLLOW_UP)
    assert restart.due_at.astimezone(EASTERN) == datetime(2027, 3, 1, 10, 0, tzinfo=EASTERN)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("no thanks, we decided not to buy", "Not interested"), ("we already closed with another lender",
                                                               "Closed with another lender")],
)  # fmt: skip
def test_not_interested_and_closed_elsewhere_mark_the_lead_lost_with_the_reason(
    lead, borrower_says, text, reason
):
    borrower_says(text)
    lead.refresh_from_db()
    assert lead.stage.outcome == Stage.Outcome.LOST
    assert lead.lost_reason.startswith(reason)


def test_a_wrong_number_revokes_consent_for_that_number(lead, owner, borrower_says):
    borrower_says("wrong number, I'm not Ana")
    lead.refresh_from_db()
    assert reading_of(lead).intent == "wrong_number"
    assert lead.consent_sms is False
    assert Notification.objects.filter(user=owner, lead=lead).exists()


@pytest.mark.parametrize(
    ("text", "intent"),
    [("what's your rate on a 30 year fixed?", "rate_question"), ("do you do FHA loans?", "question"),
     ("can we set up a meeting this week?", "appointment_request")],
)  # fmt: skip
def test_questions_alert_the_loan_officer_with_a_suggested_answer(lead, owner, borrower_says, text, intent):
    borrower_says(text)
    assert reading_of(lead).intent == intent
    assert Notification.objects.filter(user=owner, lead=lead, kind="assistant").exists()
    assert Draft.objects.filter(lead=lead, status=Draft.Status.WAITING).exists()


def test_a_document_update_asks_the_loan_officer_to_check_the_documents(lead, borrower_says):
    borrower_says("just uploaded my last two paystubs")
    assert Task.objects.filter(lead=lead, kind=Task.Kind.DOCUMENT).exists()


def test_a_spanish_reply_gets_a_spanish_draft(lead, borrower_says):
    borrower_says("llámame mañana en la tarde")
    draft = Draft.objects.get(lead=lead)
    assert draft.language == "es"
    assert draft.body.startswith("Hola Ana")


def test_a_retried_event_reads_and_acts_once(lead, borrower_says):
    borrower_says("call me tomorrow after 5")
    event = Event.objects.get(name="message.received")
    event.dispatched_at = None
    event.save(update_fields=["dispatched_at"])
    event.deliveries.all().delete()
    dispatch(event.pk)
    assert ReplyReading.objects.filter(lead=lead).count() == 1
    assert Task.objects.filter(lead=lead, kind=Task.Kind.CALL).count() == 1
    assert Draft.objects.filter(lead=lead).count() == 1


def test_an_action_switched_off_by_the_organisation_does_not_run(lead, organisation, borrower_says):
    AssistantSettings.objects.create(organisation=organisation, actions_enabled={"not_interested": False})
    borrower_says("not interested")
    lead.refresh_from_db()
    assert lead.stage.outcome != Stage.Outcome.LOST


def test_auto_send_for_a_named_intent_goes_out_through_the_outbox(lead, organisation, borrower_says, texting):
    AssistantSettings.objects.create(organisation=organisation, approval_modes={"callback_request": "auto"})
    borrower_says("call me tomorrow after 5")
    draft = Draft.objects.get(lead=lead)
    assert draft.status == Draft.Status.SENT
    sent = Message.objects.get(pk=draft.sent_message_id)
    assert sent.body == draft.body
    assert sent.to_address == lead.phone


def test_auto_send_is_never_allowed_for_a_rate_question(lead, organisation, borrower_says):
    AssistantSettings.objects.create(organisation=organisation, approval_modes={"rate_question": "auto"})
    borrower_says("what are rates today?")
    assert Draft.objects.get(lead=lead).status == Draft.Status.WAITING


def test_an_opt_out_is_honoured_and_gets_no_draft(lead, borrower_says):
    borrower_says("STOP")
    lead.refresh_from_db()
    assert lead.consent_sms is False
    assert reading_of(lead).opt_out is True
    assert not Draft.objects.filter(lead=lead).exists()


def test_correcting_an_intent_keeps_a_labelled_example(lead, owner, client, borrower_says):
    borrower_says("hmm maybe")
    reading = reading_of(lead)
    client.force_login(owner)
    response = client.post(f"/replies/readings/{reading.pk}/correct/", {"intent": "not_now"})
    assert response.status_code == 302
    reading.refresh_from_db()
    assert reading.final_intent == "not_now"
    example = LabelledExample.objects.get(reading=reading)
    assert (example.text, example.intent) == ("hmm maybe", "not_now")


def test_approving_a_draft_sends_the_edited_words(lead, owner, client, borrower_says):
    borrower_says("call me tomorrow after 5")
    draft = Draft.objects.get(lead=lead)
    client.force_login(owner)
    response = client.post(f"/replies/drafts/{draft.pk}/send/", {"body": "Hi Ana, Olivia here. I'll call you "
                                                                        "tomorrow at 5:00 PM."})  # fmt: skip
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SENT and draft.edited
    assert (
        Message.objects.get(pk=draft.sent_message_id).body
        == "Hi Ana, Olivia here. I'll call you tomorrow at 5:00 PM."
    )


def test_an_edit_that_promises_approval_is_blocked(lead, owner, client, borrower_says):
    borrower_says("call me tomorrow after 5")
    draft = Draft.objects.get(lead=lead)
    client.force_login(owner)
    client.post(f"/replies/drafts/{draft.pk}/send/", {"body": "Good news Ana, you're approved at 5.5%!"})
    draft.refresh_from_db()
    assert draft.status == Draft.Status.BLOCKED
    assert draft.sent_message_id is None
    failed = {check["name"] for check in draft.guardrails if not check["passed"]}
    assert {"no_promises", "no_invented_figures"} <= failed


def test_a_partner_and_an_outsider_cannot_see_or_send_drafts(lead, partner, outsider, client, borrower_says):
    borrower_says("call me tomorrow after 5")
    draft = Draft.objects.get(lead=lead)
    lead.referral_partner = partner
    lead.save(update_fields=["referral_partner"])
    client.force_login(outsider)
    assert client.post(f"/replies/drafts/{draft.pk}/send/", {"body": "hi"}).status_code == 404
    assert client.post(f"/replies/drafts/{draft.pk}/discard/").status_code == 404
    # A partner has no workspace: posts are refused, the page sends them to the partner portal.
    for ask in (
        lambda: client.post(f"/replies/drafts/{draft.pk}/send/", {"body": "hi"}).status_code == 403,
        lambda: client.post(f"/replies/drafts/{draft.pk}/discard/").status_code == 403,
        lambda: client.get("/replies/")["Location"] == "/portal/partner/",
    ):
        client.force_login(partner)  # a partner's Django session ends on its first request
        assert ask()
    client.force_login(outsider)  # a loan officer elsewhere: their own (empty) list, nothing of this lead
    page = client.get("/replies/")
    assert page.status_code == 200 and draft.body.encode() not in page.content
    draft.refresh_from_db()
    assert draft.status == Draft.Status.WAITING


def test_the_lead_page_and_my_day_show_replies_waiting(lead, owner, client, borrower_says):
    borrower_says("can we set up a meeting this week?")
    draft = Draft.objects.get(lead=lead)
    assert "/book/" in draft.body  # the officer's booking link
    client.force_login(owner)
    panel = client.get(f"/replies/lead/{lead.pk}/")
    assert panel.status_code == 200 and draft.body.encode() in panel.content
    assert b"assistant_lead_panel" not in client.get(f"/leads/{lead.pk}/").content
    assert f"/replies/lead/{lead.pk}/".encode() in client.get(f"/leads/{lead.pk}/").content
    badge = client.get("/replies/waiting/")
    assert b"1 reply to answer" in badge.content
