"""Invariants that must hold for every scenario (hypothesis)."""

from decimal import Decimal

from eligibility_scenarios import LOS_ANGELES, MIAMI_DADE, make_scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstcall.eligibility.engine import ScenarioError, assess

scenarios = st.fixed_dictionaries(
    {
        "purpose": st.sampled_from(["purchase", "rate_term_refinance", "cash_out_refinance"]),
        "occupancy": st.sampled_from(["primary", "second_home", "investment"]),
        "purchase_price": st.integers(80000, 2500000).map(str),
        "property_value": st.integers(80000, 2500000).map(str),
        "down_payment": st.integers(0, 60).map(lambda percent: percent),
        "credit_score": st.integers(480, 850),
        "monthly_income": st.integers(2000, 60000).map(str),
        "monthly_debts": st.integers(0, 6000).map(str),
        "interest_rate": st.decimals("2.5", "11", places=3).map(float),
        "term_months": st.sampled_from([120, 180, 240, 300, 360]),
        "county_fips": st.sampled_from([MIAMI_DADE, LOS_ANGELES]),
        "first_time_buyer": st.booleans(),
        "reserves_months": st.integers(0, 24),
        "household_size": st.integers(1, 8),
        "usda_rural_eligible": st.booleans(),
        "veteran": st.fixed_dictionaries(
            {"eligible": st.booleans(), "first_use": st.booleans(), "funding_fee_exempt": st.booleans()}
        ),
    }
)


def build(fields: dict) -> dict:
    fields = dict(fields)
    # Debts at or above income do not add up and are refused; keep generated scenarios valid.
    fields["monthly_debts"] = str(min(int(fields["monthly_debts"]), int(fields["monthly_income"]) // 2))
    state = "FL" if fields["county_fips"] == MIAMI_DADE else "CA"
    down_percent = fields.pop("down_payment")
    if fields["purpose"] == "purchase":
        price = Decimal(fields["purchase_price"])
        loan = (price * (100 - down_percent) / 100).quantize(Decimal(1))
        return make_scenario(state=state, **fields, down_payment=str(price - loan))
    value = Decimal(fields.pop("property_value"))
    loan = (value * (100 - down_percent) / 100).quantize(Decimal(1))
    fields.update(property_value=str(value), loan_amount=str(loan), down_payment=None, purchase_price=None)
    return make_scenario(state=state, **fields)


def statuses(scenario: dict) -> dict:
    return {entry["program"]: entry["status"] for entry in assess(scenario)["programs"]}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.integers(1, 200))
def test_raising_the_credit_score_never_makes_an_eligible_program_ineligible(fields, raise_by):
    scenario = build(fields)
    higher = {**scenario, "credit_score": min(850, scenario["credit_score"] + raise_by)}

    before, after = statuses(scenario), statuses(higher)

    for name, status in before.items():
        if status == "eligible":
            assert after[name] == "eligible", name


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.integers(1, 5000))
def test_adding_debt_never_lowers_dti(fields, extra_debt):
    scenario = build(fields)
    income = int(scenario["monthly_income"])
    more_debt = {
        **scenario,
        "monthly_debts": str(min(int(scenario["monthly_debts"]) + extra_debt, income - 1)),
    }

    before, after = assess(scenario)["programs"], assess(more_debt)["programs"]

    for old, new in zip(before, after, strict=True):
        if old["figures"]["dti_back"] is not None:
            assert new["figures"]["dti_back"] >= old["figures"]["dti_back"]
            assert new["figures"]["dti_front"] == old["figures"]["dti_front"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.decimals("0.125", "4", places=3))
def test_payment_rises_with_the_interest_rate(fields, increase):
    scenario = build(fields)
    higher_rate = {**scenario, "interest_rate": float(Decimal(str(scenario["interest_rate"])) + increase)}

    before, after = assess(scenario)["programs"], assess(higher_rate)["programs"]

    for old, new in zip(before, after, strict=True):
        old_payment, new_payment = old["figures"]["monthly_payment"], new["figures"]["monthly_payment"]
        if old_payment["principal_interest"] is not None:
            assert Decimal(new_payment["principal_interest"]) > Decimal(old_payment["principal_interest"])
        if old_payment["total"] is not None and new_payment["total"] is not None:
            assert Decimal(new_payment["total"]) > Decimal(old_payment["total"])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**9), 10**9)
    | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = sorted(make_scenario()) + [
    "zip",
    "property_value",
    "loan_amount",
    "derogatory_events",
    "monthly_hoa",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from([name for name in FIELDS if name != "programs"]), json_values, max_size=12
    )
)
def test_any_json_values_give_an_assessment_or_a_named_refusal_never_a_crash(fields):
    try:
        result = assess(fields)
    except ScenarioError as error:
        assert error.fields and all(isinstance(why, str) and why for why in error.fields.values())
        return

    assert len(result["programs"]) == 5
    for entry in result["programs"]:
        assert entry["status"] in {"eligible", "ineligible", "refer"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios, st.sampled_from(sorted(make_scenario())), json_values)
def test_one_corrupted_field_in_a_good_scenario_never_crashes(fields, name, value):
    scenario = {**build(fields), name: value}
    scenario.pop("programs", None)

    try:
        result = assess(scenario)
    except ScenarioError as error:
        assert error.fields
        return

    assert len(result["programs"]) == 5
