"""The referral partner portal: a partner signs in by link, refers a borrower through the one intake door (never
with consent: only the borrower can give it), and sees their referred borrowers' milestones (and letter) only
where the borrower authorised sharing with them; never credit, income, assets, a score or why a file was lost.
Every page answers 404 to anyone else and every POST needs the CSRF token."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from firstcall.accounts.models import AuditEvent, User
from firstcall.flows import partner_portal
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Consent, Lead, Stage
from firstcall.messaging.models import Message
from firstcall.portals import partner as words
from firstcall.portals import partners
from firstcall.portals import services as portals
from firstcall.portals.models import PartnerReferral, SharingAuthorisation, SignInLink
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db

SECRET_INCOME = Decimal("187654")
SECRETS = [
    "187654",
    "187,654",
    "612",
    "619",
    "Credit too low",
    "Internal: watch the DTI",
    "ana.lopez@example.com",
]


@pytest.fixture
def rita(organisation):
    return make_user(organisation, "rita", role=User.Role.PARTNER, email="rita@realty.example",
                     first_name="Rita", last_name="Realtor", phone="+18135550160")  # fmt: skip


@pytest.fixture
def paul(organisation):
    return make_user(
        organisation, "paul", role=User.Role.PARTNER, email="paul@homes.example", first_name="Paul"
    )


def partner_client(partner, **client_options) -> Client:
    client = Client(**client_options)
    recipient = portals.Recipient(SignInLink.Party.PARTNER, "email", partner.email, user=partner)
    token = portals.issue_link(partner.organisation, recipient)
    if client_options.get("enforce_csrf_checks"):
        page = client.get(f"/portal/link/{token}/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        response = client.post(f"/portal/link/{token}/", {"csrfmiddlewaretoken": csrf})
    else:
        response = client.post(f"/portal/link/{token}/")
    assert response.status_code == 302
    return client


def borrower_client(lead) -> Client:
    client = Client()
    recipient = portals.Recipient(SignInLink.Party.BORROWER, "email", lead.email, lead=lead)
    assert client.post(f"/portal/link/{portals.issue_link(lead.organisation, recipient)}/").status_code == 302
    return client


def referred(organisation, partner, owner, **fields) -> Lead:
    """A borrower the partner referred through the portal, with everything a partner must never see."""
    values = dict(
        owner=owner, referral_partner=partner, annual_income=SECRET_INCOME, credit_score_low=612,
        credit_score_high=619, notes="Internal: watch the DTI", score=87, purchase_price=Decimal("400000"),
    )  # fmt: skip
    values.update(fields)
    lead = tampa_borrower(organisation, **values)
    partners.record_referral(partner, lead)
    return lead


def share(lead, partner):
    return partners.grant_sharing(lead, partner, how="borrower portal", ip_address="203.0.113.9")


REFERRAL = {
    "first_name": "Maya",
    "last_name": "Brooks",
    "phone": "(813) 555-0190",
    "email": "maya.brooks@example.com",
    "purpose": "purchase",
    "zip": "33602",
    "notes": "Looking in Seminole Heights",
}


# --- Sign-in and access -----------------------------------------------------------------------------------------


def test_partner_asks_for_a_link_and_lands_on_their_referrals(client, organisation, rita):
    client.post(f"/portal/{organisation.slug}/sign-in/", {"address": "rita@realty.example"})
    message = Message.objects.get(recipient_user=rita, channel="email")
    path = re.search(r"http://testserver(/portal/link/\S+/)", message.body).group(1)
    assert client.post(path).status_code == 302
    page = client.get("/portal/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your referrals" in html and "Refer a borrower" in html
    assert AuditEvent.objects.filter(action=portals.PORTAL_VIEW, detail__page="partner_home").exists()


def test_partner_pages_answer_404_to_everyone_else(organisation, rita, owner):
    lead = referred(organisation, rita, owner)
    share(lead, rita)
    letter = partners.issue_letter(lead, partners.LetterRequest(Decimal("400000"), "FHA", date.today() + timedelta(days=60), ""), officer=owner)  # fmt: skip
    pages = ["/portal/partner/refer/", f"/portal/partner/borrowers/{lead.pk}/letters/{letter.pk}/"]
    staff = Client()
    staff.force_login(owner)
    for visitor in (Client(), borrower_client(lead), staff):
        for page in pages:
            assert visitor.get(page).status_code == 404, page
    # A partner never opens a borrower's pages.
    rita_client = partner_client(rita)
    for page in ["/portal/documents/", "/portal/messages/", "/portal/figures/", "/portal/preferences/",
                 f"/portal/letters/{letter.pk}/"]:  # fmt: skip
        assert rita_client.get(page).status_code == 404, page
    # A partner deactivated after signing in is shut out at once.
    User.objects.filter(pk=rita.pk).update(is_active=False)
    assert rita_client.get("/portal/partner/refer/").status_code == 404


def test_referral_needs_the_csrf_token(organisation, rita):
    client = partner_client(rita, enforce_csrf_checks=True)
    assert client.post("/portal/partner/refer/", REFERRAL).status_code == 403
    assert not Lead.objects.filter(first_name="Maya").exists()


# --- Referral ---------------------------------------------------------------------------------------------------


def test_referral_enters_through_the_one_door_and_the_partners_tick_is_a_note_not_consent(
    organisation, rita, owner
):
    client = partner_client(rita)
    response = client.post(
        "/portal/partner/refer/", {**REFERRAL, "borrower_expects_call": "yes"}, HTTP_USER_AGENT="Phone Safari"
    )
    assert response.status_code == 302 and response.url == "/portal/?referred=1"
    lead = Lead.objects.get(first_name="Maya")
    assert lead.source.name == partner_portal.REFERRAL_SOURCE_NAME and lead.source.cost_per_lead == 0
    assert lead.referral_partner == rita
    assert lead.phone == "+18135550190" and lead.zip_code == "33602" and lead.purpose == "purchase"
    assert lead.score is not None  # scored like every lead: lead_arrives ran
    # A partner's word is not the borrower's prior express written consent (47 CFR 64.1200(f)(9)): no consent,
    # no automated first touch; the tick is kept on the referral and the timeline for the loan officer.
    assert not (lead.consent_sms or lead.consent_email or lead.consent_calls)
    assert not Consent.objects.filter(lead=lead).exists()
    assert not Message.objects.filter(lead=lead, recipient_user__isnull=True, direction="outbound").exists()
    referral = PartnerReferral.objects.get(lead=lead)
    assert referral.partner == rita and referral.borrower_expects_call
    assert lead.timeline.filter(summary__contains="Referred by Rita Realtor").exists()
    assert lead.timeline.filter(summary__contains="the borrower expects a call").exists()
    assert lead.timeline.filter(summary__contains="No first touch sent").exists()
    # The loan officer it was routed to is alerted to make the first contact in person.
    assert lead.owner is not None
    assert Message.objects.filter(recipient_user=lead.owner).exists()
    page = client.get("/portal/?referred=1").content.decode()
    assert "your referral is in" in page and "Maya B." in page


def test_the_referral_form_asks_for_no_consent(organisation, rita):
    html = partner_client(rita).get("/portal/partner/refer/").content.decode()
    assert 'name="borrower_agreed"' not in html and "automated means" not in html
    assert 'name="borrower_expects_call"' in html and "expects a call" in html


def test_referral_without_the_tick_is_captured_and_not_texted(organisation, rita, owner):
    client = partner_client(rita)
    assert client.post("/portal/partner/refer/", REFERRAL).status_code == 302
    lead = Lead.objects.get(first_name="Maya")
    assert not (lead.consent_sms or lead.consent_email or lead.consent_calls)
    assert not Consent.objects.filter(lead=lead).exists()
    assert not Message.objects.filter(lead=lead, recipient_user__isnull=True, direction="outbound").exists()
    assert not PartnerReferral.objects.get(lead=lead).borrower_expects_call


def test_referral_with_missing_details_is_refused_with_a_reason(organisation, rita):
    client = partner_client(rita)
    response = client.post("/portal/partner/refer/", {"first_name": "", "purpose": "purchase"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "first name" in html and "mobile number or email" in html
    assert not PartnerReferral.objects.exists()


# --- Milestones and what a partner never sees ---------------------------------------------------------------------


def test_partner_sees_milestones_only_after_the_borrower_shares(organisation, rita, owner):
    lead = referred(organisation, rita, owner, stage_name="Application")
    client = partner_client(rita)
    html = client.get("/portal/").content.decode()
    assert "Ana L." in html and "has not chosen to share" in html
    assert "Pre-approved" not in html and "Application in" not in html

    # The borrower shares from their own portal: recorded with its proof.
    borrower = borrower_client(lead)
    preferences = borrower.get("/portal/preferences/").content.decode()
    assert "Share my milestones with Rita Realtor" in preferences
    assert borrower.post("/portal/sharing/", {"partner_id": rita.pk, "action": "give"}).status_code == 302
    row = SharingAuthorisation.objects.get(lead=lead, partner=rita)
    assert row.is_granted and row.disclosure_text == partners.sharing_text(lead, rita)
    assert row.ip_address == "127.0.0.1" and row.how == "borrower portal"

    html = client.get("/portal/").content.decode()
    reached = re.findall(r'<li class="reached">✓ ([^<]+?)(?: <small>|</li>)', html)
    assert reached == ["Pre-approved", "Application in"]
    assert "Under contract" in html and "Clear to close" in html and "Funded" in html

    # ...and withdraws it: the partner sees nothing again.
    assert borrower.post("/portal/sharing/", {"partner_id": rita.pk, "action": "withdraw"}).status_code == 302
    html = client.get("/portal/").content.decode()
    assert "has not chosen to share" in html and "Application in" not in html


@pytest.mark.parametrize("shared", [False, True])
def test_partner_page_never_shows_credit_income_score_notes_or_a_lost_reason(
    organisation, rita, owner, shared
):
    lead = referred(organisation, rita, owner)
    lost = Stage.objects.get(pipeline=lead.pipeline, outcome="lost")
    Lead.objects.filter(pk=lead.pk).update(stage=lost, lost_reason="Credit too low")
    if shared:
        share(lead, rita)
    html = partner_client(rita).get("/portal/").content.decode()
    assert "Ana L." in html
    for secret in SECRETS:
        assert secret not in html, secret
    assert "87" not in re.sub(r"<[^>]+>", " ", html).split()  # the score, as a word
    assert "Lost" not in html and "lost" not in html.lower().replace("lost your", "")


def test_the_partner_row_carries_only_allowed_fields(organisation, rita, owner):
    """Per field: what a partner's page is built from is this allow-list and nothing else of the lead."""
    lead = referred(organisation, rita, owner, stage_name="Clear to close")
    share(lead, rita)
    [row] = partner_portal.referral_rows(rita)
    assert set(vars(row)) == {"lead_id", "borrower", "referred_on", "shared", "milestones", "letter_id"}
    assert row.borrower == "Ana L." and row.shared is True
    assert {milestone.key: milestone.reached for milestone in row.milestones} == {
        "pre_approved": True, "application": True, "under_contract": False, "clear_to_close": True,
        "funded": False,
    }  # fmt: skip
    for milestone in row.milestones:
        assert set(vars(milestone)) == {"key", "title", "reached", "on"}


