"""Checks shown beside the fields: arithmetic the issuer's own figures must satisfy, names, and age.

A check that passes raises the confidence of the fields it ties together (two independent readings that agree
are unlikely to be both wrong); one that fails lowers it, so the reviewer looks there first.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .model import Check, Field

CENT = Decimal("0.01")
# Social Security contribution and benefit base by year (SSA, https://www.ssa.gov/oact/cola/cbb.html).
SOCIAL_SECURITY_WAGE_BASE = {
    2019: Decimal("132900"),
    2020: Decimal("137700"),
    2021: Decimal("142800"),
    2022: Decimal("147000"),
    2023: Decimal("160200"),
    2024: Decimal("168600"),
    2025: Decimal("176100"),
    2026: Decimal("184500"),
}
# Employee Social Security rate 6.2 % (26 U.S.C. 3101(a)); Medicare 1.45 % (3101(b)(1)) plus the Additional
# Medicare Tax of 0.9 % on wages over $200,000 that the employer must withhold (3101(b)(2), 3102(f)).
SOCIAL_SECURITY_RATE = Decimal("0.062")
MEDICARE_RATE = Decimal("0.0145")
ADDITIONAL_MEDICARE_RATE = Decimal("0.009")
ADDITIONAL_MEDICARE_THRESHOLD = Decimal("200000")
# Withholding is rounded per pay period, so a year's total may drift by a few dollars from the annual product.
TOLERANCE = Decimal("5.00")
# Fannie Mae Selling Guide B1-1-03, Allowable Age of Credit Documents: credit documents, including pay stubs and
# bank statements, may be no more than four months (taken here as 120 days) old on the note date.
MAXIMUM_AGE_DAYS = 120
PERIODS_PER_YEAR = {"weekly": 52, "biweekly": 26, "semimonthly": 24, "monthly": 12}


def _money(fields: dict[str, Field], name: str) -> Decimal | None:
    item = fields.get(name)
    return item.value if item is not None and isinstance(item.value, Decimal) else None


def _date(fields: dict[str, Field], name: str) -> date | None:
    item = fields.get(name)
    return item.value if item is not None and isinstance(item.value, date) else None


def _corroborate(fields: dict[str, Field], names: list[str], passed: bool) -> None:
    for name in names:
        item = fields.get(name)
        if item is None:
            continue
        if passed:
            item.confidence = round(min(0.99, max(item.confidence, 0.9) + 0.03), 3)
        else:
            item.confidence = round(min(item.confidence, 0.6), 3)


def run_checks(document_type: str, fields: dict[str, Field], *, borrower_names=(), as_of: date | None = None):
    checks: list[Check] = []
    if document_type == "w2":
        checks += _w2(fields)
    elif document_type == "paystub":
        checks += _paystub(fields)
    elif document_type == "bank_statement":
        checks += _bank(fields)
    if borrower_names:
        checks += _names(document_type, fields, borrower_names)
    if as_of is not None:
        checks += _age(document_type, fields, as_of)
    return checks


def _w2(fields) -> list[Check]:
    checks = []
    year = fields.get("w2.tax_year")
    box1, box3, box4 = (
        _money(fields, "w2.box1_wages"),
        _money(fields, "w2.box3_ss_wages"),
        _money(fields, "w2.box4_ss_tax"),
    )
    box5, box6 = _money(fields, "w2.box5_medicare_wages"), _money(fields, "w2.box6_medicare_tax")
    base = SOCIAL_SECURITY_WAGE_BASE.get(year.value if year else None)
    if box3 is not None and box4 is not None:
        capped = min(box3, base) if base else box3
        expected = (capped * SOCIAL_SECURITY_RATE).quantize(CENT, ROUND_HALF_UP)
        passed = abs(expected - box4) <= TOLERANCE
        basis = f"wage base ${base:,.0f} for {year.value}" if base else "no wage base on file for the year"
        checks.append(
            Check(
                "w2.social_security_tax",
                passed,
                f"Box 4 ${box4:,.2f}; 6.2% of box 3 (${box3:,.2f}, {basis}) is ${expected:,.2f}.",
            )
        )
        _corroborate(fields, ["w2.box3_ss_wages", "w2.box4_ss_tax"], passed)
        if base and box3 > base:
            checks.append(
                Check(
                    "w2.social_security_wage_base",
                    False,
                    f"Box 3 ${box3:,.2f} is above the {year.value} wage base ${base:,.0f}.",
                )
            )
    if box5 is not None and box6 is not None:
        extra = max(Decimal(0), box5 - ADDITIONAL_MEDICARE_THRESHOLD) * ADDITIONAL_MEDICARE_RATE
        expected = (box5 * MEDICARE_RATE + extra).quantize(CENT, ROUND_HALF_UP)
        passed = abs(expected - box6) <= TOLERANCE
        checks.append(
            Check(
                "w2.medicare_tax",
                passed,
                f"Box 6 ${box6:,.2f}; 1.45% of box 5 (${box5:,.2f}) plus 0.9% above $200,000 is "
                f"${expected:,.2f}.",
            )
        )
        _corroborate(fields, ["w2.box5_medicare_wages", "w2.box6_medicare_tax"], passed)
    if box1 is not None and box5 is not None:
        codes = {entry["code"] for entry in (fields.get("w2.box12").value if fields.get("w2.box12") else [])}
        pretax = codes & {"D", "E", "F", "G", "S", "W", "AA", "BB", "EE"}
        if box1 <= box5:
            checks.append(Check("w2.box1_not_above_box5", True, f"Box 1 ${box1:,.2f} ≤ box 5 ${box5:,.2f}."))
        else:
            detail = f"Box 1 ${box1:,.2f} is above box 5 ${box5:,.2f}"
            checks.append(
                Check(
                    "w2.box1_not_above_box5",
                    False,
                    detail
                    + (
                        f"; box 12 codes {', '.join(sorted(pretax))} are pre-tax deferrals that "
                        "usually lower box 1, not raise it."
                        if pretax
                        else "; ask the employer."
                    ),
                )
            )
    return checks


def _paystub(fields) -> list[Check]:
    checks = []
    current, ytd = _money(fields, "paystub.gross_current"), _money(fields, "paystub.gross_ytd")
    pay_date = _date(fields, "paystub.pay_date") or _date(fields, "paystub.period_end")
    frequency = fields.get("paystub.pay_frequency")
    if current is not None and ytd is not None and pay_date is not None and frequency is not None:
        per_year = PERIODS_PER_YEAR.get(frequency.value)
        if per_year:
            day_of_year = pay_date.timetuple().tm_yday
            expected_periods = max(1, round(per_year * day_of_year / 365))
            periods = ytd / current if current else Decimal(0)
            # Overtime, bonuses and raises move one period's gross; allow about two periods of drift.
            passed = current <= ytd and abs(periods - expected_periods) <= max(
                2, expected_periods * Decimal("0.25")
            )
            checks.append(
                Check(
                    "paystub.ytd_consistent",
                    passed,
                    f"YTD ${ytd:,.2f} is {periods:.1f} times this period's ${current:,.2f}; a "
                    f"{frequency.value} schedule has paid about {expected_periods} times by "
                    f"{pay_date.isoformat()}.",
                )
            )
            _corroborate(fields, ["paystub.gross_current", "paystub.gross_ytd"], passed)
    net = _money(fields, "paystub.net_pay")
    if current is not None and net is not None:
        checks.append(
            Check("paystub.net_not_above_gross", net <= current, f"Net ${net:,.2f}, gross ${current:,.2f}.")
        )
    return checks


def _bank(fields) -> list[Check]:
    names = ["bank.beginning_balance", "bank.total_deposits", "bank.total_withdrawals", "bank.ending_balance"]
    begin, deposits, withdrawals, end = (_money(fields, name) for name in names)
    if None in (begin, deposits, withdrawals, end):
        return [
            Check(
                "bank.balance_arithmetic",
                None,
                "Beginning, deposits, withdrawals or ending balance not found.",
            )
        ]
    expected = begin + deposits - abs(withdrawals)
    passed = abs(expected - end) <= CENT
    _corroborate(fields, names, passed)
    checks = [
        Check(
            "bank.balance_arithmetic",
            passed,
            f"${begin:,.2f} + ${deposits:,.2f} − ${abs(withdrawals):,.2f} = ${expected:,.2f}; "
            f"the statement shows ${end:,.2f}.",
        )
    ]
    listed = fields.get("bank.deposits")
    if listed is not None and listed.value:
        total = sum((row["amount"] for row in listed.value), Decimal(0))
        passed = abs(total - deposits) <= CENT
        checks.append(
            Check(
                "bank.deposits_add_up",
                passed,
                f"{len(listed.value)} deposits add up to ${total:,.2f}; the summary says ${deposits:,.2f}.",
            )
        )
        _corroborate(fields, ["bank.deposits"], passed)
    return checks


NAME_FIELDS = {
    "w2": "w2.employee_name",
    "paystub": "paystub.employee_name",
    "bank_statement": "bank.account_holders",
    "1099_nec": "f1099.recipient_name",
}


def _tokens(name: str) -> set[str]:
    return {
        part
        for part in "".join(c if c.isalpha() or c == " " else " " for c in name.lower()).split()
        if len(part) > 1
    }


def names_match(on_document: str, borrower: str) -> bool:
    document_tokens, borrower_tokens = _tokens(on_document), _tokens(borrower)
    if not document_tokens or not borrower_tokens:
        return False
    # First and last name both present, in any order, initials and suffixes ignored.
    return len(document_tokens & borrower_tokens) >= min(2, len(borrower_tokens))


def _names(document_type, fields, borrower_names) -> list[Check]:
    field_name = NAME_FIELDS.get(document_type)
    item = fields.get(field_name) if field_name else None
    if item is None:
        return []
    found = item.value if isinstance(item.value, list) else [item.value]
    passed = any(names_match(name, borrower) for name in found for borrower in borrower_names if borrower)
    return [
        Check(
            "name_matches_borrower",
            passed,
            "The name on the document matches the borrower."
            if passed
            else "The name on the document does not match the borrower on the lead.",
        )
    ]


def _age(document_type, fields, as_of: date) -> list[Check]:
    dated = {"paystub": ("paystub.pay_date", "paystub.period_end"), "bank_statement": ("bank.period_end",)}
    if document_type in dated:
        when = next((_date(fields, name) for name in dated[document_type] if _date(fields, name)), None)
        if when is None:
            return []
        age = (as_of - when).days
        return [
            Check(
                "document_age",
                age <= MAXIMUM_AGE_DAYS,
                f"Dated {when.isoformat()}, {age} days before {as_of.isoformat()}; Fannie Mae Selling Guide "
                f"B1-1-03 allows credit documents up to four months ({MAXIMUM_AGE_DAYS} days) old.",
            )
        ]
    year_field = {"w2": "w2.tax_year", "form_1040": "f1040.tax_year"}.get(document_type)
    if year_field and fields.get(year_field):
        year = fields[year_field].value
        # B1-1-03: the most recent year's W-2 or return is required once it is available (after the IRS filing
        # deadline of April 15); older years support the two-year history only.
        latest = as_of.year - 1 if as_of >= date(as_of.year, 4, 15) else as_of.year - 2
        passed = year >= latest - 1
        return [
            Check(
                "document_age",
                passed,
                f"Tax year {year}; the most recent year required on {as_of.isoformat()} is {latest} "
                "(Fannie Mae Selling Guide B1-1-03), with the year before it for a two-year history.",
            )
        ]
    return []


__all__ = ["run_checks", "names_match"]
