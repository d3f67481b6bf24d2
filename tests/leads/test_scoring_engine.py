"""The lead score: pure function, plain data, every point explained."""

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firstcall.leads.scoring import (
    ScoreReason,
    ScoringConfig,
    ScoringInput,
    credit_band_for,
    default_scoring_config,
    score_lead,
    tier_for,
)
from firstcall.lib.credit import CREDIT_BANDS as INTAKE_CREDIT_BANDS


def strong_purchase(**changes):
    facts = dict(
        credit_score_low=760,
        credit_score_high=779,
        timeframe="asap",
        purpose="purchase",
        loan_amount=Decimal("400000"),
        down_payment_percent=Decimal("20"),
        first_time_buyer=True,
        veteran=False,
        loan_type_interest="conventional",
        source_quality=80,
        has_valid_mobile=True,
        has_email=True,
        fields_completed=Decimal("1"),
        reply_count=0,
        best_program_status="eligible",
    )
    facts.update(changes)
    return ScoringInput(**facts)


def points_by_factor(result):
    return {reason.factor: reason.points for reason in result.reasons}


def test_strong_purchase_lead_is_hot_with_a_reason_per_factor():
    result = score_lead(strong_purchase(), default_scoring_config())

    assert result.points == 99
    assert result.tier == "hot"
    assert points_by_factor(result) == {
        "credit": 25,
        "timeframe": 20,
        "purpose": 8,
        "loan_amount": 7,
        "down_payment": 6,
        "program_fit": 4,
        "source_quality": 8,
        "contactability": 8,
        "completeness": 5,
        "engagement": 0,
        "program_status": 8,
    }
    assert result.reasons[0] == ScoreReason("credit", 25, "credit excellent: 760 (low end of stated range)")


def test_reasons_always_add_up_to_the_points():
    for facts in (
        strong_purchase(),
        strong_purchase(reply_count=5),
        ScoringInput(),
        strong_purchase(purpose=None),
    ):
        result = score_lead(facts)
        assert sum(reason.points for reason in result.reasons) == result.points


def test_total_above_100_is_capped_with_an_explaining_reason():
    result = score_lead(strong_purchase(reply_count=3))

    assert result.points == 100
    assert result.reasons[-1] == ScoreReason("cap", -9, "raw total 109 kept within 0-100")
    assert points_by_factor(result)["engagement"] == 10


def test_negative_total_is_raised_to_zero_with_an_explaining_reason():
    result = score_lead(ScoringInput(best_program_status="ineligible"))

    assert result.points == 0
    assert result.tier == "cold"
    assert result.reasons[-1] == ScoreReason("cap", 10, "raw total -10 kept within 0-100")


def test_empty_lead_scores_zero_and_cold_without_a_cap_reason():
    result = score_lead(ScoringInput())

    assert result.points == 0
    assert result.tier == "cold"
    assert [r.factor for r in result.reasons][-1] == "program_status"
    assert all(reason.points == 0 for reason in result.reasons)


def test_middling_refinance_lead_is_warm():
    facts = ScoringInput(
        credit_score_low=680,
        credit_score_high=719,
        timeframe="90_days",
        purpose="rate_term_refinance",
        has_valid_mobile=True,
    )

    result = score_lead(facts)

    assert result.points == 41
    assert result.tier == "warm"
    assert points_by_factor(result)["down_payment"] == 0
    assert result.reasons[4].detail == "down payment only scored for purchases"


def test_tier_thresholds_are_inclusive():
    config = default_scoring_config()
    assert [tier_for(points, config) for points in (100, 70, 69, 40, 39, 0)] == [
        "hot",
        "hot",
        "warm",
        "warm",
        "cold",
        "cold",
    ]


def test_credit_uses_low_end_of_range_then_high_then_band():
    config = default_scoring_config()
    assert credit_band_for(ScoringInput(credit_score_low=739, credit_score_high=760), config) == (
        "very_good",
        "739 (low end of stated range)",
    )
    assert credit_band_for(ScoringInput(credit_score_high=745), config) == ("excellent", "745 (stated score)")
    assert credit_band_for(ScoringInput(credit_band="fair"), config) == ("fair", "stated band")
    assert credit_band_for(ScoringInput(credit_score_low=600), config) == (
        "poor",
        "600 (low end of stated range)",
    )
    assert credit_band_for(ScoringInput(credit_score_low=560), config) == (
        "bad",
        "560 (low end of stated range)",
    )
    assert credit_band_for(ScoringInput(), config) == ("unknown", "not given")


