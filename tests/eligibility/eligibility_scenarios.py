"""Scenario builders and lookups shared by the eligibility engine tests (plain data, no Django)."""

from __future__ import annotations

import copy

from firstcall.eligibility.engine import assess

MIAMI_DADE = "12086"  # baseline county: 2026 1-unit conforming limit $832,750
LOS_ANGELES = "06037"  # high-cost county: 2026 1-unit limit $1,249,125

BASE_SCENARIO = {
    "as_of": "2026-03-02",
    "purpose": "purchase",
    "occupancy": "primary",
    "property_type": "single_family",
    "units": 1,
    "state": "FL",
    "county_fips": MIAMI_DADE,
    "purchase_price": "400000",
    "down_payment": "80000",
    "credit_score": 760,
    "monthly_income": "15000",
    "monthly_debts": "500",
    "monthly_taxes": "400",
    "monthly_insurance": "150",
    "monthly_hoa": "0",
    "interest_rate": 6.5,
    "term_months": 360,
    "first_time_buyer": True,
    "veteran": {"eligible": True, "first_use": True, "funding_fee_exempt": False},
    "household_size": 3,
    "reserves_months": 12,
    "usda_rural_eligible": True,
}


def make_scenario(**changes) -> dict:
    """The base scenario with fields replaced; a value of None removes the field."""
    scenario = copy.deepcopy(BASE_SCENARIO)
    for key, value in changes.items():
        if value is None:
            scenario.pop(key, None)
        else:
            scenario[key] = value
    return scenario


def program(result: dict, name: str) -> dict:
    return next(entry for entry in result["programs"] if entry["program"] == name)


def assess_program(name: str, overlays: list[dict] | None = None, **changes) -> dict:
    return program(assess(make_scenario(programs=[name], **changes), overlays=overlays), name)


def check(program_result: dict, rule: str) -> dict:
    matches = [entry for entry in program_result["checks"] if entry["rule"] == rule]
    assert matches, f"no check {rule!r} in {[entry['rule'] for entry in program_result['checks']]}"
    return matches[0]


def failed_rules(program_result: dict) -> list[str]:
    return [entry["rule"] for entry in program_result["checks"] if not entry["passed"]]
