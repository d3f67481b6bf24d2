"""Milestone alerts to referral partners: a partner who opted in on their portal gets one short note (text
and/or email, through the outbox and its gate) when a borrower they referred, who shares with them, reaches a
milestone; only the milestone words and the borrower's first name and last initial; never a Lost stage or its
reason, credit or income; nothing without sharing or without opting in; never twice for one milestone. The
stage move's event goes through the real worker, the text to the SMS stand-in and the email to a real SMTP
server."""

# ruff: noqa: F811
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from firstcall.accounts.models import AuditEvent
from firstcall.leads.models import Stage
from firstcall.messaging.models import Message
from firstcall.pipeline.services import move_stage
from firstcall.portals import partners
from firstcall.portals.models import PartnerMilestoneNotice

# The partners (rita, paul), the referred borrower with secrets and the sign-in helpers are the portal tests' own.
from tests.portals.test_partner_portal import SECRETS, partner_client, paul, referred, rita, share  # noqa: F401

pytestmark = pytest.mark.django_db

WEDNESDAY_NOON = datetime(2026, 12, 9, 17, 0, tzinfo=UTC)  # noon in Tampa: inside every sending window


@pytest.fixture(autouse=True)
def _daytime():
    with time_machine.travel(WEDNESDAY_NOON, tick=False):
        yield


@pytest.fixture
def work(run_worker, django_capture_on_commit_callbacks):
    """Run the worker until nothing new is queued: the event's dispatch, then the messages' delivery."""

    def run():
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                run_worker()
            if not callbacks:
                return

    return run


def move(lead, stage_name, owner, work, django_capture_on_commit_callbacks, **fields):
    stage = Stage.objects.get(pipeline=lead.pipeline, name=stage_name)
    with django_capture_on_commit_callbacks(execute=True):
        move_stage(lead, stage, actor=owner, **fields)
    work()
    lead.refresh_from_db()


def alerts(partner):
    return list(Message.objects.filter(recipient_user=partner, purpose=Message.Purpose.ALERT).order_by("pk"))


def test_partner_opts_in_on_the_portal_and_hears_each_milestone_once_by_text_and_email(
    organisation, owner, rita, twilio_settings, standin, smtp_server, work, django_capture_on_commit_callbacks
):
    client = partner_client(rita)
    page = client.get("/portal/partner/alerts/").content.decode()
    assert "By text to +18135550160" in page and "By email to rita@realty.example" in page
    response = client.post("/portal/partner/alerts/", {"by_text": "yes", "by_email": "yes"})
    assert response.status_code == 302
    preference = partners.alert_preference(rita)
    assert preference.by_text and preference.by_email
    assert AuditEvent.objects.filter(action="partner.alerts_changed", actor=rita).exists()

    lead = referred(organisation, rita, owner, stage_name="Qualified")
    share(lead, rita)
    move(lead, "Pre-approved", owner, work, django_capture_on_commit_callbacks)

    [text] = standin.created_messages()
    assert text.to == "+18135550160"
    assert text.body == "Acme Home Loans: Ana L. reached Pre-approved."
    [email] = smtp_server.messages()
    assert email["To"] == "rita@realty.example" and email["Subject"] == "Ana L.: Pre-approved"
    assert "Ana L. reached Pre-approved." in email.get_body(("plain",)).get_content()
    assert {message.status for message in alerts(rita)} == {Message.Status.SENT}

    # Back and forth: Pre-approved is never announced twice; the next milestone is.
    move(lead, "Qualified", owner, work, django_capture_on_commit_callbacks)
    move(lead, "Pre-approved", owner, work, django_capture_on_commit_callbacks)
    assert len(standin.created_messages()) == 1 and len(smtp_server.messages()) == 1
    move(lead, "Application", owner, work, django_capture_on_commit_callbacks)
    assert [m.body for m in standin.created_messages()][
        -1
    ] == "Acme Home Loans: Ana L. reached Application in."
    assert len(smtp_server.messages()) == 2
    assert sorted(PartnerMilestoneNotice.objects.filter(partner=rita).values_list("milestone", flat=True)) == [
        "application", "pre_approved",
    ]  # fmt: skip


