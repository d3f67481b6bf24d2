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
    self-employed income is added (Schedule C's net profit, else the 1099-NEC two-year average), and so is
    two years' interest and dividend income. One-year and not-used figures are never added."""
    by_name = {figure.name: figure for figure in figures}
    chosen = (
        by_name.get("monthly_base_income")
        or by_name.get("monthly_two_year_average")
        or by_name.get("monthly_w2_income")
    )
    parts = [
        part
        for part in (
            chosen,
            by_name.get("monthly_self_employed_income") or by_name.get("monthly_1099_self_employment_income"),
            by_name.get("monthly_interest_dividend_income"),
        )
        if part is not None
    ]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return Figure(
        "monthly_income",
        sum((part.amount for part in parts), Decimal(0)),
        " Plus: ".join(part.rule for part in parts),
    )


# --- 1099s --------------------------------------------------------------------------------------------------

# Which box of which 1099 is income the rules below can use, and under which rule.
F1099_INCOME_BOXES = {
    "1099_nec": "f1099.nonemployee_compensation",
    "1099_int": "f1099.interest_income",
    "1099_div": "f1099.ordinary_dividends",
}
# Fannie Mae Selling Guide B3-3.2-01 (Underwriting Factors and Documentation for a Self-Employed Borrower) and
# B3-3.1-01 (General Income Information): income from self-employment needs a two-year history of receipt.
SELF_EMPLOYMENT_RULE = (
    "Fannie Mae Selling Guide B3-3.2-01 and B3-3.1-01: self-employment income needs two years"
)
# Fannie Mae Selling Guide B3-3.1-09 (Other Sources of Income), interest and dividend income: two years of
# history (tax returns or account statements), averaged over the two years; the assets that earn it must remain
# the borrower's after closing. Fannie Mae's FAQ on capital gains, interest and dividend income (June 2020):
# "two years of tax returns are still required to demonstrate a stable history ... the lender must use the
# lower amount" when the current level is lower.
INTEREST_DIVIDEND_RULE = (
    "Fannie Mae Selling Guide B3-3.1-09, interest and dividend income: a two-year history, averaged; the assets "
    "that earn it must stay with the borrower after closing"
)


def _two_year(amounts: dict[int, Decimal], what: str, rule: str, name: str, short_name: str) -> list[Figure]:
    latest = max(amounts)
    if latest - 1 not in amounts:
        years = ", ".join(str(year) for year in sorted(amounts))
        return [
            Figure(
                short_name,
                _q(amounts[latest] / TWELVE),
                f"{what} for {years} only (${amounts[latest]:,} in {latest}); not used to qualify until the "
                f"{latest - 1} form is reviewed too ({rule}).",
            )
        ]
    prior, current = amounts[latest - 1], amounts[latest]
    average = _q((prior + current) / Decimal(24))
    text = f"{what}: two-year average {latest - 1}-{latest}, (${prior:,} + ${current:,}) / 24 ({rule})."
    if current < prior:
        average = min(average, _q(current / TWELVE))
        text += f" Declining: {latest} is below {latest - 1}, so the lower {latest} figure / 12 is used."
    return [Figure(name, average, text)]


def f1099_income(forms: list[tuple[str, dict]]) -> list[Figure]:
    """Income from reviewed 1099s: (document type, values) pairs, any years. NEC compensation is
    self-employment income; INT interest and DIV ordinary dividends are interest and dividend income; each needs
    two consecutive years, averaged, the lower current year used when declining. A 1099-MISC is listed but not
    used: its rents qualify through Schedule E (Fannie Mae Selling Guide B3-3.1-08) and its royalties and other
    income need their own continuance review."""
    nec: dict[int, Decimal] = {}
    interest: dict[int, Decimal] = {}
    misc: dict[int, Decimal] = {}
    for kind, values in forms:
        year = values.get("f1099.tax_year")
        if not year:
            continue
        year = int(year)
        if kind == "1099_misc":
            total = sum(
                (_money(values, name) or Decimal(0))
                for name in ("f1099.rents", "f1099.royalties", "f1099.other_income")
            )
            if total:
                misc[year] = misc.get(year, Decimal(0)) + total
            continue
        amount = _money(values, F1099_INCOME_BOXES.get(kind, ""))
        if amount is None:
            continue
        target = nec if kind == "1099_nec" else interest
        target[year] = target.get(year, Decimal(0)) + amount  # several payers in one year add up
    figures = []
    if nec:
        figures += _two_year(
            nec,
            "1099-NEC nonemployee compensation (before business expenses; a reviewed Schedule C's net profit "
            "takes its place)",
            SELF_EMPLOYMENT_RULE,
            "monthly_1099_self_employment_income",
            "monthly_1099_self_employment_one_year",
        )
    if interest:
        figures += _two_year(
            interest,
            "1099-INT interest and 1099-DIV ordinary dividends",
            INTEREST_DIVIDEND_RULE,
            "monthly_interest_dividend_income",
            "monthly_interest_dividend_one_year",
        )
    if misc:
        latest = max(misc)
        figures.append(
            Figure(
                "monthly_1099_misc_not_used",
                _q(misc[latest] / TWELVE),
                f"1099-MISC rents, royalties and other income ${misc[latest]:,} in {latest}: not used to qualify "
                "here; rents qualify through Schedule E (Fannie Mae Selling Guide B3-3.1-08), royalties and "
                "other income after the underwriter confirms their history and continuance (B3-3.1-09).",
            )
        )
    return figures


# --- assets -------------------------------------------------------------------------------------------------


def verified_assets(statements: list[dict]) -> tuple[Figure, str | None] | None:
    """The lead's verified liquid assets from reviewed bank statements: each account's latest statement's ending
    balance (an account is its last four digits; a statement without them counts as its own account), added up.
    Returns the figure and the date of the oldest balance counted (ISO), or None without a reviewed balance."""
    latest: dict[str, dict] = {}
    for index, values in enumerate(statements):
        if _money(values, "bank.ending_balance") is None:
            continue
        account = values.get("bank.account_last4") or f"statement-{index}"
        when = str(values.get("bank.period_end") or "")
        if account not in latest or when >= str(latest[account].get("bank.period_end") or ""):
            latest[account] = values
    if not latest:
        return None
    total = sum((_money(values, "bank.ending_balance") for values in latest.values()), Decimal(0))
    dates = sorted(
        str(values["bank.period_end"]) for values in latest.values() if values.get("bank.period_end")
    )
    accounts = ", ".join(
        f"x{account} ${_money(values, 'bank.ending_balance'):,}"
        if not account.startswith("statement-")
        else f"${_money(values, 'bank.ending_balance'):,}"
        for account, values in sorted(latest.items())
    )
    rule = (
        f"Verified assets ${total:,}: the ending balance of the latest reviewed statement of each account "
        f"({accounts}). Fannie Mae Selling Guide B3-4.2-01 (depository accounts: the most recent statements) "
        "and B3-4.1-01 (reserves in months of the housing payment)."
    )
    return Figure("verified_assets", _q(total), rule), (dates[0] if dates else None)
