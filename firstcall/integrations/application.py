"""The loan application as plain data: the one shape the MISMO and Fannie Mae converters read and write.

Pure Python (no Django): converters turn files into this shape and back; `integrations.services` turns a lead
(and its stored `LoanApplication`) into this shape and back. Money is Decimal, dates are `datetime.date`.

    {
      "loan": {"purpose", "amount", "mortgage_type", "term_months", "interest_rate", "amortization",
               "loan_number", "agency_case_number", "heloc"},
      "property": {"street", "city", "state", "zip", "county", "value", "purchase_price", "type", "use",
                   "units", "year_built", "existing_lien_balance"},
      "down_payment": Decimal | None,
      "borrowers": [{"first_name", "middle_name", "last_name", "suffix", "email", "phone", "other_phones",
                     "birth_date", "marital_status", "dependents", "citizenship", "veteran",
                     "military_status", "first_time_buyer", "current_address": {...},
                     "employers": [{"name", "position", "start_date", "self_employed", "phone", "street",
                                    "city", "state", "zip", "years_in_line_of_work"}],
                     "incomes": [{"type", "monthly_amount", "employer"}],   # employer: index or None
                     "declarations": {name: bool | str}}],
      "assets": [{"type", "institution", "account_number", "value", "borrowers": [index, ...]}],
      "liabilities": [{"type", "creditor", "account_number", "monthly_payment", "unpaid_balance",
                       "months_left", "paid_off", "borrowers": [index, ...]}],
      "loan_officer": {"name", "first_name", "last_name", "nmls_id", "email", "phone"},
      "lender": {"name", "nmls_id", "street", "city", "state", "zip"},
      "lead": {FirstCall lead fields no standard holds: "credit_band", "credit_score_low", ...},
    }

Purposes, mortgage types, property types and uses are FirstCall's own values (`leads.models.Lead`); the
converters map them to each standard's enumerations.
"""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

PURPOSES = ("purchase", "rate_term_refinance", "cash_out_refinance", "heloc")
MORTGAGE_TYPES = ("conventional", "fha", "va", "usda", "other")
PROPERTY_TYPES = ("single_family", "condo", "townhouse", "manufactured", "multi_family")
PROPERTY_USES = ("primary", "second_home", "investment")
MARITAL_STATUSES = ("married", "separated", "unmarried")
CITIZENSHIPS = ("us_citizen", "permanent_resident", "non_permanent_resident")
INCOME_TYPES = (
    "base", "overtime", "bonus", "commissions", "military_base_pay", "social_security", "pension",
    "alimony", "child_support", "dividends_interest", "net_rental", "disability", "unemployment",
    "va_benefits", "other",
)  # fmt: skip
ASSET_TYPES = (
    "checking", "savings", "money_market", "certificate_of_deposit", "mutual_fund", "stock", "bond",
    "retirement", "trust", "life_insurance", "cash_on_hand", "gift", "other",
)  # fmt: skip
LIABILITY_TYPES = (
    "revolving",
    "installment",
    "mortgage",
    "heloc",
    "open_30_day",
    "lease",
    "collection",
    "other",
)
DECLARATIONS = (
    # URLA Section 5 (Form 1003, 2021): the borrower's declarations, yes/no unless stated.
    "intent_to_occupy",  # 5a A
    "homeowner_past_three_years",  # 5a A
    "family_relationship_with_seller",  # 5a B
    "undisclosed_borrowed_funds",  # 5a C
    "undisclosed_mortgage_application",  # 5a D
    "undisclosed_credit_application",  # 5a D
    "clean_energy_lien",  # 5a E
    "comaker_of_note",  # 5b F
    "outstanding_judgments",  # 5b G
    "presently_delinquent",  # 5b H
    "party_to_lawsuit",  # 5b I
    "deed_in_lieu",  # 5b J
    "short_sale",  # 5b K
    "foreclosure",  # 5b L
    "bankruptcy",  # 5b M
)
# Lead fields that neither MISMO nor the 1003 flat file has an element for: carried in FirstCall's own
# extension (MISMO EXTENSION/OTHER, .fnm ADS records) so a file that leaves FirstCall comes back whole.
LEAD_EXTRA_FIELDS = (
    "loan_type", "credit_band", "credit_score_low", "credit_score_high", "timeframe", "employment_type",
    "annual_income", "monthly_debts", "has_real_estate_agent", "contact_preference", "preferred_language",
    "first_time_buyer", "veteran",
)  # fmt: skip
LEAD_EXTRA_MONEY = ("annual_income", "monthly_debts")
LEAD_EXTRA_INTEGERS = ("credit_score_low", "credit_score_high")
LEAD_EXTRA_BOOLEANS = ("has_real_estate_agent", "first_time_buyer", "veteran")


def empty_application() -> dict:
    return {
        "loan": {},
        "property": {},
        "down_payment": None,
        "borrowers": [],
        "assets": [],
        "liabilities": [],
        "loan_officer": {},
        "lender": {},
        "lead": {},
    }


def empty_borrower() -> dict:
    return {
        "first_name": "",
        "middle_name": "",
        "last_name": "",
        "suffix": "",
        "email": "",
        "phone": "",
        "other_phones": [],
        "employers": [],
        "incomes": [],
        "declarations": {},
        "current_address": {},
    }


