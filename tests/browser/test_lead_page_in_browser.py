"""The lead page in a real browser against the real server: logging a connected call stops the response clock,
a loan officer cannot open another officer's lead, and the page at phone and desktop sizes. Screenshots go to
test-output/screenshots/."""

from datetime import UTC, datetime, timedelta

import pytest
from browser_helpers import screenshot
from django.test import Client
from django.urls import resolve

from firstcall.accounts.models import User
from firstcall.leads.models import Consent, Lead, LeadScore, Pipeline, TimelineEvent
from firstcall.leads.stages import first_stage
from firstcall.leads.timeline import record_event
from firstcall.pipeline.models import Note
from firstcall.web.lead_views import lead_page

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        resolve("/leads/1/").func is not lead_page,
        reason="firstcall/urls.py does not include firstcall.web.lead_urls (before firstcall.web.urls) yet",
    ),
]


def _person(organisation, username, role=User.Role.LOAN_OFFICER) -> User:
    return User.objects.create_user(
        username=username,
        password="correct horse battery staple",
        organisation=organisation,
        role=role,
        first_name=username.title(),
        email=f"{username}@acme.test",
        time_zone="America/New_York",
    )


def _lead(organisation, owner, first_name, last_name, **fields) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation,
        pipeline=pipeline,
        stage=first_stage(pipeline),
        owner=owner,
        first_name=first_name,
        last_name=last_name,
        phone="+18135550190",
        email="ana.lopez@example.com",
        zip_code="33602",
        county="Hillsborough",
        state="FL",
        time_zone="America/New_York",
        purpose="purchase",
        loan_type="fha",
        purchase_price="350000",
        down_payment="12250",
        credit_score_low=721,
        credit_score_high=740,
        consent_sms=True,
        consent_email=True,
        consent_calls=True,
        score=74,
        score_tier="warm",
        **fields,
    )
    for channel in ("sms", "email", "calls"):
        Consent.objects.create(
            lead=lead,
            channel=channel,
            is_granted=True,
            ip_address="203.0.113.7",
            disclosure_text="I agree that Acme Home Loans may text and call me. Reply STOP.",
            trusted_form_url="https://cert.trustedform.com/0123456789abcdef0123456789abcdef01",
            how="web form",
        )
    LeadScore.objects.create(
        lead=lead,
        points=74,
        tier="warm",
        trigger="capture",
        reasons=[
            {"factor": "credit", "points": 17, "detail": "credit 721 (good)"},
            {"factor": "timeframe", "points": 17, "detail": "buying within 30 days"},
        ],
    )
    record_event(lead, TimelineEvent.Kind.CREATED, "Lead created from Website form")
    note = Note.objects.create(lead=lead, author=owner, body="Prefers texts after 5 pm. Pre-approval next.")
    record_event(lead, TimelineEvent.Kind.NOTE, "Note", actor=owner, data={"note_id": note.pk})
    return lead


def _sign_in(page, server_url, user) -> None:
    """A session made on the server's own database, handed to the browser as its cookie."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server_url}]
    )


def test_logging_a_connected_call_stops_the_sla_clock(page, server_url, organisation):
    olivia = _person(organisation, "olivia")
    lead = _lead(
        organisation,
        olivia,
        "Ana",
        "Lopez",
        respond_by=datetime.now(UTC) + timedelta(minutes=4),
        sla_status="pending",
    )
    _sign_in(page, server_url, olivia)

    page.goto(f"/leads/{lead.pk}/")
    countdown = page.locator(".sla-countdown")
    assert countdown.is_visible()
    page.wait_for_function("document.querySelector('.sla-countdown').textContent.includes(':')")
    assert countdown.inner_text().endswith(" left")
    screenshot(page, "lead-page-sla-running-desktop")
    page.get_by_label("Connected: talked to the borrower").check()
    page.get_by_label("Notes (optional)").fill("Talked about FHA; sending pre-approval checklist")
    page.get_by_role("button", name="Log call").click()

    page.wait_for_url(f"{server_url}/leads/{lead.pk}/")
    assert page.locator("#sla").get_by_text("SLA met").is_visible()
    assert page.locator(".sla-countdown").count() == 0
    assert page.get_by_text("Call: connected (Talked about FHA; sending pre-approval checklist)").is_visible()
    lead.refresh_from_db()
    assert lead.sla_status == "met" and lead.first_human_contact_at is not None
    screenshot(page, "lead-page-sla-met-desktop")


def test_a_loan_officer_opening_another_officers_lead_gets_not_found(page, server_url, organisation):
    olivia = _person(organisation, "olivia")
    theo = _person(organisation, "theo")
    theos_lead = _lead(organisation, theo, "Bruno", "Carvalho")
    _sign_in(page, server_url, olivia)

    response = page.goto(f"/leads/{theos_lead.pk}/")

    assert response.status == 404
    assert "Carvalho" not in page.content() and "555-0190" not in page.content()
    screenshot(page, "lead-page-another-officers-lead-404")


def test_the_lead_page_fits_a_phone_and_a_desktop(phone_page, page, server_url, organisation):
    olivia = _person(organisation, "olivia")
    lead = _lead(
        organisation,
        olivia,
        "Ana",
        "Lopez",
        respond_by=datetime.now(UTC) + timedelta(minutes=3),
        sla_status="pending",
    )

    for browser_page, name, width in (
        (phone_page, "lead-page-phone", 375),
        (page, "lead-page-desktop", 1280),
    ):
        _sign_in(browser_page, server_url, olivia)
        browser_page.goto(f"/leads/{lead.pk}/")
        assert browser_page.get_by_role("heading", name="Ana Lopez").is_visible()
        assert browser_page.get_by_role("link", name="Call (813) 555-0190").is_visible()
        # Nothing may make the page scroll sideways.
        wide = browser_page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 1).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"
        )
        assert browser_page.evaluate("document.documentElement.scrollWidth") <= width, wide
        browser_page.wait_for_load_state("networkidle")
        screenshot(browser_page, name)
