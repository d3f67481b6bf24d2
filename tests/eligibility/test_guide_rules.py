"""Rules checked against the agencies' own wording (each test quotes the section it follows)."""

from eligibility_scenarios import assess_program, check, failed_rules

# as_of in the base scenario is 2026-03-02.


def chapter_7(date: str, extenuating: bool | None) -> list[dict]:
    event = {"type": "chapter_7_bankruptcy", "date": date}
    if extenuating is not None:
        event["extenuating_circumstances"] = extenuating
    return [event]


# HUD 4000.1 II.A.5.a.iii(H): "An elapsed period of less than two years, but not less than 12 months, may be
# acceptable, if the Borrower can show that the bankruptcy was caused by extenuating circumstances beyond the
# Borrower's control and has since exhibited a documented ability to manage their financial affairs".
def test_fha_chapter_7_fourteen_months_ago_with_documented_extenuating_circumstances_is_referred_not_refused():
    fha = assess_program("fha", derogatory_events=chapter_7("2025-01-02", True))

    assert fha["status"] == "refer"
    message = check(fha, "fha.waiting_periods.chapter_7_bankruptcy")["message"]
    assert "2027-01-02" in message and "underwriter" in message


def test_fha_chapter_7_fourteen_months_ago_without_extenuating_circumstances_waits_two_years():
    fha = assess_program("fha", derogatory_events=chapter_7("2025-01-02", False))

    assert fha["status"] == "ineligible"
    assert {
        "rule": "fha.waiting_periods.chapter_7_bankruptcy",
        "field": "as_of",
        "value": "2027-01-02",
    }.items() <= (next(item for item in fha["suggestions"] if item["field"] == "as_of").items())


def test_fha_chapter_7_fourteen_months_ago_without_documented_circumstances_is_ineligible_naming_the_fact():
    # Not stated is not documented: the standard two years apply, and the message says what would change it.
    fha = assess_program("fha", derogatory_events=chapter_7("2025-01-02", None))

    assert fha["status"] == "ineligible"
    assert (
        "derogatory_events[0].extenuating_circumstances"
        in check(fha, "fha.waiting_periods.chapter_7_bankruptcy")["message"]
    )


def test_fha_chapter_7_eleven_months_ago_is_too_soon_even_with_extenuating_circumstances():
    fha = assess_program("fha", derogatory_events=chapter_7("2025-04-01", True))

    assert fha["status"] == "ineligible"
    assert (
        "2026-04-01 with documented extenuating circumstances"
        in check(fha, "fha.waiting_periods.chapter_7_bankruptcy")["message"]
    )


# VA Pamphlet 26-7 ch. 4: a discharge "more than 1 year but less than 2 years" before the application is not in
# itself a reason to decline when the bankruptcy "was caused by circumstances beyond the control of the borrower".
def test_va_chapter_7_between_one_and_two_years_with_extenuating_circumstances_is_referred():
    va = assess_program("va", derogatory_events=chapter_7("2024-12-15", True))

    assert va["status"] == "refer"
    assert "underwriter" in check(va, "va.waiting_periods.chapter_7_bankruptcy")["message"]


def test_va_chapter_7_under_one_year_is_ineligible():
    va = assess_program("va", derogatory_events=chapter_7("2025-06-01", True))

    assert va["status"] == "ineligible"


# HUD 4000.1 II.A.5.a.iii(H): "A Borrower is not eligible for an FHA-insured Mortgage if the Borrower had a
# foreclosure or a DIL in the three-year period prior to the date of case number assignment. FHA may grant an
# exception to the three-year requirement if the foreclosure was the result of documented extenuating
# circumstances that were beyond the control of the Borrower".
def test_fha_foreclosure_within_three_years_refers_only_with_documented_extenuating_circumstances():
    with_exception = assess_program(
        "fha",
        derogatory_events=[{"type": "foreclosure", "date": "2024-06-01", "extenuating_circumstances": True}],
    )
    without = assess_program(
        "fha",
        derogatory_events=[{"type": "foreclosure", "date": "2024-06-01", "extenuating_circumstances": False}],
    )
    unstated = assess_program("fha", derogatory_events=[{"type": "foreclosure", "date": "2024-06-01"}])

    assert with_exception["status"] == "refer"
    assert without["status"] == "ineligible"
    assert "2027-06-01" in check(without, "fha.waiting_periods.foreclosure")["message"]
    assert unstated["status"] == "ineligible"


# Fannie Mae B5-2-02: "principal residences (single- and multi-width), and second home dwellings (multi-width
# only)"; "The following are ineligible for loans secured by manufactured housing: investment properties".
def test_conventional_manufactured_investment_property_is_ineligible():
    conventional = assess_program("conventional", property_type="manufactured", occupancy="investment")

    assert conventional["status"] == "ineligible"
    assert "conventional.manufactured_housing" in failed_rules(conventional)


