"""The output follows the scenario contract (docs/assessment.md) exactly: keys, statuses, number and money formats."""

import json
import re

from eligibility_scenarios import make_scenario, program

from firstcall.eligibility.engine import RULE_SET_VERSION, assess
from firstcall.eligibility.engine.rulebook import read_rule_text

MONEY = re.compile(r"^-?\d+\.\d{2}$")
FIGURE_KEYS = {
    "ltv",
    "cltv",
    "dti_front",
    "dti_back",
    "loan_limit",
    "base_loan_amount",
    "total_loan_amount",
    "upfront_fee",
    "monthly_payment",
    "cash_to_close",
    "max_purchase_price",
}
PAYMENT_KEYS = {"principal_interest", "mortgage_insurance", "taxes", "insurance", "hoa", "total"}


def test_output_has_exactly_the_contract_keys():
    result = assess(make_scenario())

    assert set(result) == {"as_of", "rule_set_version", "missing_facts", "programs"}
    assert result["as_of"] == "2026-03-02"
    assert [entry["program"] for entry in result["programs"]] == [
        "conventional",
        "fha",
        "va",
        "usda",
        "jumbo",
    ]
    for entry in result["programs"]:
        # limit_table names the county limit table a loan limit came from (None when none was used).
        assert set(entry) == {"program", "status", "checks", "figures", "suggestions", "limit_table"}
        assert entry["status"] in {"eligible", "ineligible", "refer"}
        assert set(entry["figures"]) == FIGURE_KEYS
        assert set(entry["figures"]["monthly_payment"]) == PAYMENT_KEYS
        for item in entry["checks"]:
            # outcome: pass, fail or refer; citation: the primary source (document, section, dated version).
            assert set(item) == {"rule", "passed", "outcome", "message", "source", "citation"}
            assert isinstance(item["passed"], bool)
            assert item["rule"] and item["message"] and item["source"]


def test_money_is_a_string_with_two_decimals_and_percentages_are_numbers_with_two_decimals():
    result = assess(make_scenario())

    for entry in result["programs"]:
        figures = entry["figures"]
        money = [
            figures[key] for key in FIGURE_KEYS - {"ltv", "cltv", "dti_front", "dti_back", "monthly_payment"}
        ]
        money += list(figures["monthly_payment"].values())
        for value in money:
            assert value is None or (isinstance(value, str) and MONEY.match(value)), value
        for key in ("ltv", "cltv", "dti_front", "dti_back"):
            value = figures[key]
            assert value is None or (isinstance(value, float) and round(value, 2) == value), (key, value)


def test_result_is_plain_json():
    result = assess(make_scenario())

    assert json.loads(json.dumps(result)) == result


def test_rule_set_version_is_the_shipped_one():
    manifest = json.loads(read_rule_text("ruleset.json"))

    assert assess(make_scenario())["rule_set_version"] == RULE_SET_VERSION == manifest["rule_set_version"]


def test_programs_field_limits_the_output_in_canonical_order():
    result = assess(make_scenario(programs=["va", "fha"]))

    assert [entry["program"] for entry in result["programs"]] == ["fha", "va"]


def test_payment_breakdown_adds_up_to_the_total():
    for entry in assess(make_scenario())["programs"]:
        payment = entry["figures"]["monthly_payment"]
        parts = sum(float(payment[key]) for key in PAYMENT_KEYS - {"total"})
        assert round(parts, 2) == float(payment["total"])


def test_principal_and_interest_follow_the_annuity_formula():
    # $300,000 at 6.5% over 360 months is $1,896.20 a month (REFERENCE 1.11 formula).
    result = assess(make_scenario(purchase_price="375000", down_payment="75000", programs=["conventional"]))

    assert program(result, "conventional")["figures"]["monthly_payment"]["principal_interest"] == "1896.20"


def test_eligible_conventional_purchase_reports_every_figure():
    figures = program(assess(make_scenario()), "conventional")["figures"]

    assert figures["ltv"] == 80.0
    assert figures["cltv"] == 80.0
    assert figures["loan_limit"] == "832750.00"
    assert figures["base_loan_amount"] == "320000.00"
    assert figures["total_loan_amount"] == "320000.00"
    assert figures["upfront_fee"] == "0.00"
    assert figures["cash_to_close"] == "80000.00"
    assert figures["monthly_payment"]["mortgage_insurance"] == "0.00"
    # $80,000 down keeps the loan conforming up to the $832,750 county limit.
    assert figures["max_purchase_price"] == "912750.00"


def test_refinance_has_no_purchase_price_figures():
    result = assess(
        make_scenario(
            purpose="rate_term_refinance",
            property_value="500000",
            loan_amount="300000",
            purchase_price=None,
            down_payment=None,
        )
    )

    for entry in result["programs"]:
        assert entry["figures"]["max_purchase_price"] is None
        assert entry["figures"]["cash_to_close"] is None
