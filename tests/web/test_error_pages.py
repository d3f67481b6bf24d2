"""Refusals and missing pages are styled pages with the navigation; a refusal is one line in the log."""

import logging

from django.test import override_settings

from firstcall.accounts.models import User
from tests.conftest import make_user


def test_a_refused_page_is_styled_has_navigation_and_logs_one_line(organisation, signed_in, caplog):
    officer = make_user(organisation, "olivia")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = signed_in(officer).get("/settings/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "You do not have access to this page" in html and 'class="topbar"' in html and "My day" in html
    assert 'name="viewport"' in html
    refusals = [record for record in caplog.records if getattr(record, "status_code", None) == 403]
    assert refusals
    handler = logging.getLogger().handlers[0]
    for record in refusals:
        assert "\n" not in handler.format(record)


def test_a_missing_page_is_styled(organisation, signed_in):
    response = signed_in(make_user(organisation, "olivia", role=User.Role.MANAGER)).get("/leads/999999/")
    assert response.status_code == 404
    assert "Nothing here" in response.content.decode()


@override_settings(DEBUG=False)
def test_the_server_error_page_needs_no_database_or_session():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "Go to My day" in html


def test_a_loan_officer_sees_their_own_speed_to_lead(organisation, signed_in, make_lead):
    olivia = make_user(organisation, "olivia")
    theo = make_user(organisation, "theo")
    make_lead(olivia, first_name="Ana")
    make_lead(theo, first_name="Bea")
    response = signed_in(olivia).get("/reports/speed-to-lead/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your speed to lead" in html
    assert "Theo" not in html


def test_with_the_demo_text_provider_an_evaluator_can_reply_as_the_borrower(
    organisation, signed_in, make_lead, settings
):
    from firstcall.messaging.models import Message

    settings.SMS_PROVIDER = "demo"
    olivia = make_user(organisation, "olivia")
    lead = make_lead(olivia)
    client = signed_in(olivia)
    assert "Demo: reply as the borrower" in client.get(f"/leads/{lead.pk}/").content.decode()
    client.post(f"/leads/{lead.pk}/demo-reply/", {"body": "Can you call me after 5?"})
    reply = Message.objects.get(lead=lead, direction="inbound")
    assert reply.body == "Can you call me after 5?"
    settings.SMS_PROVIDER = "twilio"
    assert client.post(f"/leads/{lead.pk}/demo-reply/", {"body": "again"}).status_code == 404
