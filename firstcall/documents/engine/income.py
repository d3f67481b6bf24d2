"""Qualifying income and assets from reviewed document figures, each with the rule it follows.

Plain data in (field name -> value as reviewed: decimal strings, ISO dates), Decimal results out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TWELVE = Decimal(12)
PERIODS_PER_YEAR = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}
# Fannie Mae Selling Guide B3-4.2-02, Depository Accounts: a large deposit is a single deposit exceeding 50 % of
# the total monthly qualifying income; the lender must document its source.
LARGE_DEPOSIT_SHARE = Decimal("0.50")


@dataclass(frozen=True)
class Figure:
    name: str
    amount: Decimal
    rule: str


def _money(values: dict, name: str) -> Decimal | None:
    raw = values.get(name)
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def _q(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def paystub_income(values: dict) -> list[Figure]:
    figures = []
    frequency = values.get("paystub.pay_frequency")
    per_year = PERIODS_PER_YEAR.get(frequency or "")
    rate, hours = _money(values, "paystub.regular_rate"), _money(values, "paystub.regular_hours")
    gross = _money(values, "paystub.gross_current")
    if rate and hours and per_year:
        monthly = _q(rate * hours * per_year / TWELVE)
        figures.append(
            Figure(
                "monthly_base_income",
                monthly,
                f"Hourly: ${rate} x {hours} hours x {per_year} {frequency} periods / 12 "
                "(Fannie Mae Selling Guide B3-3.1-01, base income).",
            )
        )
    elif gross and per_year:
        monthly = _q(gross * per_year / TWELVE)
        figures.append(
            Figure(
                "monthly_base_income",
                monthly,
                f"Salary: ${gross:,} a {frequency} period x {per_year} / 12 "
                "(Fannie Mae Selling Guide B3-3.1-01, base income).",
            )
        )
    ytd = _money(values, "paystub.gross_ytd")
    pay_date = values.get("paystub.pay_date") or values.get("paystub.period_end")
    if ytd and pay_date:
        when = date.fromisoformat(str(pay_date))
        months = Decimal(when.timetuple().tm_yday) / Decimal(365) * TWELVE
        if months > 0:
            figures.append(
                Figure(
                    "monthly_ytd_income",
                    _q(ytd / months),
                    f"Year to date ${ytd:,} over {months:.1f} months to {when.isoformat()} "
                    "(YTD annualised; B3-3.1-01 asks it to support the base figure).",
                )
            )
    return figures


def w2_income(values_by_year: dict[int, dict]) -> list[Figure]:
    """Box 5 (Medicare wages: before pre-tax deferrals) per year; two years averaged, with a declining flag."""
    years = sorted(values_by_year, reverse=True)
    wages = {
        year: _money(values_by_year[year], "w2.box5_medicare_wages")
        or _money(values_by_year[year], "w2.box1_wages")
        for year in years
    }
    wages = {year: amount for year, amount in wages.items() if amount}
    if not wages:
        return []
    latest = max(wages)
    figures = [
        Figure(
            "monthly_w2_income", _q(wages[latest] / TWELVE), f"W-2 {latest} wages ${wages[latest]:,} / 12."
        )
    ]
    if latest - 1 in wages:
        prior = wages[latest - 1]
        average = _q((wages[latest] + prior) / Decimal(24))
        declining = wages[latest] < prior
        rule = (
            f"Two-year average of W-2 wages {latest - 1}-{latest}: (${prior:,} + ${wages[latest]:,}) / 24 "
            "(Fannie Mae Selling Guide B3-3.1-01, variable income history)."
        )
        if declining:
            rule += (
                f" Declining: {latest} is below {latest - 1}; use the lower current figure unless the decline "
                "is explained and has stabilised (B3-3.1-01)."
            )
            average = min(average, _q(wages[latest] / TWELVE))
        figures.append(Figure("monthly_two_year_average", average, rule))
    return figures


def schedule_c_income(values: dict) -> list[Figure]:
    profit = _money(values, "schedule_c.net_profit_31")
    if profit is None:
        return []
    return [
        Figure(
            "monthly_self_employed_income",
            _q(profit / TWELVE),
            f"Schedule C line 31 net profit ${profit:,} / 12 (Fannie Mae Form 1084 and Selling Guide "
            "B3-3.2-01; depreciation and other add-backs are not read and are left to the underwriter).",
        )
    ]


def bank_assets(values: dict, monthly_qualifying_income: Decimal | None) -> tuple[list[Figure], list[dict]]:
    figures = []
    ending = _money(values, "bank.ending_balance")
    beginning = _money(values, "bank.beginning_balance")
    if ending is not None:
        figures.append(Figure("verified_ending_balance", ending, "Ending balance of the reviewed statement."))
    if ending is not None and beginning is not None:
        figures.append(
            Figure(
                "average_balance",
                _q((ending + beginning) / 2),
                "Average of the beginning and ending balances of the statement period.",
            )
        )
    large = []
    if monthly_qualifying_income and values.get("bank.deposits"):
        threshold = _q(monthly_qualifying_income * LARGE_DEPOSIT_SHARE)
        for deposit in values["bank.deposits"]:
            amount = Decimal(str(deposit.get("amount")))
            if amount > threshold:
                large.append(
                    {
                        **deposit,
                        "threshold": str(threshold),
                        "rule": "Fannie Mae Selling Guide B3-4.2-02: a single deposit over 50% of the total "
                        "monthly qualifying income needs a documented source; ask the borrower.",
                    }
                )
    return figures, large


def qualifying_monthly_income(figures: list[Figure]) -> Figure | None:
    """The figure to put in the loan scenario: base income from a stub, else the W-2 average, else the latest W-2;
    self-employed income is added."""
    by_name = {figure.name: figure for figure in figures}
    chosen = (
        by_name.get("monthly_base_income")
        or by_name.get("monthly_two_year_average")
        or by_name.get("monthly_w2_income")
    )
    self_employed = by_name.get("monthly_self_employed_income")
    if chosen and self_employed:
        return Figure(
            "monthly_income",
            chosen.amount + self_employed.amount,
            f"{chosen.rule} Plus: {self_employed.rule}",
        )
    return chosen or self_employed
