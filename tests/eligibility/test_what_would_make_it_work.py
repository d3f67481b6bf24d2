"""What would make it work: the smallest change for each refer/ineligible program, confirmed by the engine."""

from eligibility_scenarios import make_scenario, program

from firstcall.eligibility.engine import assess
from firstcall.eligibility.engine.remedies import apply_change


def remedies_for(name: str, **changes) -> tuple[dict, dict]:
    scenario = make_scenario(programs=[name], **changes)
    result = program(assess(scenario, remedies=True), name)
    return scenario, result


def status_after(scenario: dict, change: dict) -> str:
    for field, value in change.items():
        scenario = apply_change(scenario, field, value)
    return assess(scenario)["programs"][0]["status"]


def test_eligible_programs_need_nothing():
    _, fha = remedies_for("fha")

    assert fha["status"] == "eligible"
    assert fha["what_would_make_it_work"] == []


def test_too_much_other_debt_is_answered_with_the_payment_to_pay_off_and_rechecked():
    scenario, fha = remedies_for("fha", monthly_income="10000", monthly_debts="3500")

    assert fha["status"] == "ineligible"
    best = fha["what_would_make_it_work"][0]
    assert best["status_after"] == "eligible"
    assert set(best["change"]) == {"monthly_debts"}
    assert "pay off or pay down" in best["description"]
    assert status_after(scenario, best["change"]) == "eligible"


def test_too_small_a_down_payment_is_answered_with_the_down_payment_that_fits():
    scenario, fha = remedies_for("fha", down_payment="5000")

    best = fha["what_would_make_it_work"][0]
    assert best == {
        "change": {"down_payment": "14000.00"},
        "description": "$14,000 down instead of $5,000 ($9,000 more)",
        "status_after": "eligible",
        "fixes": "fha.max_ltv",
    }
    assert status_after(scenario, best["change"]) == "eligible"


def test_a_waiting_period_is_answered_with_the_date_and_that_date_really_works():
    # USDA: 36 months after a Chapter 7 discharge; this one ends 2026-06-15, within the 2026 rules.
    events = [{"type": "chapter_7_bankruptcy", "date": "2023-06-15"}]
    scenario, usda = remedies_for("usda", derogatory_events=events, monthly_income="9500")

    assert usda["status"] == "ineligible"
    best = usda["what_would_make_it_work"][0]
    assert best["change"] == {"as_of": "2026-06-15"}
    assert best["status_after"] == "eligible"
    later = assess({**scenario, "as_of": "2026-06-15"})["programs"][0]
    assert later["status"] == "eligible"


def test_a_price_above_what_the_program_allows_is_answered_with_a_lower_price_or_more_down():
    scenario, conventional = remedies_for(
        "conventional", purchase_price="1000000", down_payment="50000", county_fips="12086"
    )

    assert conventional["status"] == "ineligible"
    changes = [item["change"] for item in conventional["what_would_make_it_work"]]
    assert any("purchase_price" in change or "down_payment" in change for change in changes)
    for item in conventional["what_would_make_it_work"]:
        assert status_after(scenario, item["change"]) == item["status_after"]


def test_several_problems_at_once_are_answered_with_one_combined_change_that_works():
    scenario, fha = remedies_for("fha", down_payment="10000", monthly_debts="6000")

    eligible = [item for item in fha["what_would_make_it_work"] if item["status_after"] == "eligible"]
    assert eligible and set(eligible[0]["change"]) == {"down_payment", "monthly_debts"}
    assert status_after(scenario, eligible[0]["change"]) == "eligible"


def test_every_listed_change_is_confirmed_by_running_the_engine_again():
    scenarios = [
        make_scenario(purchase_price="700000", down_payment="20000", monthly_debts="3000"),
        make_scenario(credit_score=560, down_payment="10000"),
        make_scenario(
            derogatory_events=[{"type": "foreclosure", "date": "2024-01-10"}], down_payment="15000"
        ),
    ]
    for scenario in scenarios:
        for entry in assess(scenario, remedies=True)["programs"]:
            for item in entry["what_would_make_it_work"]:
                single = {**scenario, "programs": [entry["program"]]}
                assert status_after(single, item["change"]) == item["status_after"], (entry["program"], item)
