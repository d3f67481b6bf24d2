"""Income and asset figures from reviewed fields, with their rules."""

from decimal import Decimal

from firstcall.documents.engine.income import (
    bank_assets,
    paystub_income,
    qualifying_monthly_income,
    schedule_c_income,
    w2_income,
)


def test_hourly_base_income_is_rate_times_hours_times_periods_over_twelve():
    figures = {
        f.name: f
        for f in paystub_income(
            {
                "paystub.regular_rate": "25.00",
                "paystub.regular_hours": "80.00",
                "paystub.pay_frequency": "biweekly",
                "paystub.gross_current": "2000.00",
                "paystub.gross_ytd": "26000.00",
                "paystub.pay_date": "2025-06-30",
            }
        )
    }
    assert figures["monthly_base_income"].amount == Decimal("4333.33")  # 25 x 80 x 26 / 12
    assert "B3-3.1-01" in figures["monthly_base_income"].rule
    assert figures["monthly_ytd_income"].amount == Decimal("4369.24")  # 26,000 over 181/365 x 12 months


def test_two_year_w2_average_flags_a_decline_and_uses_the_lower_current_figure():
    figures = {
        f.name: f
        for f in w2_income(
            {
                2024: {"w2.box5_medicare_wages": "60000.00"},
                2023: {"w2.box5_medicare_wages": "72000.00"},
            }
        )
    }
    assert figures["monthly_w2_income"].amount == Decimal("5000.00")
    average = figures["monthly_two_year_average"]
    assert "Declining" in average.rule and average.amount == Decimal("5000.00")


def test_schedule_c_income_is_added_to_wage_income():
    figures = paystub_income({"paystub.gross_current": "3000.00", "paystub.pay_frequency": "semimonthly"})
    figures += schedule_c_income({"schedule_c.net_profit_31": "24000.00"})
    chosen = qualifying_monthly_income(figures)
    assert chosen.amount == Decimal("8000.00")  # 3,000 x 24 / 12 + 24,000 / 12


def test_a_deposit_over_half_the_monthly_qualifying_income_is_flagged_with_the_rule():
    figures, large = bank_assets(
        {
            "bank.beginning_balance": "1000.00",
            "bank.ending_balance": "9000.00",
            "bank.deposits": [
                {"date": "2025-08-02", "description": "Payroll", "amount": "2400.00"},
                {"date": "2025-08-09", "description": "Zelle Transfer From", "amount": "2600.00"},
            ],
        },
        Decimal("5000.00"),
    )
    assert {f.name: f.amount for f in figures} == {
        "verified_ending_balance": Decimal("9000.00"),
        "average_balance": Decimal("5000.00"),
    }
    assert [deposit["amount"] for deposit in large] == ["2600.00"]
    assert "B3-4.2-02" in large[0]["rule"]
