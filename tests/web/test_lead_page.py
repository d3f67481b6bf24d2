"""The lead page: what each role sees, logging calls, notes with @mentions, writing to the borrower, editing
details, the timeline and its paging, and a bounded number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from firstcall.accounts.models import Notification, User
from firstcall.cadences.models import MessageTemplate
from firstcall.leads.models import Consent, Lead, LeadScore, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.services import deliver, on_inbound_reply
from firstcall.pipeline.models import Note
from firstcall.pipeline.notes import mentioned_usernames
from firstcall.routing.models import LeadOffer, RoutingDecisionLog
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

# Mid-morning in Florida: texts are inside calling hours, so the messaging gate sends them at once.
FLORIDA_MORNING = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def page_of(client, lead, **params):
    return client.get(reverse("lead_detail", args=[lead.pk]), params)


def text_of(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------------------------- who sees what


@time_machine.travel(FLORIDA_MORNING, tick=False)  # inside the calling window: the number is a call link
def test_owner_sees_contact_consent_proof_scenario_score_reasons_and_routing_reason(
    make_lead, owner, teammate, signed_in
):
    lead = make_lead(owner, annual_income="98000")
    LeadScore.objects.create(
        lead=lead,
        points=74,
        tier="warm",
        trigger="capture",
        reasons=[{"factor": "credit", "points": 17, "detail": "credit 721 (good)"}],
    )
    RoutingDecisionLog.objects.create(
        organisation=lead.organisation,
        lead=lead,
        rule_name="Florida FHA",
        strategy="round_robin",
        chosen_user=owner,
        reason="round robin: next eligible is Olivia",
        candidates=[
            {"user_id": owner.pk, "eligible": True, "reasons": ["licensed in FL"]},
            {"user_id": teammate.pk, "eligible": False, "reasons": ["not licensed in GA"]},
        ],
    )

    content = text_of(page_of(signed_in(owner), lead))

    for expected in [
        "Ana Lopez",
        'href="tel:+18135550199"',
        "(813) 555-0199",
        "203.0.113.7",
        "https://cert.trustedform.com/0123456789abcdef0123456789abcdef01234567",
        "12345678-1234-1234-1234-123456789012",
        "I agree that Acme Home Loans may text and call me.",
        "$350,000 with $12,250 down",
        "721–740",
        "$98,000 a year",
        "+17</span> Credit: credit 721 (good)",
        "Florida FHA",
        "round robin: next eligible is Olivia",
        "Theo: excluded (not licensed in GA)",
        "Log a call",
        "Write to Ana",
    ]:
        assert expected in content, expected


def test_loan_officer_gets_404_for_another_officers_lead_and_sees_nothing_of_it(
    make_lead, owner, teammate, signed_in
):
    lead = make_lead(owner)

    response = page_of(signed_in(teammate), lead)

    assert response.status_code == 404
    assert "Lopez" not in text_of(response)


def test_lead_of_another_organisation_is_not_found(make_lead, owner, outsider, signed_in):
    lead = make_lead(owner)

    assert page_of(signed_in(outsider), lead).status_code == 404


def test_referral_partner_is_sent_to_the_portal_and_sees_nothing_of_the_lead_page(
    organisation, make_lead, owner, signed_in
):
    partner = make_user(organisation, "rita", role=User.Role.PARTNER)
    lead = make_lead(owner, referral_partner=partner, annual_income="98000")
    Note.objects.create(lead=lead, author=owner, body="Borrower mentioned a bankruptcy in 2019")
    record_event(lead, TimelineEvent.Kind.NOTE, "Note: Borrower mentioned a bankruptcy in 2019", actor=owner)
    Message.objects.create(
        organisation=organisation,
        lead=lead,
        channel="sms",
        purpose="reply",
        direction="inbound",
        body="My ssn ends 4321",
        idempotency_key="in-1",
    )

    response = page_of(signed_in(partner), lead)

    content = text_of(response)
    # A partner has no staff workspace: the lead page sends them to the partner portal, which shows milestones
    # only of borrowers who share with them (tests/portals/test_partner_portal.py).
    assert response.status_code == 302 and response.url == "/portal/partner/"
    for secret in [
        "Ana Lopez",
        "New",
        "Lost",
        "721",
        "98,000",
        "350,000",
        "bankruptcy",
        "4321",
        "ana.lopez@example.com",
        "555-0199",
        "203.0.113.7",
        "Log a call",
    ]:
        assert secret not in content, secret


def test_referral_partner_cannot_post_a_note_or_read_the_timeline(organisation, make_lead, owner, signed_in):
    partner = make_user(organisation, "rita", role=User.Role.PARTNER)
    lead = make_lead(owner, referral_partner=partner)
    client = signed_in(partner)

    posted = client.post(reverse("lead_add_note", args=[lead.pk]), {"body": "hello"})
    client = signed_in(partner)  # a partner's Django session ends on its first request
    timeline = client.get(reverse("lead_timeline", args=[lead.pk]), headers={"HX-Request": "true"})

    assert posted.status_code == 403 and timeline.status_code == 403
    assert not Note.objects.exists()


def test_processor_sees_the_files_assigned_to_them_only(organisation, make_lead, owner, signed_in):
    processor = make_user(organisation, "pat", role=User.Role.PROCESSOR)
    theirs = make_lead(owner, processor=processor)
    other = make_lead(owner, first_name="Bruno", last_name="Carvalho", phone="+18135550111")
    client = signed_in(processor)

    assert page_of(client, theirs).status_code == 200
    assert page_of(client, other).status_code == 404


def test_loan_officer_with_an_open_offer_sees_enough_to_claim_and_no_contact_details(
    make_lead, teammate, signed_in
):
    lead = make_lead(None)
    LeadOffer.objects.create(lead=lead, user=teammate, kind=LeadOffer.Kind.CLAIM)

    response = page_of(signed_in(teammate), lead)

    content = text_of(response)
    assert response.status_code == 200
    assert "New lead for you: Ana (FL)" in content
    assert f'action="{reverse("lead_claim", args=[lead.pk])}"' in content
    for hidden in ["Lopez", "555-0199", "ana.lopez@example.com"]:
        assert hidden not in content
    # The credit score, as a number of its own (the lead's id may well contain the same digits).
    assert not re.search(r"(?<![\d/])721(?![\d/])", content)


def test_manager_sees_reassign_and_loan_officer_does_not(make_lead, owner, manager, signed_in):
    lead = make_lead(owner)

    assert "Reassign to" in text_of(page_of(signed_in(manager), lead))
    assert "Reassign to" not in text_of(page_of(signed_in(owner), lead))


# ---------------------------------------------------------------------------------------------- calls


def _pending_sla_lead(make_lead, owner, *, minutes_left=5):
    now = datetime.now(UTC)
    return make_lead(owner, respond_by=now + timedelta(minutes=minutes_left), sla_status="pending")


def test_connected_call_stops_the_sla_clock_and_goes_on_the_timeline(make_lead, owner, signed_in):
    lead = _pending_sla_lead(make_lead, owner)
    client = signed_in(owner)
    assert "data-countdown-to" in text_of(page_of(client, lead))

    response = client.post(
        reverse("lead_log_call", args=[lead.pk]), {"outcome": "connected", "notes": "Pre-approval next week"}
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.first_human_contact_at is not None and lead.sla_status == "met"
    call = TimelineEvent.objects.get(lead=lead, kind=TimelineEvent.Kind.CALL)
    assert call.actor == owner and call.summary == "Call: connected (Pre-approval next week)"
    assert call.data["outcome"] == "connected"
    assert TimelineEvent.objects.filter(
        lead=lead,
        kind=TimelineEvent.Kind.SLA,
        summary="First human contact (call: talked to the borrower); SLA met",
    ).exists()
    content = text_of(page_of(client, lead))
    assert "SLA met" in content and "data-countdown-to" not in content
    assert "Pre-approval next week" in content


def test_voicemail_is_logged_but_the_sla_clock_keeps_running(make_lead, owner, signed_in):
    lead = _pending_sla_lead(make_lead, owner)

    signed_in(owner).post(reverse("lead_log_call", args=[lead.pk]), {"outcome": "voicemail"})

    lead.refresh_from_db()
    assert lead.first_human_contact_at is None and lead.sla_status == "pending"
    assert TimelineEvent.objects.get(lead=lead, kind="call").summary == "Call: left a voicemail"


def test_connected_call_after_the_deadline_records_the_sla_as_breached(make_lead, owner, signed_in):
    lead = _pending_sla_lead(make_lead, owner, minutes_left=-3)

    signed_in(owner).post(reverse("lead_log_call", args=[lead.pk]), {"outcome": "connected"})

    lead.refresh_from_db()
    assert lead.sla_status == "breached" and lead.first_human_contact_at is not None


def test_call_with_an_unknown_outcome_is_refused_and_changes_nothing(make_lead, owner, signed_in):
    lead = _pending_sla_lead(make_lead, owner)
    events = TimelineEvent.objects.count()

    response = signed_in(owner).post(reverse("lead_log_call", args=[lead.pk]), {"outcome": "maybe"})

    assert response.status_code == 422
    lead.refresh_from_db()
    assert lead.first_human_contact_at is None and TimelineEvent.objects.count() == events


def test_loan_officer_cannot_log_a_call_on_another_officers_lead(make_lead, owner, teammate, signed_in):
    lead = _pending_sla_lead(make_lead, owner)

    response = signed_in(teammate).post(reverse("lead_log_call", args=[lead.pk]), {"outcome": "connected"})

    assert response.status_code == 404
    lead.refresh_from_db()
    assert lead.first_human_contact_at is None and not TimelineEvent.objects.filter(kind="call").exists()


# ---------------------------------------------------------------------------------------------- notes


def test_mentioned_usernames_are_found_once_each_without_trailing_punctuation():
    assert mentioned_usernames("Thanks @theo. Ask @Maria and @theo, cc ana@example.com, @x-ray!") == [
        "theo",
        "Maria",
        "x-ray",
    ]


def test_note_mentioning_a_teammate_who_can_see_the_lead_notifies_them(
    make_lead, owner, teammate, manager, signed_in
):
    lead = make_lead(owner)
    lead.shared_with.add(teammate)

    response = signed_in(owner).post(
        reverse("lead_add_note", args=[lead.pk]), {"body": "@theo can you call her? @maria FYI. @olivia"}
    )

    assert response.status_code == 302
    note = Note.objects.get()
    assert set(note.mentions.all()) == {teammate, manager, owner}
    assert sorted(Notification.objects.filter(kind="mention").values_list("user__username", flat=True)) == [
        "maria",
        "theo",
    ]
    alert = Notification.objects.get(user=teammate)
    assert alert.title == "Olivia mentioned you on Ana Lopez" and alert.lead == lead
    event = TimelineEvent.objects.get(lead=lead, kind=TimelineEvent.Kind.NOTE)
    assert event.data["note_id"] == note.pk and event.actor == owner


def test_a_mention_shares_the_lead_with_a_teammate_and_says_why_others_cannot_be_reached_before_saving(
    organisation, make_lead, owner, teammate, outsider, signed_in
):
    make_user(organisation, "rita", role=User.Role.PARTNER)
    lead = make_lead(owner)
    client = signed_in(owner)
    url = reverse("lead_add_note", args=[lead.pk])

    # Before saving: what each mention will do, as the note is typed.
    plans = client.post(reverse("lead_note_mentions", args=[lead.pk]), {"body": "@theo @rita @oscar @nobody"})
    plans = plans.content.decode()
    assert "@theo will be alerted, and the lead will be shared with them" in plans
    assert "@rita will not be alerted:</strong> referral partners do not see notes" in plans
    assert "@oscar will not be alerted:</strong> nobody in your organisation has this username" in plans

    refused = client.post(url, {"body": "@theo @rita @oscar @nobody look"})
    assert refused.status_code == 422 and not Note.objects.exists()
    assert "Not sent to @rita: referral partners do not see notes" in refused.content.decode()

    client.post(url, {"body": "@theo @rita @oscar @nobody look", "save_anyway": "1"})
    assert list(Note.objects.get().mentions.all()) == [teammate]
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["theo"]
    assert teammate in lead.shared_with.all()


def test_note_text_is_escaped_and_mentions_are_marked_on_the_timeline(make_lead, owner, teammate, signed_in):
    lead = make_lead(owner)
    lead.shared_with.add(teammate)
    client = signed_in(owner)

    client.post(reverse("lead_add_note", args=[lead.pk]), {"body": "<script>alert(1)</script> over to @theo"})

    content = text_of(page_of(client, lead))
    assert "<script>alert(1)</script>" not in content
    assert '&lt;script&gt;alert(1)&lt;/script&gt; over to <span class="mention">@theo</span>' in content


def test_empty_note_is_refused(make_lead, owner, signed_in):
    lead = make_lead(owner)

    response = signed_in(owner).post(reverse("lead_add_note", args=[lead.pk]), {"body": "   "})

    assert response.status_code == 422 and not Note.objects.exists()


# ----------------------------------------------------------------------------------- writing to the borrower


@time_machine.travel(FLORIDA_MORNING, tick=False)
def test_text_written_on_the_page_is_queued_as_a_manual_message_and_stops_the_clock_when_sent(
    make_lead, owner, signed_in, django_capture_on_commit_callbacks
):
    lead = make_lead(owner, respond_by=FLORIDA_MORNING + timedelta(minutes=5), sla_status="pending")
    client = signed_in(owner)

    response = client.post(
        reverse("lead_compose", args=[lead.pk]),
        {
            "channel": "sms",
            "body": "Hi Ana, it's Olivia. Free for a call at 11?",
            "send_key": "key-0123456789",
        },
    )
    again = client.post(
        reverse("lead_compose", args=[lead.pk]),
        {
            "channel": "sms",
            "body": "Hi Ana, it's Olivia. Free for a call at 11?",
            "send_key": "key-0123456789",
        },
    )

    assert response.status_code == 302 and again.status_code == 302
    message = Message.objects.get()
    assert (message.purpose, message.channel, message.sent_by, message.to_address, message.is_marketing) == (
        "manual",
        "sms",
        owner,
        "+18135550199",
        False,
    )
    assert "Waiting to send" in text_of(page_of(client, lead))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(message.pk) == "sent"
    lead.refresh_from_db()
    assert lead.first_human_contact_at == FLORIDA_MORNING and lead.sla_status == "met"
    content = text_of(page_of(client, lead, show="conversation"))
    assert "Hi Ana, it&#x27;s Olivia. Free for a call at 11?" in content and "bubble-out" in content


def test_email_needs_a_subject_and_keeps_what_was_typed(make_lead, owner, signed_in):
    lead = make_lead(owner)

    response = signed_in(owner).post(
        reverse("lead_compose", args=[lead.pk]),
        {"channel": "email", "body": "Your pre-approval letter is attached."},
    )

    assert response.status_code == 422
    assert "An email needs a subject." in text_of(response)
    assert "Your pre-approval letter is attached." in text_of(response)
    assert not Message.objects.exists()


def test_opted_out_number_disables_texting_with_the_reason_and_a_forced_post_sends_nothing(
    organisation, make_lead, owner, signed_in
):
    lead = make_lead(owner)
    Suppression.objects.create(
        organisation=organisation,
        channel="sms",
        address=lead.phone,
        reason=Suppression.Reason.STOP_KEYWORD,
        note="STOP reply",
    )
    client = signed_in(owner)

    content = text_of(page_of(client, lead))
    response = client.post(
        reverse("lead_compose", args=[lead.pk]), {"channel": "sms", "body": "Still there?"}
    )

    assert "Texts blocked:</strong> On the do-not-contact list: replied stop (STOP reply)." in content
    assert '<option value="sms" disabled>' in content or "disabled>Text message" in content
    assert response.status_code == 422
    assert "On the do-not-contact list" in text_of(response)
    assert not Message.objects.exists()


def test_revoked_email_consent_disables_email_with_when_and_how(make_lead, owner, signed_in):
    lead = make_lead(owner, consents=("sms", "calls"))
    Consent.objects.create(
        lead=lead,
        channel="email",
        is_granted=False,
        how="email unsubscribe link",
        recorded_at=datetime(2026, 2, 1, tzinfo=UTC),
    )

    content = text_of(page_of(signed_in(owner), lead))

    assert (
        "Email blocked:</strong> Consent to email was revoked on 2026-02-01 (email unsubscribe link)."
        in content
    )


def test_template_fills_the_compose_box_for_this_borrower(organisation, make_lead, owner, signed_in):
    lead = make_lead(owner)
    template = MessageTemplate.objects.create(
        organisation=organisation,
        name="Check in",
        channel="sms",
        body="Hi {{ borrower.first_name }}, {{ officer.first_name }} here about "
        "{{ scenario.loan_type_phrase }}.",
    )

    response = signed_in(owner).get(
        reverse("lead_compose_template", args=[lead.pk]),
        {"template": template.pk},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Hi Ana, Olivia here about an FHA loan. Reply STOP to opt out.</textarea>" in text_of(response)


# ------------------------------------------------------------------------------------------------ editing


def test_editing_the_scenario_logs_each_field_old_and_new_and_rescores(make_lead, owner, signed_in):
    lead = make_lead(owner, score=40, score_tier="cool")
    client = signed_in(owner)
    form = client.get(reverse("lead_edit", args=[lead.pk])).context["form"]
    data = {
        name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields
    }
    data.update(purchase_price="420000", timeframe="asap", annual_income="120000", reason="Called borrower")

    response = client.post(reverse("lead_edit", args=[lead.pk]), data)

    assert response.status_code == 302
    lead.refresh_from_db()
    assert str(lead.purchase_price) == "420000.00" and lead.timeframe == "asap"
    event = TimelineEvent.objects.get(lead=lead, kind=TimelineEvent.Kind.FIELD_CHANGED)
    assert event.actor == owner and event.data["reason"] == "Called borrower"
    assert event.data["changes"] == {
        "purchase_price": ["350000.00", "420000"],
        "timeframe": ["unknown", "asap"],
        "annual_income": [None, "(changed)"],
    }
    assert lead.scores.exists() and lead.score != 40


def test_changing_the_mobile_number_ends_text_and_call_consent_and_keeps_the_old_number(
    make_lead, owner, signed_in
):
    lead = make_lead(owner)
    client = signed_in(owner)
    form = client.get(reverse("lead_edit", args=[lead.pk])).context["form"]
    data = {
        name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields
    }
    data["phone"] = "(727) 555-0142"

    client.post(reverse("lead_edit", args=[lead.pk]), data)

    lead.refresh_from_db()
    assert lead.phone == "+17275550142" and lead.other_phones == ["+18135550199"]
    assert (lead.consent_sms, lead.consent_calls, lead.consent_email) == (False, False, True)
    assert lead.consents.filter(is_granted=False).count() == 2


def test_invalid_zip_is_refused_and_nothing_changes(make_lead, owner, signed_in):
    lead = make_lead(owner)
    client = signed_in(owner)
    form = client.get(reverse("lead_edit", args=[lead.pk])).context["form"]
    data = {
        name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields
    }
    data["zip_code"] = "00000"

    response = client.post(reverse("lead_edit", args=[lead.pk]), data)

    assert response.status_code == 422
    lead.refresh_from_db()
    assert lead.zip_code == "33602"
    assert not TimelineEvent.objects.filter(kind=TimelineEvent.Kind.FIELD_CHANGED).exists()


# --------------------------------------------------------------------------------------------- timeline


def _fill_timeline(lead, owner, count: int) -> None:
    """A realistic mix: notes, calls, texts in and out, field changes."""
    organisation = lead.organisation
    for index in range(count):
        kind = index % 4
        if kind == 0:
            note = Note.objects.create(lead=lead, author=owner, body=f"Note number {index}")
            record_event(
                lead, TimelineEvent.Kind.NOTE, f"Note: {index}", actor=owner, data={"note_id": note.pk}
            )
        elif kind == 1:
            record_event(
                lead,
                TimelineEvent.Kind.CALL,
                f"Call: no answer {index}",
                actor=owner,
                data={"outcome": "no_answer", "notes": ""},
            )
        elif kind == 2:
            message = Message.objects.create(
                organisation=organisation,
                lead=lead,
                channel="sms",
                direction="inbound",
                purpose="reply",
                body=f"Reply {index}",
                status="received",
                idempotency_key=f"in-{lead.pk}-{index}",
            )
            on_inbound_reply(lead, message)
        else:
            record_event(
                lead,
                TimelineEvent.Kind.FIELD_CHANGED,
                "Changed timeframe",
                actor=owner,
                data={"changes": {"timeframe": ["unknown", "asap"]}},
            )


def test_timeline_shows_newest_first_and_loads_older_events_page_by_page(make_lead, owner, signed_in):
    lead = make_lead(owner)
    _fill_timeline(lead, owner, 30)
    client = signed_in(owner)

    first = page_of(client, lead).context["page"]
    older = client.get(
        reverse("lead_timeline", args=[lead.pk]),
        {"before": first.next_cursor},
        headers={"HX-Request": "true"},
    )

    assert len(first.entries) == 25 and first.next_cursor
    assert (
        first.entries[0].event.summary == "Call: no answer 29"
        and first.entries[1].note.body == "Note number 28"
    )
    second = older.context["page"]
    # A reply may add events of its own (the cadences stop, the owner is told), so count what is there.
    everything = list(TimelineEvent.objects.filter(lead=lead).values_list("pk", flat=True))
    assert len(everything) >= 30
    assert len(second.entries) == len(everything) - 25 and second.next_cursor == ""
    seen = [entry.event.pk for entry in first.entries + second.entries]
    assert seen == everything and len(set(seen)) == len(everything)
    assert "Show older" not in text_of(older)


def test_conversation_filter_shows_only_messages(make_lead, owner, signed_in):
    lead = make_lead(owner)
    _fill_timeline(lead, owner, 12)

    page = page_of(signed_in(owner), lead, show="conversation").context["page"]

    assert [entry.message.body for entry in page.entries] == ["Reply 10", "Reply 6", "Reply 2"]


def test_timeline_ignores_a_message_id_belonging_to_another_lead(make_lead, owner, signed_in, organisation):
    lead = make_lead(owner)
    other = make_lead(owner, first_name="Bruno", phone="+18135550111")
    secret = Message.objects.create(
        organisation=organisation,
        lead=other,
        channel="sms",
        direction="inbound",
        purpose="reply",
        body="Bruno's secret",
        idempotency_key="secret",
    )
    record_event(
        lead,
        TimelineEvent.Kind.MESSAGE,
        "Text received",
        data={"message_id": secret.pk, "direction": "inbound"},
    )

    assert "Bruno&#x27;s secret" not in text_of(page_of(signed_in(owner), lead))


def test_lead_page_runs_the_same_number_of_queries_for_5_or_50_timeline_events(make_lead, owner, signed_in):
    client = signed_in(owner)
    counts = []
    for size in (5, 50):
        lead = make_lead(owner, phone=f"+1813555{size:04d}")
        _fill_timeline(lead, owner, size)
        page_of(client, lead)  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            response = page_of(client, lead)
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1], counts
    assert counts[1] <= 22, counts


def test_lead_detail_url_name_points_at_the_new_lead_page():
    from django.urls import resolve

    from firstcall.web.lead_views import lead_page

    assert resolve(reverse("lead_detail", args=[1])).func is lead_page
    assert Lead  # the model module imports cleanly alongside the page