def money(value) -> Decimal | None:
    """Decimal with cents, or None for blank; raises ValueError on anything that is not a number."""
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as error:
        raise ValueError(f"'{str(value)[:30]}' is not an amount") from error
    if not amount.is_finite():
        raise ValueError(f"'{str(value)[:30]}' is not an amount")
    return amount.quantize(CENT, ROUND_HALF_UP)


def monthly_income(borrower: dict) -> Decimal | None:
    amounts = [item["monthly_amount"] for item in borrower.get("incomes", []) if item.get("monthly_amount")]
    return sum(amounts, Decimal("0.00")) if amounts else None


def total_monthly_income(application: dict) -> Decimal | None:
    totals = [monthly_income(b) for b in application["borrowers"]]
    totals = [t for t in totals if t is not None]
    return sum(totals, Decimal("0.00")) if totals else None


def total_monthly_debts(application: dict) -> Decimal | None:
    """Payments that continue after closing: liabilities not paid off by this loan."""
    payments = [
        item["monthly_payment"]
        for item in application["liabilities"]
        if item.get("monthly_payment") is not None and not item.get("paid_off")
    ]
    return sum(payments, Decimal("0.00")) if payments else None


def _jsonable(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(CENT) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def to_json(application: dict) -> dict:
    """A JSON-safe deep copy: Decimal -> "123.45", date -> "2026-01-31"."""
    return _jsonable(copy.deepcopy(application))


def _parse_date(value):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


MONEY_KEYS = {
    "loan": ("amount",),
    "property": ("value", "purchase_price", "existing_lien_balance"),
    "assets": ("value",),
    "liabilities": ("monthly_payment", "unpaid_balance"),
    "incomes": ("monthly_amount",),
}


def from_json(data: dict) -> dict:
    """The inverse of to_json, for an application stored as JSON: amounts back to Decimal, dates to date."""
    application = empty_application()
    application.update(copy.deepcopy(data))
    loan, prop = application["loan"], application["property"]
    for key in MONEY_KEYS["loan"]:
        if key in loan:
            loan[key] = money(loan[key])
    if loan.get("interest_rate") not in (None, ""):
        loan["interest_rate"] = Decimal(str(loan["interest_rate"]))
    for key in MONEY_KEYS["property"]:
        if key in prop:
            prop[key] = money(prop[key])
    application["down_payment"] = money(application.get("down_payment"))
    for item in application["assets"]:
        item["value"] = money(item.get("value"))
    for item in application["liabilities"]:
        for key in MONEY_KEYS["liabilities"]:
            item[key] = money(item.get(key))
    for borrower in application["borrowers"]:
        for income in borrower.get("incomes", []):
            income["monthly_amount"] = money(income.get("monthly_amount"))
        borrower["birth_date"] = _parse_date(borrower.get("birth_date"))
        for employer in borrower.get("employers", []):
            employer["start_date"] = _parse_date(employer.get("start_date"))
    extra = application["lead"]
    for key in LEAD_EXTRA_MONEY:
        if key in extra:
            extra[key] = money(extra[key])
    return application


def contract_summary(application: dict) -> dict:
    """The command-line contract's borrowers, loan and property (see docs/integrations.md)."""
    borrowers = []
    for borrower in application["borrowers"]:
        income = monthly_income(borrower)
        borrowers.append(
            {
                "first_name": borrower.get("first_name", ""),
                "middle_name": borrower.get("middle_name", ""),
                "last_name": borrower.get("last_name", ""),
                "email": borrower.get("email", ""),
                "phone": borrower.get("phone", ""),
                "monthly_income": _jsonable(income),
                "marital_status": borrower.get("marital_status", ""),
                "citizenship": borrower.get("citizenship", ""),
                "veteran": borrower.get("veteran"),
                "employers": [e.get("name", "") for e in borrower.get("employers", [])],
            }
        )
    loan, prop = application["loan"], application["property"]
    return {
        "borrowers": borrowers,
        "loan": {
            "purpose": loan.get("purpose", ""),
            "amount": _jsonable(loan.get("amount")),
            "mortgage_type": loan.get("mortgage_type", ""),
            "term_months": loan.get("term_months"),
            "interest_rate": _jsonable(loan.get("interest_rate")),
            "loan_number": loan.get("loan_number", ""),
        },
        "property": {
            "street": prop.get("street", ""),
            "city": prop.get("city", ""),
            "state": prop.get("state", ""),
            "zip": prop.get("zip", ""),
            "value": _jsonable(prop.get("value")),
            "purchase_price": _jsonable(prop.get("purchase_price")),
            "type": prop.get("type", ""),
            "use": prop.get("use", ""),
        },
        "assets": len(application["assets"]),
        "liabilities": len(application["liabilities"]),
        "loan_officer": {
            "name": application["loan_officer"].get("name", ""),
            "nmls_id": application["loan_officer"].get("nmls_id", ""),
        },
    }


def digits(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


def ten_digit_phone(e164_or_text: str) -> str:
    """US phone as the ten digits MISMO and the 1003 file use (ContactPointTelephoneValue, 03A-080)."""
    number = digits(e164_or_text)
    if len(number) == 11 and number.startswith("1"):
        number = number[1:]
    return number


def e164_phone(ten_digits: str) -> str:
    number = digits(ten_digits)
    if len(number) == 10:
        return "+1" + number
    if len(number) == 11 and number.startswith("1"):
        return "+" + number
    return ""