def test_a_lost_file_tells_the_partner_nothing_and_no_secret_is_ever_sent(
    organisation, owner, rita, twilio_settings, standin, smtp_server, work, django_capture_on_commit_callbacks
):
    partners.set_alert_preference(rita, by_text=True, by_email=True)
    lead = referred(organisation, rita, owner, stage_name="Qualified")
    share(lead, rita)
    move(lead, "Pre-approved", owner, work, django_capture_on_commit_callbacks)
    assert len(standin.created_messages()) == 1 and len(smtp_server.messages()) == 1
    # Lost (with its reason) is not a milestone: the partner hears nothing of it.
    move(lead, "Lost", owner, work, django_capture_on_commit_callbacks, lost_reason="Credit too low")
    assert len(standin.created_messages()) == 1 and len(smtp_server.messages()) == 1
    bodies = [m.body for m in standin.created_messages()] + [
        m.get_body(("plain",)).get_content() + str(m["Subject"]) for m in smtp_server.messages()
    ]
    for body in bodies:
        assert "Lost" not in body and "Ana Lopez" not in body
        for secret in SECRETS:
            assert secret not in body, secret


def test_nothing_without_sharing_or_without_opting_in(
    organisation,
    owner,
    rita,
    paul,
    twilio_settings,
    standin,
    smtp_server,
    work,
    django_capture_on_commit_callbacks,
):
    # Rita opted in but the borrower does not share with her; Paul is shared with but never opted in.
    partners.set_alert_preference(rita, by_text=True, by_email=True)
    lead = referred(organisation, rita, owner, stage_name="Qualified")
    partners.record_referral(paul, lead)
    share(lead, paul)
    move(lead, "Pre-approved", owner, work, django_capture_on_commit_callbacks)
    # Sharing given, then withdrawn, before the next milestone.
    share(lead, rita)
    partners.revoke_sharing(lead, rita, how="borrower portal")
    move(lead, "Application", owner, work, django_capture_on_commit_callbacks)
    assert alerts(rita) == [] and alerts(paul) == []
    assert standin.created_messages() == [] and smtp_server.messages() == []
    assert not PartnerMilestoneNotice.objects.exists()


def test_texts_need_a_mobile_number(organisation, paul):
    client = partner_client(paul)
    response = client.post("/portal/partner/alerts/", {"by_text": "yes"})
    assert response.status_code == 400 and "no mobile number" in response.content.decode()
    assert not partners.alert_preference(paul).by_text


def test_a_letter_issued_and_a_contract_recorded_are_announced_at_once(
    organisation, owner, rita, twilio_settings, standin, work, django_capture_on_commit_callbacks
):
    partners.set_alert_preference(rita, by_text=True, by_email=False)
    lead = referred(organisation, rita, owner, stage_name="Qualified")
    share(lead, rita)
    request = partners.LetterRequest(Decimal("400000"), "FHA", date(2027, 1, 30), "")
    with django_capture_on_commit_callbacks(execute=True):
        letter = partners.issue_letter(lead, request, officer=owner)
    work()
    with django_capture_on_commit_callbacks(execute=True):
        partners.set_under_contract(lead, date(2026, 12, 8), actor=owner)
    work()
    # A lower-price copy of the letter is not a new milestone.
    with django_capture_on_commit_callbacks(execute=True):
        partners.letter_at_lower_price(letter, "350000", requested_by=rita, party="partner")
    work()
    assert [m.body for m in standin.created_messages()] == [
        "Acme Home Loans: Ana L. reached Pre-approved.",
        "Acme Home Loans: Ana L. reached Under contract.",
    ]
