"""Rules that change by date: the application date (as_of) picks the version, and every rule cites its source."""

import json
from datetime import date
from decimal import Decimal

from eligibility_scenarios import assess_program, check

from firstcall.eligibility.engine.fha import _annual_mip_row
from firstcall.eligibility.engine.rulebook import PROGRAMS, read_rule_text, rule_book


def usda_with_front_ratio(as_of: str, front_ratio: str) -> dict:
    probe = assess_program("usda", as_of=as_of)
    housing = Decimal(probe["figures"]["monthly_payment"]["total"])
    income = (housing * 100 / Decimal(front_ratio)).quantize(Decimal("0.01"))
    return assess_program("usda", as_of=as_of, monthly_income=str(income), monthly_debts="0")


# USDA HB-1-3555 ch. 11 revision effective 2024-08-05: "Increased housing ratio from 29% to 34%"; procedure notice:
# "the maximum ... (PITI) ratio is being adjusted to 29%. ... The effective date ... is November 4, 2025."
def test_usda_piti_ratio_follows_the_application_date():
    before = usda_with_front_ratio("2024-07-01", "32")
    during = usda_with_front_ratio("2025-06-02", "32")
    after = usda_with_front_ratio("2025-11-04", "32")

    assert not check(before, "usda.dti.front")["passed"]
    assert "29.00% limit" in check(before, "usda.dti.front")["message"]
    assert check(during, "usda.dti.front")["passed"]
    assert "34.00% limit" in check(during, "usda.dti.front")["message"]
    assert not check(after, "usda.dti.front")["passed"]
    assert "ratio waiver (PITI up to 32%" in check(after, "usda.dti.front")["message"]
    assert after["status"] == "refer"


# 38 U.S.C. 3729(b)(2) as amended by Pub. L. 118-83: 2.15% for an initial 0-down loan "closed on or after April 7,
# 2023, and before November 29, 2031"; 1.40% "closed on or after November 29, 2031"; 2.30% from 2020 to April 6, 2023.
def test_va_funding_fee_table_follows_the_closing_date():
    for as_of, rate in (
        ("2023-04-06", "2.30"),
        ("2023-04-07", "2.15"),
        ("2031-11-28", "2.15"),
        ("2031-11-29", "1.40"),
    ):
        va = assess_program("va", as_of=as_of, down_payment="0")
        assert f"VA funding fee {rate}%" in check(va, "va.funding_fee")["message"], as_of


# Mortgagee Letter 2015-01 (85 bps above 95% LTV, terms over 15 years) until ML 2023-05 (55 bps from 2023-03-20).
def test_fha_annual_mip_follows_the_date():
    def bps_on(day: date) -> int:
        params = rule_book().rule("fha.annual_mip", day).params
        return _annual_mip_row(params, Decimal("96.5"), Decimal("386000"), 360)["bps"]

    assert bps_on(date(2023, 3, 19)) == 85
    assert bps_on(date(2023, 3, 20)) == 55
    assert (
        "Annual MIP 55 bps" in check(assess_program("fha", down_payment="14000"), "fha.annual_mip")["message"]
    )


def test_yearly_fha_floor_follows_the_year():
    loan = {"purchase_price": "640000", "down_payment": "110000"}  # base loan $530,000

    assert check(assess_program("fha", as_of="2026-02-02", **loan), "fha.loan_limits")["passed"]
    assert not check(assess_program("fha", as_of="2025-02-03", **loan), "fha.loan_limits")["passed"]


def test_every_rule_version_cites_its_primary_source_with_a_dated_version():
    for program in PROGRAMS:
        for raw in json.loads(read_rule_text(f"{program}.json"))["rules"]:
            citation = raw["citation"]
            assert citation["document"] and citation["section"] and citation["version"], raw["id"]
    for versions in rule_book().rules_by_id.values():
        for rule in versions:
            assert rule.citation_text.count(",") >= 2


def test_every_check_carries_its_citation():
    fha = assess_program("fha")

    assert check(fha, "fha.upfront_mip")["citation"].startswith("HUD Mortgagee Letter 2023-05")
    assert all(item["citation"] for item in fha["checks"])
