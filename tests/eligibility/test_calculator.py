"""The borrower's pre-qualification calculator: /calculator/<org>/, its estimate, and the quote (a lead)."""

import datetime as dt
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils.html import escapejs

from firstcall.eligibility import views
from firstcall.eligibility.engine import RULE_SET_VERSION, assess
from firstcall.eligibility.models import Assessment, LenderOverlay
from firstcall.intake.web_form.views import REASON_BAD_TOKEN, REASON_HONEYPOT, REASON_RATE_LIMITED
from firstcall.leads.models import Channel, Consent, IntakeRecord, Lead, LeadSource
from tests.clock import just_after_a_minute_begins

TODAY = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
EMBEDDING_PAGE = "https://acme-loans.test/afford?utm_source=google"
SLUG = "acme-home-loans"
PAGE = f"/calculator/{SLUG}/"
QUOTE = f"/calculator/{SLUG}/quote/"

# What the calculator sends the engine for `answers()` below, on TODAY: 740 is the floor of "excellent";
# taxes 1.10% and insurance 0.50% of $400,000 a year; the assumed 6.50% over 360 months.
EXPECTED_SCENARIO = {
    "as_of": "2026-03-02", "purpose": "purchase", "occupancy": "primary", "property_type": "single_family",
    "units": 1, "zip": "33602", "purchase_price": "400000.00", "down_payment": "80000.00",
    "credit_score": 740,
    "monthly_income": "15000.00", "monthly_debts": "500.00", "monthly_taxes": "366.67",
    "monthly_insurance": "166.67", "interest_rate": 6.5, "term_months": 360, "first_time_buyer": True,
    "veteran": {"eligible": False}, "programs": ["conventional", "fha", "usda", "jumbo"], "household_size": 3,
}  # fmt: skip


@pytest.fixture(autouse=True)
def _known_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def calculator_source(organisation):
    return views.calculator_source(organisation)


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.label_targets: set[str] = set()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **attributes})
        elif tag == "label" and attributes.get("for"):
            self.label_targets.add(attributes["for"])

    def hidden_values(self) -> dict:
        return {c["name"]: c.get("value", "") for c in self.controls if c.get("type") == "hidden"}

    def control(self, name: str, value: str | None = None) -> dict:
        return next(
            c for c in self.controls if c.get("name") == name and (value is None or c.get("value") == value)
        )


def read_page(response) -> Page:
    page = Page()
    page.feed(response.content.decode())
    return page


def open_calculator(client, **query) -> dict:
    response = client.get(PAGE, query, headers={"User-Agent": BROWSER})
    assert response.status_code == 200
    return read_page(response).hidden_values()


def send(client, url, data: dict, ip="198.51.100.23"):
    return client.post(url, data=urlencode(data), content_type="application/x-www-form-urlencoded",
                       headers={"User-Agent": BROWSER}, REMOTE_ADDR=ip)  # fmt: skip


def answers(**changes) -> dict:
    data = {
        "zip": "33602", "purchase_price": "$400,000", "down_payment": "80,000",
        "property_type": "single_family",
        "monthly_hoa": "", "credit_band": "excellent", "annual_income": "180000", "monthly_debts": "500",
        "household_size": "3", "first_time_buyer": "yes", "veteran": "no", "website": "",
    }  # fmt: skip
    data.update(changes)
    return data


def contact(**changes) -> dict:
    data = {
        "first_name": "ana",
        "last_name": "LOPEZ",
        "phone": "(813) 555-0199",
        "email": "Ana.Lopez@Example.com",
    }
    data.update(changes)
    return data


def test_calculator_asks_borrower_questions_each_labelled_and_creates_its_source_once(client, organisation):
    response = client.get(PAGE)
    assert response.status_code == 200
    page = read_page(response)
    names = {control.get("name") for control in page.controls}
    questions = {"zip", "purchase_price", "down_payment", "credit_band", "annual_income", "monthly_debts",
                 "veteran", "first_time_buyer", "household_size"}  # fmt: skip
    assert questions <= names
    visible = [c for c in page.controls if c.get("type") != "hidden"]
    assert [c.get("name") for c in visible if c.get("id") not in page.label_targets] == []
    assert "first_name" not in names  # contact details come after the estimate
    html = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    client.get(PAGE)
    source = LeadSource.objects.get(organisation=organisation, name="Pre-qualification calculator")
    assert source.channel == Channel.WEB_FORM and source.is_active
    assert page.hidden_values()["form_token"] and page.hidden_values()["purpose"] == "purchase"