def test_veteran_asking_about_va_with_zero_down_is_not_penalised_for_down_payment():
    facts = ScoringInput(
        purpose="purchase",
        loan_type_interest="va",
        veteran=True,
        down_payment_percent=Decimal("0"),
    )

    result = score_lead(facts)

    by_factor = {reason.factor: reason for reason in result.reasons}
    assert by_factor["down_payment"] == ScoreReason(
        "down_payment", 5, "down payment 0% (at least 0%); VA needs none"
    )
    assert by_factor["program_fit"] == ScoreReason("program_fit", 6, "veteran asking about VA")


def test_usda_purchase_without_down_payment_gets_zero_down_points():
    result = score_lead(ScoringInput(purpose="purchase", loan_type_interest="usda"))

    assert points_by_factor(result)["down_payment"] == 5


def test_conventional_purchase_with_small_down_payment_scores_low_bracket():
    result = score_lead(ScoringInput(purpose="purchase", down_payment_percent=Decimal("3")))

    assert points_by_factor(result)["down_payment"] == 1


def test_veteran_not_asking_about_va_and_first_time_buyer_refinance():
    result = score_lead(ScoringInput(purpose="rate_term_refinance", veteran=True, first_time_buyer=True))

    by_factor = {reason.factor: reason for reason in result.reasons}
    assert by_factor["program_fit"] == ScoreReason("program_fit", 3, "veteran (VA eligible)")


def test_loan_amount_brackets():
    def amount_points(amount):
        return points_by_factor(score_lead(ScoringInput(loan_amount=Decimal(amount))))["loan_amount"]

    assert [amount_points(a) for a in ("50000", "100000", "249999.99", "250000", "500000", "2000000")] == [
        1,
        4,
        4,
        7,
        8,
        8,
    ]


def test_source_quality_and_completeness_round_half_up():
    result = score_lead(ScoringInput(source_quality=45, fields_completed=0.5))

    assert points_by_factor(result)["source_quality"] == 5  # 4.5
    assert points_by_factor(result)["completeness"] == 3  # 2.5
    assert result.reasons[8].detail == "50% of fields completed"


def test_engagement_counts_first_reply_then_each_more_up_to_cap():
    def engagement(replies):
        return points_by_factor(score_lead(ScoringInput(reply_count=replies)))["engagement"]

    assert [engagement(n) for n in (0, 1, 2, 3, 4, 10)] == [0, 6, 8, 10, 10, 10]


def test_contactability_without_mobile_or_email():
    result = score_lead(ScoringInput(has_email=True))

    assert result.reasons[7] == ScoreReason("contactability", 2, "email")


def test_program_status_refer_and_ineligible():
    refer = score_lead(strong_purchase(best_program_status="refer"))
    ineligible = score_lead(strong_purchase(best_program_status="ineligible"))

    assert refer.points == 94
    assert ineligible.points == 81


def test_organisation_overrides_merge_over_defaults():
    config = ScoringConfig.from_dict(
        {
            "credit_band_points": {"excellent": 30},
            "hot_threshold": 80,
            "loan_amount_points": [["1000000", 10], [0, 0]],
        }
    )

    assert config.credit_band_points["excellent"] == 30
    assert config.credit_band_points["good"] == 17
    assert config.loan_amount_points == ((Decimal("1000000"), 10), (Decimal("0"), 0))
    result = score_lead(strong_purchase(), config)
    assert points_by_factor(result)["credit"] == 30
    assert points_by_factor(result)["loan_amount"] == 0
    assert result.points == 97
    assert result.tier == "hot"


def test_config_survives_a_json_round_trip():
    config = default_scoring_config()

    stored = json.loads(json.dumps(config.to_dict()))

    assert ScoringConfig.from_dict(stored) == config


def test_empty_overrides_give_defaults():
    assert ScoringConfig.from_dict(None) == default_scoring_config()
    assert ScoringConfig.from_dict({}) == default_scoring_config()


