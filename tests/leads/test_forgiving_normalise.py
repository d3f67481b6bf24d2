"""Forgiving normalisation: only reachability is required; everything else is read where a synonym table or a
library can, and otherwise kept as sent with a warning."""

from decimal import Decimal

import pytest

from firstcall.leads.submission import (
    LeadSubmission,
    SubmissionInvalid,
    normalise,
    parse_percent,
    parse_timeframe,
)


def lead_with(**fields):
    return normalise(LeadSubmission(first_name="Ana", last_name="Lopez", email="ana@example.com", **fields))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0-3 months", "90_days"), ("ASAP/Immediately", "asap"), ("Immediately", "asap"),
        ("Within 30 days", "30_days"), ("1-2 weeks", "30_days"), ("3-6 Months", "6_months"),
        ("6-12 months", "12_months_plus"), ("12+ months", "12_months_plus"), ("More than 6 months", "12_months_plus"),
        ("Just researching", "unknown"), ("I have signed a purchase agreement", "asap"), ("90 days", "90_days"),
    ],
)  # fmt: skip
def test_timeframes_as_vendors_word_them(text, expected):
    assert parse_timeframe(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Refi", "rate_term_refinance"), ("Refinance", "rate_term_refinance"),
        ("Cash Out Refinance", "cash_out_refinance"), ("Cash-Out Refi - Debt Consolidation", "cash_out_refinance"),
        ("Home Purchase", "purchase"), ("Buying a home", "purchase"), ("Home Equity Line of Credit", "heloc"),
        ("Lower my rate", "rate_term_refinance"),
    ],
)  # fmt: skip
def test_purposes_as_vendors_word_them(text, expected):
    assert lead_with(purpose=text).purpose == expected


@pytest.mark.parametrize("text", ["$350,000", "350k", "350K", "350000", 350000, "$350,000.00", "350,000 USD"])
def test_money_in_every_common_form(text):
    assert lead_with(purchase_price=text).purchase_price == Decimal("350000.00")


def test_a_price_range_gives_its_midpoint():
    assert lead_with(purchase_price="$300,001 - $350,000").purchase_price == Decimal("325001")


def test_percent_down_with_a_price_gives_the_amount():
    lead = lead_with(purpose="Purchase", purchase_price="$400,000", down_payment="20% down")
    assert lead.down_payment_percent == Decimal(20) and lead.down_payment == Decimal("80000.00")
    assert lead.warnings == []


def test_a_bare_number_from_a_percentage_field_is_a_percentage_never_dollars():
    lead = lead_with(purchase_price="300000", down_payment_percent="20")
    assert lead.down_payment_percent == Decimal(20) and lead.down_payment == Decimal("60000.00")
    # The same bare 20 sent as the down payment itself: no home is bought with $20 down.
    assert lead_with(down_payment="20").down_payment is None
    assert lead_with(down_payment="20").down_payment_percent == Decimal(20)
    assert parse_percent(0.2) == Decimal(20) and parse_percent("3.5%") == Decimal("3.5")


def test_loan_amount_and_down_payment_give_the_price():
    lead = lead_with(purpose="purchase", loan_amount="320k", down_payment="$80,000")
    assert lead.purchase_price == Decimal("400000.00") and lead.loan_amount == Decimal("320000.00")
    lead = lead_with(purpose="purchase", loan_amount="300000", down_payment="25%")
    assert lead.purchase_price == Decimal("400000.00") and lead.down_payment == Decimal("100000.00")


def test_new_scenario_fields():
    lead = lead_with(
        purpose="Cash Out Refinance", rate_type="30 Year Fixed", loan_term="30 Year Fixed", cash_out_amount="$40K",
        current_rate="6.875%", city="tampa", street_address="  100 N Tampa St  ", state="Florida",
    )  # fmt: skip
    assert (lead.rate_type, lead.loan_term_years) == ("fixed", 30)
    assert lead.cash_out_amount == Decimal("40000.00") and lead.current_rate == Decimal("6.875")
    assert (lead.city, lead.street_address, lead.state) == ("tampa", "100 N Tampa St", "FL")
    assert normalise(LeadSubmission(first_name="A", phone="8135550199", loan_term=360)).loan_term_years == 30
    assert lead_with(rate_type="5/1 ARM").rate_type == "adjustable"


def test_phone_with_an_extension_keeps_both():
    lead = normalise(LeadSubmission(first_name="Ana", phone="(813) 555-0142 ext 3"))
    assert (lead.phone, lead.phone_extension) == ("+18135550142", "3")


def test_international_numbers_use_the_sources_country():
    assert normalise(LeadSubmission(first_name="Ana", phone="+44 20 7946 0958")).phone == "+442079460958"
    lead = normalise(LeadSubmission(first_name="Ana", phone="020 7946 0958"), region="GB")
    assert lead.phone == "+442079460958"
    with pytest.raises(SubmissionInvalid):
        normalise(LeadSubmission(first_name="Ana", phone="020 7946 0958"))  # not a US number


@pytest.mark.parametrize("phone", ["555-555-5555", "000-000-0000", "123", "n/a", "(813) 055-0199"])
def test_a_placeholder_phone_beside_a_valid_email_keeps_the_lead_with_the_raw_phone(phone):
    lead = lead_with(phone=phone)
    assert lead.phone == "" and lead.email == "ana@example.com"
    assert lead.warnings == [{"field": "phone", "value": phone, "message": lead.warnings[0]["message"]}]
    assert "reached at the email address" in lead.warnings[0]["message"]


def test_a_bad_main_phone_falls_back_to_a_good_other_phone():
    lead = lead_with(phone="000-000-0000", other_phones=["813 555 0177"])
    assert lead.phone == "+18135550177" and lead.other_phones == []


def test_nothing_reachable_is_still_an_error():
    with pytest.raises(SubmissionInvalid) as raised:
        normalise(LeadSubmission(first_name="Ana", phone="555-555-5555", email="ana@"))
    assert set(raised.value.errors) == {"phone", "email"}
    with pytest.raises(SubmissionInvalid) as raised:
        normalise(LeadSubmission(email="ana@example.com"))
    assert set(raised.value.errors) == {"first_name"}


def test_unknown_values_are_kept_raw_with_a_warning_each():
    lead = lead_with(timeframe="whenever the stars align", loan_type="balloon", zip="ABCDE", veteran="maybe",
                     credit_band="superb", property_type="Castle")  # fmt: skip
    assert {w["field"]: w["value"] for w in lead.warnings} == {
        "timeframe": "whenever the stars align", "loan_type": "balloon", "zip": "ABCDE", "veteran": "maybe",
        "credit_band": "superb", "property_type": "Castle",
    }  # fmt: skip
    assert (lead.timeframe, lead.loan_type, lead.zip_code, lead.veteran) == ("unknown", "not_sure", "", None)