def test_unknown_organisation_or_paused_calculator_is_404_and_a_quote_is_kept_rejected(
    client, calculator_source
):
    assert client.get("/calculator/no-such-lender/").status_code == 404
    assert send(client, "/calculator/no-such-lender/quote/", {**answers(), **contact()}).status_code == 404
    LeadSource.objects.filter(pk=calculator_source.pk).update(is_active=False)
    assert client.get(PAGE).status_code == 404
    assert send(client, PAGE, answers()).status_code == 404
    assert send(client, QUOTE, {**answers(), **contact()}).status_code == 404
    assert not Lead.objects.exists()
    assert list(IntakeRecord.objects.order_by("pk").values_list("status", "reasons")) == [
        ("rejected", ["No organisation has this calculator address"]),
        ("rejected", ["This calculator's lead source is paused"]),
    ]


def test_estimate_shows_payment_and_price_range_per_program_clearly_labelled_an_estimate(
    client, organisation
):
    hidden = open_calculator(client)
    response = send(client, PAGE, {**hidden, **answers()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This is an estimate, not a commitment to lend." in html
    assert "automated underwriting (AUS) findings on a full application override these figures" in html
    assert "Interest rate 6.50% is an assumed rate, not a quote" in html
    assert "Property taxes estimated at 1.10% of $400,000 a year ($366.67 a month)" in html
    expected = {program["program"]: program for program in assess(EXPECTED_SCENARIO)["programs"]}
    shown = {card["program"]: card for card in response.context["results"]}
    # Jumbo is not shown: the loan is conforming. USDA stays (the rural map decides); no VA for a non-veteran.
    assert list(shown) == ["conventional", "fha", "usda"]
    assert expected["jumbo"]["status"] == "ineligible"
    assert shown["conventional"]["payment_total"] == "$2,555.96"  # $2,022.62 P&I + $366.67 + $166.67
    assert expected["conventional"]["figures"]["monthly_payment"]["total"] == "2555.96"
    for name, card in shown.items():
        maximum = Decimal(expected[name]["figures"]["max_purchase_price"])
        assert card["status"] == expected[name]["status"]
        assert f"up to ${maximum:,.0f} with the same down payment" in html
    assert 'id="calc-fha-title"' in html and "Looks possible" in html
    # Then the quote step: contact details and consent appear, and still nothing is stored.
    assert {"first_name", "last_name", "phone", "email", "consent"} <= {
        c.get("name") for c in read_page(response).controls
    }
    assert not (Lead.objects.exists() or IntakeRecord.objects.exists() or Assessment.objects.exists())


def test_veterans_see_va_with_the_funding_fee_in_the_loan_amount(client, organisation):
    hidden = open_calculator(client)
    response = send(client, PAGE, {**hidden, **answers(veteran="yes")})
    va = next(card for card in response.context["results"] if card["program"] == "va")
    assert va["status"] == "eligible"
    assert va["loan_amount"] == "$324,000" and va["upfront_fee"] == "$4,000"  # 1.25% first use, 20% down
    assert (
        "VA: first use of the benefit and the standard funding fee are assumed." in response.content.decode()
    )


def test_estimate_errors_are_linked_to_their_fields_and_summarised(client, organisation):
    hidden = open_calculator(client)
    response = send(client, PAGE, {**hidden, **answers(purchase_price="", zip="1", down_payment="500000")})
    assert response.status_code == 200 and response.context["results"] is None
    page = read_page(response)
    price = page.control("purchase_price")
    assert price["aria-invalid"] == "true" and "id_purchase_price_error" in price["aria-describedby"]
    assert "autofocus" not in price and "autofocus" in page.control("zip")  # the first field in error
    html = response.content.decode()
    assert 'href="#id_purchase_price"' in html and 'id="id_purchase_price_error"' in html
    assert "Enter the home price, for example 350,000." in html
    assert "&#x27;1&#x27; is not a 5-digit ZIP code." in html
    assert page.control("down_payment")["value"] == "500000"


def test_quote_creates_the_lead_through_capture_with_consent_and_the_estimate_attached(client, organisation):
    hidden = open_calculator(client, embed="1", page_url=EMBEDDING_PAGE, utm_source="google")
    response = send(client, QUOTE, {**hidden, **answers(), **contact(), "consent": "yes"})
    assert response.status_code == 303
    assert response["Location"] == f"/calculator/{SLUG}/thanks/?embed=1"

    source = LeadSource.objects.get(name="Pre-qualification calculator")
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.phone, lead.email) == (
        "Ana", "Lopez", "+18135550199", "ana.lopez@example.com",
    )  # fmt: skip
    assert (lead.source, lead.purpose, lead.property_use, lead.property_type) == (
        source, "purchase", "primary", "single_family",
    )  # fmt: skip
    assert (lead.purchase_price, lead.down_payment) == (Decimal("400000.00"), Decimal("80000.00"))
    assert (lead.credit_score_low, lead.credit_score_high, lead.credit_band) == (740, 850, "excellent")
    assert (lead.annual_income, lead.monthly_debts) == (Decimal("180000.00"), Decimal("500.00"))
    assert lead.first_time_buyer is True and lead.veteran is False
    assert lead.utm == {"utm_source": "google"}
    consents = Consent.objects.filter(lead=lead)
    assert sorted(consent.channel for consent in consents) == ["calls", "email", "sms"]
    for consent in consents:
        assert consent.disclosure_text == source.effective_consent_text()
        assert (consent.ip_address, consent.page_url) == ("198.51.100.23", EMBEDDING_PAGE)
    record = IntakeRecord.objects.get()
    assert (record.channel, record.status, record.lead, record.source) == (
        "web_form",
        "accepted",
        lead,
        source,
    )
    assert record.unknown_fields == {}

    assessment = Assessment.objects.get()
    assert (assessment.lead, assessment.organisation, assessment.created_by) == (lead, organisation, None)
    assert assessment.scenario == EXPECTED_SCENARIO
    assert assessment.result == assess(EXPECTED_SCENARIO)
    assert assessment.rule_set_version == RULE_SET_VERSION and assessment.best_status == "eligible"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "not a commitment to lend" in thanks.content.decode()


def test_quote_without_the_consent_box_still_creates_the_lead_but_no_consent(client, organisation):
    hidden = open_calculator(client)
    assert send(client, QUOTE, {**hidden, **answers(), **contact()}).status_code == 303
    assert Lead.objects.count() == 1 and Assessment.objects.count() == 1
    assert not Consent.objects.exists()


def test_the_same_quote_sent_twice_gives_one_lead_and_one_assessment(client, organisation):
    hidden = open_calculator(client)
    for _ in range(2):
        assert send(client, QUOTE, {**hidden, **answers(), **contact()}).status_code == 303
    assert Lead.objects.count() == 1 and Assessment.objects.count() == 1
    assert list(IntakeRecord.objects.order_by("pk").values_list("status", flat=True)) == [
        "accepted",
        "duplicate",
    ]


def test_filled_honeypot_shows_the_thank_you_but_creates_nothing(client, organisation):
    hidden = open_calculator(client)
    response = send(client, QUOTE, {**hidden, **answers(website="http://cheap-pills.test"), **contact()})
    assert response.status_code == 303 and response["Location"] == f"/calculator/{SLUG}/thanks/"
    assert not Lead.objects.exists() and not Assessment.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and record.reasons == [REASON_HONEYPOT]


def test_forged_token_asks_to_send_again_keeps_the_answers_and_the_record(client, organisation):
    hidden = open_calculator(client)
    hidden["form_token"] = hidden["form_token"][:-4] + "AAAA"
    response = send(client, QUOTE, {**hidden, **answers(), **contact()})
    assert response.status_code == 200
    assert "please check them and send the form again" in response.content.decode()
    assert read_page(response).control("last_name")["value"] == "LOPEZ"
    assert not Lead.objects.exists() and not Assessment.objects.exists()
    assert IntakeRecord.objects.get().reasons == [REASON_BAD_TOKEN]


def test_quotes_over_the_per_address_limit_get_429_and_are_kept(client, organisation, settings):
    settings.FORM_RATE_LIMIT_PER_MINUTE = 1
    with just_after_a_minute_begins():
        hidden = open_calculator(client)
        first = send(client, QUOTE, {**hidden, **answers(), **contact()})
        second = send(client, QUOTE, {**hidden, **answers(), **contact(email="ana2@example.com")})
    assert (first.status_code, second.status_code) == (303, 429)
    assert Lead.objects.count() == 1 and Assessment.objects.count() == 1
    limited = IntakeRecord.objects.get(status=IntakeRecord.Status.REJECTED)
    assert limited.reasons == [REASON_RATE_LIMITED]


def test_contact_errors_from_capture_show_beside_the_fields_and_nothing_is_attached(client, organisation):
    hidden = open_calculator(client)
    response = send(client, QUOTE, {**hidden, **answers(), **contact(phone="12", email="")})
    assert response.status_code == 200
    phone = read_page(response).control("phone")
    assert phone["aria-invalid"] == "true" and "id_phone_error" in phone["aria-describedby"]
    assert response.context["results"]  # the estimate stays on screen
    assert not Lead.objects.exists() and not Assessment.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and set(record.field_errors) == {"phone"}


def test_tampered_calculator_answers_on_a_quote_are_refused_and_kept(client, organisation):
    hidden = open_calculator(client)
    response = send(client, QUOTE, {**hidden, **answers(credit_band="superb"), **contact()})
    assert response.status_code == 200
    assert not Lead.objects.exists() and not Assessment.objects.exists()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and set(record.field_errors) == {"credit_band"}


def test_only_the_calculator_pages_may_be_framed(client, organisation, owner):
    hidden = open_calculator(client)
    assert "X-Frame-Options" not in client.get(PAGE)
    assert "X-Frame-Options" not in send(client, PAGE, {**hidden, **answers()})
    quote = send(client, QUOTE, {**hidden, **answers(), **contact()})
    assert "X-Frame-Options" not in quote and "X-Frame-Options" not in client.get(quote["Location"])
    client.force_login(owner)
    lead = Lead.objects.get()
    Lead.objects.filter(pk=lead.pk).update(owner=owner)
    assert client.get(f"/leads/{lead.pk}/assessment/")["X-Frame-Options"] == "DENY"
    assert client.get("/")["X-Frame-Options"] == "DENY"


def test_embed_script_frames_the_calculator(client, organisation):
    response = client.get(f"/calculator/{SLUG}/embed.js")
    assert response.status_code == 200 and response["Content-Type"] == "text/javascript; charset=utf-8"
    script = response.content.decode()
    assert f'formOrigin + "{escapejs(PAGE)}"' in script and 'embed: "1"' in script
    assert f'frame.title = "{escapejs(views.CALCULATOR_TITLE)}"' in script
    assert client.get("/calculator/no-such-lender/embed.js").status_code == 404


def test_a_broken_lender_overlay_still_lets_the_borrower_ask_for_a_quote(client, organisation):
    # Saved past the admin's validation (e.g. by a data fix): the engine refuses it with OverlayError.
    LenderOverlay.objects.create(organisation=organisation, name="Typo policy", source="memo",
                                 programs={"fha": {"min_credit_scor": 620}})  # fmt: skip
    hidden = open_calculator(client)
    estimate = send(client, PAGE, {**hidden, **answers()})
    assert estimate.status_code == 200 and estimate.context["results"] is None
    assert "Sorry, we cannot calculate an estimate just now." in estimate.content.decode()
    assert "first_name" in {control.get("name") for control in read_page(estimate).controls}
    quote = send(client, QUOTE, {**hidden, **answers(), **contact()})
    assert quote.status_code == 303
    assert Lead.objects.count() == 1 and not Assessment.objects.exists()


def test_monthly_debts_not_below_monthly_income_are_a_field_error_not_a_crash(client, organisation):
    hidden = open_calculator(client)
    response = send(client, PAGE, {**hidden, **answers(annual_income="24000", monthly_debts="2500")})

    assert response.status_code == 200 and response.context["results"] is None
    assert "must be less than your monthly income" in response.content.decode()