def test_partner_x_never_sees_partner_ys_referrals(organisation, rita, paul, owner):
    lead = referred(organisation, rita, owner)
    share(lead, rita)
    letter = partners.issue_letter(lead, partners.LetterRequest(Decimal("400000"), "FHA", date.today() + timedelta(days=60), ""), officer=owner)  # fmt: skip
    paul_client = partner_client(paul)
    assert "Ana" not in paul_client.get("/portal/").content.decode()
    assert paul_client.get(f"/portal/partner/borrowers/{lead.pk}/letters/{letter.pk}/").status_code == 404
    # Sharing with Paul, who did not refer the borrower, is refused.
    with pytest.raises(partners.PartnerRefused):
        partners.grant_sharing(lead, paul, how="borrower portal")
    assert (
        borrower_client(lead).post("/portal/sharing/", {"partner_id": paul.pk, "action": "give"}).status_code
        == 404
    )


def test_milestones_follow_the_los_letters_and_the_contract():
    stages = [("New", "open"), ("Qualified", "open"), ("Pre-approved", "open"), ("Application", "open"),
              ("Processing", "open"), ("Underwriting", "open"), ("Clear to close", "open"), ("Closed", "won"),
              ("Lost", "lost")]  # fmt: skip
    reached = lambda rows: [row.key for row in rows if row.reached]  # noqa: E731
    assert reached(words.milestones(stages, "New")) == []
    assert reached(words.milestones(stages, "Closed")) == [
        "pre_approved",
        "application",
        "clear_to_close",
        "funded",
    ]
    funded_at = timezone.now()
    rows = words.milestones(stages, "Underwriting", los_milestone="funded", los_milestone_at=funded_at)
    assert reached(rows) == ["pre_approved", "application", "clear_to_close", "funded"]
    assert rows[-1].on == funded_at.date()
    # A lost file keeps only what the LOS, a letter or a contract showed; the lost stage itself reaches nothing.
    assert reached(words.milestones(stages, "Lost")) == []
    assert reached(words.milestones(stages, "Lost", contract_date=date(2026, 5, 1))) == ["under_contract"]
    rows = words.milestones(stages, "Qualified", letter_issued_at=funded_at)
    assert reached(rows) == ["pre_approved"] and rows[0].on == funded_at.date()