def test_conventional_manufactured_second_home_must_be_multi_width():
    single = assess_program(
        "conventional",
        property_type="manufactured",
        occupancy="second_home",
        manufactured_home_width="single_width",
    )
    multi = assess_program(
        "conventional",
        property_type="manufactured",
        occupancy="second_home",
        manufactured_home_width="multi_width",
    )
    unstated = assess_program("conventional", property_type="manufactured", occupancy="second_home")

    assert "conventional.manufactured_housing" in failed_rules(single)
    assert check(multi, "conventional.manufactured_housing")["passed"]
    assert "manufactured_home_width" in check(unstated, "conventional.manufactured_housing")["message"]
    assert unstated["status"] == "refer"


# Eligibility Matrix, manufactured housing: cash-out refinance maximum LTV/CLTV/HCLTV 65%.
def test_conventional_manufactured_cash_out_is_capped_at_65_percent_ltv():
    refinance = {
        "purpose": "cash_out_refinance",
        "property_type": "manufactured",
        "purchase_price": None,
        "down_payment": None,
        "property_value": "300000",
    }
    over = assess_program("conventional", loan_amount="200000", **refinance)  # 66.67%
    within = assess_program("conventional", loan_amount="195000", **refinance)  # 65%

    assert over["status"] == "ineligible"
    assert "65.00% maximum" in check(over, "conventional.max_ltv")["message"]
    assert within["status"] == "eligible"


# Fannie Mae B3-5.3-07, foreclosure with extenuating circumstances: "Additional requirements after 3 years up to
# 7 years: 90% maximum LTV ... The purchase of a principal residence is permitted. Limited cash-out refinances are
# permitted for all occupancy types."
def foreclosure_four_years_ago() -> list[dict]:
    return [{"type": "foreclosure", "date": "2022-02-01", "extenuating_circumstances": True}]


def test_conventional_after_foreclosure_with_extenuating_circumstances_purchase_up_to_90_percent_passes():
    conventional = assess_program(
        "conventional", derogatory_events=foreclosure_four_years_ago(), down_payment="40000"
    )  # 90% LTV

    assert conventional["status"] == "eligible"
    assert check(conventional, "conventional.waiting_periods.foreclosure")["passed"]


def test_conventional_after_foreclosure_with_extenuating_circumstances_is_capped_at_90_percent_ltv():
    conventional = assess_program(
        "conventional", derogatory_events=foreclosure_four_years_ago(), down_payment="20000"
    )  # 95% LTV

    assert conventional["status"] == "ineligible"
    assert "90.00% maximum" in check(conventional, "conventional.max_ltv")["message"]


def test_conventional_after_foreclosure_allows_no_second_home_purchase_and_no_cash_out():
    second_home = assess_program(
        "conventional", derogatory_events=foreclosure_four_years_ago(), occupancy="second_home"
    )
    cash_out = assess_program(
        "conventional",
        derogatory_events=foreclosure_four_years_ago(),
        purpose="cash_out_refinance",
        purchase_price=None,
        down_payment=None,
        property_value="500000",
        loan_amount="300000",
    )
    limited_cash_out_investment = assess_program(
        "conventional",
        derogatory_events=foreclosure_four_years_ago(),
        purpose="rate_term_refinance",
        occupancy="investment",
        purchase_price=None,
        down_payment=None,
        property_value="500000",
        loan_amount="300000",
    )

    assert "conventional.waiting_periods.foreclosure_restrictions" in failed_rules(second_home)
    assert "conventional.waiting_periods.foreclosure_restrictions" in failed_rules(cash_out)
    assert check(limited_cash_out_investment, "conventional.waiting_periods.foreclosure_restrictions")[
        "passed"
    ]


# ML 2025-23: special exception areas (Alaska, Hawaii, Guam, U.S. Virgin Islands), 2026 ceiling $1,873,675 for one
# unit, $2,399,050 / $2,899,800 / $3,603,925 for two to four.
HONOLULU = "15003"


def test_fha_in_hawaii_above_the_special_exception_ceiling_is_ineligible():
    fha = assess_program(
        "fha", state="HI", county_fips=HONOLULU, purchase_price="2500000", down_payment="600000"
    )  # base loan $1,900,000

    assert fha["status"] == "ineligible"
    assert "$1,873,675" in check(fha, "fha.loan_limits")["message"]


def test_fha_special_exception_ceilings_for_two_to_four_units():
    for units, ceiling in ((2, "$2,399,050"), (3, "$2,899,800"), (4, "$3,603,925")):
        fha = assess_program(
            "fha",
            state="HI",
            county_fips=HONOLULU,
            property_type="multi_family",
            units=units,
            purchase_price="5000000",
            down_payment="1000000",
        )
        assert ceiling in check(fha, "fha.loan_limits")["message"], units
