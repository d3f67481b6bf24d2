"""Lender overlays: data applied on top of the agency rules, named in the reasons."""

import json

import pytest
from eligibility_scenarios import LOS_ANGELES, assess_program, check

from firstcall.eligibility.engine import OverlayError, assess, validate_overlay
from firstcall.eligibility.engine.rulebook import read_rule_text


def overlay(programs: dict, **fields) -> dict:
    return {
        "name": "Acme credit policy",
        "version": "3",
        "source": "Acme policy memo 2026-01",
        "programs": programs,
        **fields,
    }


def test_fha_overlay_of_620_makes_a_600_score_ineligible_and_names_the_overlay():
    fha = assess_program("fha", overlays=[overlay({"fha": {"min_credit_score": 620}})], credit_score=600)

    assert check(fha, "fha.credit_score_tiers")["passed"]  # the agency rule is met
    lender = check(fha, "overlay.fha.min_credit_score")
    assert not lender["passed"]
    assert "Acme credit policy (overlay v3)" in lender["message"] and "620" in lender["message"]
    assert lender["source"] == "Acme policy memo 2026-01"
    assert fha["status"] == "ineligible"
    assert any("Acme credit policy" in item["message"] for item in fha["suggestions"])


def test_overlay_met_adds_a_passing_check():
    fha = assess_program("fha", overlays=[overlay({"fha": {"min_credit_score": 620}})], credit_score=700)

    assert fha["status"] == "eligible"
    assert check(fha, "overlay.fha.min_credit_score")["passed"]


def test_overlay_cannot_loosen_an_agency_rule():
    fha = assess_program("fha", overlays=[overlay({"fha": {"min_credit_score": 450}})], credit_score=480)

    assert fha["status"] == "ineligible"
    assert not check(fha, "fha.credit_score_tiers")["passed"]


def test_conventional_dti_overlay_tightens_the_du_limit_and_the_max_price():
    plain = assess_program("conventional", monthly_income="7000")
    tightened = assess_program(
        "conventional", overlays=[overlay({"conventional": {"max_dti_back": 40}})], monthly_income="7000"
    )

    assert plain["status"] == "eligible"
    assert tightened["status"] == "ineligible"
    assert "maximum back-end DTI 40.00%" in check(tightened, "overlay.conventional.max_dti_back")["message"]
    assert float(tightened["figures"]["max_purchase_price"]) < float(plain["figures"]["max_purchase_price"])


def test_jumbo_overlay_replaces_the_default_thresholds():
    jumbo_scenario = {
        "county_fips": LOS_ANGELES,
        "state": "CA",
        "purchase_price": "2000000",
        "down_payment": "400000",
        "monthly_income": "60000",
        "credit_score": 710,
        "reserves_months": 12,
    }
    default = assess_program("jumbo", **jumbo_scenario)
    stricter = assess_program(
        "jumbo",
        overlays=[overlay({"jumbo": {"min_credit_score": 720, "min_reserves_months": 18}})],
        **jumbo_scenario,
    )

    assert default["status"] == "eligible"
    assert stricter["status"] == "ineligible"
    score = check(stricter, "jumbo.min_credit_score")
    assert "720" in score["message"] and "Acme credit policy" in score["message"]
    assert "18-month minimum" in check(stricter, "jumbo.reserves")["message"]


def test_overlay_outside_its_dates_is_not_applied():
    future = overlay({"fha": {"min_credit_score": 620}}, effective_from="2027-01-01")

    fha = assess_program("fha", overlays=[future], credit_score=600)

    assert fha["status"] == "eligible"
    assert all(not item["rule"].startswith("overlay.") for item in fha["checks"])


def test_malformed_overlay_raises_with_every_problem_named():
    bad = {"name": "", "source": "memo", "programs": {"fha": {"min_credit_score": "high"}, "heloc": {}}}

    with pytest.raises(OverlayError) as raised:
        assess({"as_of": "2026-03-02"}, overlays=[bad])

    text = str(raised.value)
    assert "name is required" in text and "min_credit_score must be a number" in text and "heloc" in text


def test_validate_overlay_reports_problems_for_an_admin_form():
    assert validate_overlay(overlay({"fha": {"min_credit_score": 620}})) == []
    assert validate_overlay(overlay({"fha": {"max_ltv": 200}})) == [
        "overlay.programs.fha.max_ltv must be a number from 1 to 105"
    ]


def test_shipped_example_overlays_are_valid():
    examples = json.loads(read_rule_text("overlays.example.json"))

    assert examples and all(validate_overlay(example) == [] for example in examples)