def test_los_milestone_reaches_the_partner(organisation, rita, owner):
    lead = referred(organisation, rita, owner, stage_name="Underwriting")
    share(lead, rita)
    LoanApplication.objects.create(
        organisation=organisation, lead=lead, los_milestone="clear_to_close", los_milestone_at=timezone.now()
    )
    [row] = partner_portal.referral_rows(rita)
    assert [m.key for m in row.milestones if m.reached] == ["pre_approved", "application", "clear_to_close"]


def test_a_borrower_attributed_by_another_channel_is_on_the_partners_list(organisation, rita, owner, paul):
    """A lead that names the partner as its referral partner (API, CSV, web form) is theirs too; sharing is
    still the borrower's choice."""
    lead = tampa_borrower(organisation, owner=owner, referral_partner=rita)
    [row] = partner_portal.referral_rows(rita)
    assert row.lead_id == lead.pk and not row.shared and row.milestones == ()
    assert partner_portal.referral_rows(paul) == []


@time_machine.travel(datetime(2026, 12, 8, 15, 30, 5, tzinfo=UTC), tick=False)
def test_referrals_are_rate_limited_per_partner(organisation, rita, owner, settings):
    settings.PORTAL_REFERRALS_PER_MINUTE = 2
    client = partner_client(rita)
    for first_name in ("Maya", "Noah"):
        referral = {**REFERRAL, "first_name": first_name, "phone": "", "email": f"{first_name}@example.com"}
        assert client.post("/portal/partner/refer/", referral).status_code == 302
    response = client.post(
        "/portal/partner/refer/", {**REFERRAL, "first_name": "Ivy", "email": "ivy@example.com"}
    )
    assert response.status_code == 429 and "Too many referrals" in response.content.decode()
    assert not Lead.objects.filter(first_name="Ivy").exists()
    assert 'value="Ivy"' in response.content.decode()  # what was typed is kept


def test_the_partners_list_costs_the_same_queries_for_one_borrower_or_many(
    organisation, rita, owner, django_assert_max_num_queries
):
    first = referred(organisation, rita, owner, stage_name="Clear to close")
    share(first, rita)
    with django_assert_max_num_queries(8):
        [one] = partner_portal.referral_rows(rita)
    for stage_name in ("Application", "Underwriting", "Contacted", "Clear to close"):
        lead = tampa_borrower(organisation, owner=owner, referral_partner=rita)
        Lead.objects.filter(pk=lead.pk).update(
            stage=Stage.objects.get(pipeline=lead.pipeline, name=stage_name)
        )
        if stage_name != "Contacted":
            share(lead, rita)
    with django_assert_max_num_queries(8):
        rows = partner_portal.referral_rows(rita)
    # The list reads the same rows as one borrower's page does, a borrower at a time.
    assert rows == [partner_portal.row_for(rita, lead) for lead in partners.referred_leads(rita)]
    assert one == rows[-1] and sum(row.shared for row in rows) == 4
