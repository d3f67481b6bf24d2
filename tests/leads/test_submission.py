from decimal import Decimal

import pytest

from firstcall.leads.submission import LeadSubmission, SubmissionInvalid, normalise


def test_normalise_cleans_every_field_a_vendor_might_mangle():
    lead = normalise(
        LeadSubmission(
            first_name="  MARIA ", last_name="de la cruz", email="Maria@Example.COM", phone="813.555.0199",
            zip="33602-1234", purpose="Refi", loan_type="Conv", credit_band="Excellent",
            property_value="$450k", loan_balance="212,000.50", first_time_buyer="N", timeframe="3-6 months",
        )
    )  # fmt: skip
    assert (lead.first_name, lead.last_name) == ("Maria", "De La Cruz")
    assert lead.email == "maria@example.com"
    assert lead.phone == "+18135550199"
    assert (lead.zip_code, lead.county, lead.state, lead.time_zone) == (
        "33602", "Hillsborough County", "FL", "America/New_York",
    )  # fmt: skip
    assert lead.purpose == "rate_term_refinance"
    assert lead.loan_type == "conventional"
    assert (lead.credit_score_low, lead.credit_score_high) == (740, 850)
    assert lead.property_value == Decimal("450000.00")
    assert lead.loan_balance == Decimal("212000.50")
    assert lead.first_time_buyer is False
    assert lead.timeframe == "6_months"


def test_an_unreachable_lead_reports_both_contact_problems_at_once():
    with pytest.raises(SubmissionInvalid) as raised:
        normalise(LeadSubmission(first_name="Ana", email="not-an-email", phone="12", zip="99999",
                                 credit_score="900", purchase_price="lots"))  # fmt: skip
    errors = raised.value.errors
    assert set(errors) == {"email", "phone"}
    assert "not a valid email" in errors["email"][0]


def test_every_other_problem_is_a_warning_with_the_value_as_sent():
    lead = normalise(LeadSubmission(first_name="Ana", email="ana@example.com", phone="12", zip="99999",
                                    credit_score="900", purchase_price="lots"))  # fmt: skip
    warnings = {w["field"]: w for w in lead.warnings}
    assert set(warnings) == {"phone", "zip", "credit_score", "purchase_price"}
    assert (
        warnings["phone"]["value"] == "12" and "reached at the email address" in warnings["phone"]["message"]
    )
    assert "99999 does not exist" in warnings["zip"]["message"]
    assert "outside 300-850" in warnings["credit_score"]["message"]
    assert warnings["purchase_price"]["value"] == "lots" and lead.purchase_price is None


def test_a_lead_needs_a_name_and_a_way_to_reach_the_borrower():
    with pytest.raises(SubmissionInvalid) as raised:
        normalise(LeadSubmission(zip="33602"))
    assert set(raised.value.errors) == {"first_name", "phone"}


def test_control_characters_are_stripped_and_markup_is_kept_as_text_for_escaping():
    lead = normalise(LeadSubmission(first_name="<script>alert(1)</script>\x00\x07", email="a@b.co"))
    assert lead.first_name == "<script>alert(1)</script>"


def test_full_name_in_one_field_is_split():
    lead = normalise(LeadSubmission(last_name="Ana Maria Lopez", phone="8135550199"))
    assert (lead.first_name, lead.last_name) == ("Ana", "Maria Lopez")


def test_unknown_choice_is_kept_as_a_warning_listing_the_allowed_values():
    lead = normalise(LeadSubmission(first_name="Ana", phone="8135550199", loan_type="balloon"))
    assert lead.loan_type == "not_sure"
    assert lead.warnings[0]["field"] == "loan_type" and lead.warnings[0]["value"] == "balloon"
    assert "conventional" in lead.warnings[0]["message"]
