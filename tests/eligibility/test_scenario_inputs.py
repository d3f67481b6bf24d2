"""Missing facts give `refer` with the facts named; wrong values are refused with every field named."""

import pytest
from eligibility_scenarios import assess_program, check, make_scenario, program

from firstcall.eligibility.engine import ScenarioError, assess


def test_missing_credit_score_refers_every_program_naming_the_field():
    result = assess(make_scenario(credit_score=None))

    for entry in result["programs"]:
        assert entry["status"] in {"refer", "ineligible"}
        missing = check(entry, "input.missing.credit_score")
        assert not missing["passed"]
        assert "credit_score" in missing["message"]
    assert program(result, "fha")["status"] == "refer"


def test_missing_as_of_refers_everything_and_reports_null_as_of():
    result = assess(make_scenario(as_of=None))

    assert result["as_of"] is None
    for entry in result["programs"]:
        assert entry["status"] == "refer"
        assert "as_of" in check(entry, "input.missing.as_of")["message"]


def test_purchase_without_loan_or_down_payment_refers_and_says_so():
    fha = assess_program("fha", down_payment=None)

    assert fha["status"] == "refer"
    assert "loan_amount or down_payment" in check(fha, "input.missing.loan_amount")["message"]


def refused(**changes) -> dict[str, str]:
    with pytest.raises(ScenarioError) as raised:
        assess(make_scenario(**changes))
    body = raised.value.as_json()
    assert set(body) == {"error", "fields"} and body["error"] == "invalid scenario"
    return body["fields"]


def test_loan_plus_down_payment_that_does_not_make_the_price_is_refused():
    fields = refused(loan_amount="330000", down_payment="80000")

    assert "330000" in fields["loan_amount"] and "80000" in fields["down_payment"]


def test_loan_plus_down_payment_that_makes_the_price_is_accepted():
    fha = assess_program("fha", loan_amount="320000", down_payment="80000")

    assert fha["status"] == "eligible"


def test_zip_and_county_in_different_counties_are_refused():
    assert "Los Angeles County" in refused(zip="90210")["zip"]


def test_state_that_does_not_match_the_county_is_refused():
    assert "Miami-Dade" in refused(state="GA")["state"]


def test_unknown_state_county_and_zip_are_refused():
    assert "state" in refused(state="XX", county_fips=None)
    assert "not a county" in refused(county_fips="99999")["county_fips"]
    assert "not a known US ZIP" in refused(county_fips=None, zip="00000")["zip"]


def test_zip_maps_to_its_county_for_loan_limits():
    conventional = assess_program("conventional", county_fips=None, state=None, zip="33101")

    assert conventional["status"] == "eligible"
    assert "Miami-Dade County, FL" in check(conventional, "conventional.conforming_limits")["message"]


def test_connecticut_zip_asks_for_county_fips_because_limits_are_by_planning_region():
    conventional = assess_program("conventional", county_fips=None, state=None, zip="06103")

    assert conventional["status"] == "refer"
    assert "planning region" in check(conventional, "input.missing.county_fips")["message"]


def test_numeric_fips_and_zip_keep_their_leading_zero():
    conventional = assess_program("conventional", county_fips=6037, state="CA")

    assert "Los Angeles County, CA" in check(conventional, "conventional.conforming_limits")["message"]


def test_money_accepts_numbers_and_formatted_strings():
    as_number = assess_program("fha", purchase_price=400000, down_payment=80000.0)
    as_text = assess_program("fha", purchase_price="$400,000.00", down_payment="80,000")

    assert as_number["figures"] == as_text["figures"]


def test_decimal_and_date_objects_from_python_callers_are_accepted():
    from datetime import date
    from decimal import Decimal

    from_python = assess_program(
        "fha", as_of=date(2026, 3, 2), purchase_price=Decimal("400000"), down_payment=Decimal("80000")
    )

    assert from_python["figures"] == assess_program("fha")["figures"]


def test_invalid_values_are_all_named_not_guessed():
    fields = refused(credit_score="excellent", monthly_income=True, units=7)

    assert "whole number" in fields["credit_score"]
    assert "amount of money" in fields["monthly_income"]
    assert "between 1 and 4" in fields["units"]


def test_unknown_enum_values_are_refused():
    fields = refused(purpose="heloc", occupancy="vacation", property_type="castle")

    assert "purchase" in fields["purpose"]
    assert set(fields) == {"purpose", "occupancy", "property_type"}


def test_zero_or_negative_amounts_are_refused():
    assert "more than zero" in refused(purchase_price="-5")["purchase_price"]
    assert "more than zero" in refused(monthly_income="0")["monthly_income"]
    assert "zero or more" in refused(monthly_debts="-1")["monthly_debts"]


def test_down_payment_not_below_the_price_is_refused():
    assert "not less than purchase_price" in refused(down_payment="400001")["down_payment"]


def test_credit_score_outside_300_to_850_is_refused():
    assert "between 300 and 850" in refused(credit_score=900)["credit_score"]
    assert "between 300 and 850" in refused(credit_score=299)["credit_score"]


def test_debts_that_are_not_below_income_do_not_add_up_and_are_refused():
    assert "monthly figures" in refused(monthly_debts="15000")["monthly_debts"]


def test_interest_rate_given_as_a_fraction_is_rejected_with_an_example():
    assert "6.5 means 6.5%" in refused(interest_rate=0.065)["interest_rate"]


def test_single_family_with_two_units_is_refused():
    assert "multi_family" in refused(units=2)["units"]


def test_derogatory_event_after_the_application_date_is_refused():
    fields = refused(derogatory_events=[{"type": "foreclosure", "date": "2026-06-01"}])

    assert "after as_of" in fields["derogatory_events[0].date"]


def test_missing_optional_facts_refer_and_are_listed():
    result = assess(make_scenario(reserves_months=None, usda_rural_eligible=None, first_time_buyer=None))

    assert {"reserves_months", "first_time_buyer"} <= set(result["missing_facts"])
    assert program(result, "usda")["status"] == "refer"


def test_refinance_needs_property_value_and_loan_amount():
    fha = assess_program("fha", purpose="cash_out_refinance", purchase_price=None, down_payment=None)

    assert fha["status"] == "refer"
    check(fha, "input.missing.property_value")
    check(fha, "input.missing.loan_amount")


def test_missing_hoa_counts_as_none_and_is_shown_as_zero():
    fha = assess_program("fha", monthly_hoa=None)

    assert fha["status"] == "eligible"
    assert fha["figures"]["monthly_payment"]["hoa"] == "0.00"
    assert "counted as $0" in check(fha, "input.assumed.monthly_hoa")["message"]


def test_payload_that_is_not_an_object_raises_scenario_error():
    with pytest.raises(ScenarioError) as raised:
        assess(["not", "an", "object"])

    assert raised.value.as_json() == {
        "error": "invalid scenario",
        "fields": {"(body)": "the scenario must be a JSON object"},
    }


def test_unknown_program_raises_scenario_error_naming_it():
    with pytest.raises(ScenarioError, match="heloc"):
        assess(make_scenario(programs=["fha", "heloc"]))


def test_empty_scenario_refers_every_program_without_crashing():
    result = assess({})

    assert [entry["status"] for entry in result["programs"]] == ["refer"] * 5