def test_unknown_override_key_is_rejected():
    with pytest.raises(ValueError, match="unknown scoring settings: typo_points"):
        ScoringConfig.from_dict({"typo_points": 3})


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="tier thresholds"):
        ScoringConfig.from_dict({"warm_threshold": 80, "hot_threshold": 70})


def test_new_credit_band_needs_points():
    with pytest.raises(ValueError, match="credit bands without points: exceptional"):
        ScoringConfig.from_dict({"credit_band_floors": {"exceptional": 800}})


def test_unknown_vocabulary_is_rejected():
    with pytest.raises(ValueError, match="unknown timeframe"):
        ScoringInput(timeframe="tomorrow")
    with pytest.raises(ValueError, match="unknown purpose"):
        ScoringInput(purpose="construction")
    with pytest.raises(ValueError, match="unknown loan type"):
        ScoringInput(loan_type_interest="reverse")
    with pytest.raises(ValueError, match="source_quality"):
        ScoringInput(source_quality=101)
    with pytest.raises(ValueError, match="ratio"):
        ScoringInput(fields_completed=Decimal("1.5"))


def test_blank_strings_from_the_database_mean_unknown():
    facts = ScoringInput(
        purpose="", credit_band="", timeframe="", loan_type_interest="", best_program_status=""
    )

    assert (facts.purpose, facts.credit_band, facts.timeframe, facts.loan_type_interest) == (
        None,
        None,
        "unknown",
        "not_sure",
    )
    assert score_lead(facts).points == 0


def test_same_input_same_result():
    assert score_lead(strong_purchase()) == score_lead(strong_purchase())


@given(
    credit=st.none() | st.integers(min_value=300, max_value=850),
    timeframe=st.sampled_from(["asap", "30_days", "90_days", "6_months", "12_months_plus", "unknown"]),
    purpose=st.none() | st.sampled_from(["purchase", "rate_term_refinance", "cash_out_refinance", "heloc"]),
    loan_type=st.sampled_from(["conventional", "fha", "va", "usda", "jumbo", "not_sure"]),
    amount=st.none() | st.decimals(min_value=0, max_value=5_000_000, places=2),
    down=st.none() | st.decimals(min_value=0, max_value=100, places=2),
    quality=st.none() | st.integers(min_value=0, max_value=100),
    completed=st.decimals(min_value=0, max_value=1, places=3),
    replies=st.integers(min_value=0, max_value=50),
    status=st.none() | st.sampled_from(["eligible", "refer", "ineligible"]),
    flags=st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans()),
)
@settings(max_examples=300, deadline=None)
def test_any_lead_scores_0_to_100_with_reasons_that_add_up(
    credit, timeframe, purpose, loan_type, amount, down, quality, completed, replies, status, flags
):
    facts = ScoringInput(
        credit_score_low=credit,
        timeframe=timeframe,
        purpose=purpose,
        loan_type_interest=loan_type,
        loan_amount=amount,
        down_payment_percent=down,
        source_quality=quality,
        fields_completed=completed,
        reply_count=replies,
        best_program_status=status,
        first_time_buyer=flags[0],
        veteran=flags[1],
        has_valid_mobile=flags[2],
        has_email=flags[3],
    )

    result = score_lead(facts)

    assert 0 <= result.points <= 100
    assert sum(reason.points for reason in result.reasons) == result.points
    assert result.tier == tier_for(result.points, default_scoring_config())


def test_credit_bands_match_the_intake_vocabulary_in_any_case():
    def credit_points(band):
        return points_by_factor(score_lead(ScoringInput(credit_band=band)))["credit"]

    bands = ("Excellent", "very_good", "GOOD", "fair", "poor", "bad", "unknown")
    assert [credit_points(band) for band in bands] == [25, 22, 17, 12, 6, 2, 0]
    with pytest.raises(ValueError, match="unknown credit band"):
        ScoringInput(credit_band="stellar")


def test_band_floors_follow_the_intake_ranges():
    config = default_scoring_config()
    for band, (low, high) in INTAKE_CREDIT_BANDS.items():
        assert credit_band_for(ScoringInput(credit_score_low=low), config)[0] == band
        assert credit_band_for(ScoringInput(credit_score_low=high), config)[0] == band
