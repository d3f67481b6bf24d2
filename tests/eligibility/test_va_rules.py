"""VA rules: funding fee table (from 2023-04-07), exemption, entitlement, 41% DTI and residual income."""

from decimal import Decimal

import pytest
from eligibility_scenarios import assess_program, check

from firstcall.eligibility.engine.rulebook import rule_book
from firstcall.eligibility.engine.va import _residual_income_required

LOW_DEBT = {"monthly_income": "20000", "monthly_debts": "0"}


def va_purchase(down_payment: str, **changes) -> dict:
    return assess_program("va", purchase_price="400000", down_payment=down_payment, **{**LOW_DEBT, **changes})


@pytest.mark.parametrize(
    ("down_payment", "first_use", "fee"),
    [
        ("0", True, "8600.00"),  # 2.15% of $400,000: first use, under 5% down
        ("19960", True, "8170.86"),  # 4.99% down: still 2.15% of $380,040
        ("20000", True, "5700.00"),  # exactly 5% down: 1.50% of $380,000
        ("39960", True, "5400.60"),  # 9.99% down: 1.50% of $360,040
        ("40000", True, "4500.00"),  # exactly 10% down: 1.25% of $360,000
        ("0", False, "13200.00"),  # subsequent use, under 5% down: 3.30%
        ("20000", False, "5700.00"),  # subsequent use, 5% down: 1.50%
        ("40000", False, "4500.00"),  # subsequent use, 10% down: 1.25%
    ],
)
def test_funding_fee_follows_the_2023_table(down_payment, first_use, fee):
    veteran = {"eligible": True, "first_use": first_use, "funding_fee_exempt": False}

    va = va_purchase(down_payment, veteran=veteran)

    assert va["figures"]["upfront_fee"] == fee
    assert Decimal(va["figures"]["total_loan_amount"]) == Decimal(
        va["figures"]["base_loan_amount"]
    ) + Decimal(fee)


def test_exempt_veteran_pays_no_funding_fee():
    va = va_purchase("0", veteran={"eligible": True, "first_use": True, "funding_fee_exempt": True})

    assert va["figures"]["upfront_fee"] == "0.00"
    assert va["figures"]["total_loan_amount"] == "400000.00"
    assert "exempt" in check(va, "va.funding_fee")["message"]


def test_cash_out_refinance_fee_is_2_15_first_use():
    va = assess_program(
        "va",
        purpose="cash_out_refinance",
        property_value="400000",
        loan_amount="300000",
        purchase_price=None,
        down_payment=None,
        **LOW_DEBT,
    )

    assert va["figures"]["upfront_fee"] == "6450.00"


def test_funding_fee_table_versions_follow_38_usc_3729_as_amended_by_pub_l_118_83():
    # Pub. L. 118-83 "substituted 'November 29, 2031' for 'November 15, 2031' wherever appearing in table".
    versions = rule_book().versions("va.funding_fee")

    assert [(str(rule.effective_from), str(rule.effective_to)) for rule in versions] == [
        ("2020-01-01", "2023-04-06"),
        ("2023-04-07", "2031-11-28"),
        ("2031-11-29", "None"),
    ]


def test_no_down_payment_is_fine_and_above_100_percent_is_not():
    full = va_purchase("0")
    over = assess_program("va", purchase_price="400000", loan_amount="400001", down_payment=None, **LOW_DEBT)

    assert full["status"] == "eligible"
    assert over["status"] == "ineligible"


def test_full_entitlement_has_no_loan_limit():
    va = assess_program(
        "va", purchase_price="1500000", down_payment="0", monthly_income="60000", monthly_debts="0"
    )

    assert va["status"] == "eligible"
    assert "no VA loan limit" in check(va, "va.loan_limit")["message"]
    assert va["figures"]["loan_limit"] is None


def test_later_use_above_the_county_limit_is_referred_for_entitlement():
    va = assess_program(
        "va",
        purchase_price="1500000",
        down_payment="0",
        monthly_income="60000",
        monthly_debts="0",
        veteran={"eligible": True, "first_use": False, "funding_fee_exempt": False},
    )

    assert va["status"] == "refer"
    assert "Certificate of Eligibility" in check(va, "va.loan_limit")["message"]


@pytest.mark.parametrize(
    ("region", "household", "loan", "required"),
    [
        ("south", 4, "300000", 1003),
        ("northeast", 2, "300000", 755),
        ("west", 5, "300000", 1158),
        ("west", 6, "300000", 1238),  # +$80 for each member above five
        ("midwest", 1, "79999", 382),
        ("northeast", 7, "50000", 1071),  # 921 + 2 x $75
    ],
)
def test_residual_income_table_from_38_cfr_36_4340(region, household, loan, required):
    params = rule_book().versions("va.residual_income")[0].params

    assert _residual_income_required(params, region, household, Decimal(loan)) == required


def test_residual_income_below_the_table_is_ineligible():
    va = va_purchase("0", monthly_income="4400", monthly_debts="600", household_size=5)

    residual = check(va, "va.residual_income")
    assert not residual["passed"]
    assert "$1,039" in residual["message"]  # South, household of 5, loan >= $80,000
    assert va["status"] == "ineligible"


def test_dti_above_41_percent_is_referred_with_the_residual_income_margin():
    va = va_purchase("0", monthly_income="9000", monthly_debts="1200")

    assert va["status"] == "refer"
    dti = check(va, "va.dti")
    assert "41.00% limit" in dti["message"] and "20% above" in dti["message"]


def test_va_needs_an_eligible_veteran_and_a_primary_residence():
    not_veteran = va_purchase("0", veteran={"eligible": False})
    investment = va_purchase("0", occupancy="investment")
    unknown = va_purchase("0", veteran=None)

    assert not_veteran["status"] == "ineligible"
    assert investment["status"] == "ineligible"
    assert unknown["status"] == "refer"
    assert "veteran" in check(unknown, "input.missing.veteran")["message"]


def test_rate_term_refinance_is_an_irrrl_and_is_referred():
    va = assess_program(
        "va",
        purpose="rate_term_refinance",
        property_value="400000",
        loan_amount="300000",
        purchase_price=None,
        down_payment=None,
        **LOW_DEBT,
    )

    assert va["status"] == "refer"
    assert "IRRRL" in check(va, "va.purpose")["message"]
