"""Which column feeds which lead field: the choices, a suggestion from header names, and the checks."""

import re

# (field, label) in the order the mapping screen lists them. Names are LeadSubmission's, plus a few the
# adapter spreads out: full_name (split into first and last), other_phone, utm_*.
TARGET_FIELDS = [
    ("first_name", "First name"), ("last_name", "Last name"), ("full_name", "Full name (first and last)"),
    ("email", "Email"), ("phone", "Mobile phone"), ("other_phone", "Other phone"), ("zip", "ZIP code"),
    ("state", "State"), ("preferred_language", "Preferred language"),
    ("contact_preference", "Contact preference"),
    ("purpose", "Loan purpose"), ("loan_type", "Loan type"), ("property_type", "Property type"),
    ("property_use", "Property use"), ("purchase_price", "Purchase price"),
    ("property_value", "Estimated value"), ("down_payment", "Down payment"),
    ("loan_balance", "Current loan balance"), ("credit_score", "Credit score"),
    ("credit_band", "Credit band"), ("timeframe", "Timeframe"), ("first_time_buyer", "First-time buyer"),
    ("veteran", "Veteran / military"), ("annual_income", "Annual income"), ("monthly_debts", "Monthly debts"),
    ("employment_type", "Employment type"), ("has_real_estate_agent", "Has a real estate agent"),
    ("notes", "Notes"), ("external_id", "Lead id from the other system (prevents duplicates)"),
    ("utm_source", "UTM source"), ("utm_medium", "UTM medium"), ("utm_campaign", "UTM campaign"),
    ("gclid", "Google click id (gclid)"), ("referral_partner_email", "Referral partner email"),
]  # fmt: skip
TARGET_LABELS = dict(TARGET_FIELDS)

# Header words people use, after lower-casing and dropping punctuation ("Zip Code" -> "zip code").
HEADER_ALIASES = {
    "first_name": ["first name", "firstname", "first", "fname", "given name", "borrower first name"],
    "last_name": ["last name", "lastname", "last", "lname", "surname", "family name", "borrower last name"],
    "full_name": ["name", "full name", "fullname", "borrower", "borrower name", "contact name",
                  "client name"],
    "email": ["email", "email address", "e mail", "emailaddress", "borrower email"],
    "phone": ["phone", "mobile", "mobile phone", "cell", "cell phone", "phone number", "mobile number",
              "primary phone", "telephone", "borrower phone"],
    "other_phone": ["home phone", "work phone", "other phone", "secondary phone", "alternate phone"],
    "zip": ["zip", "zip code", "zipcode", "postal code", "postcode", "property zip", "subject zip"],
    "state": ["state", "property state", "st"],
    "preferred_language": ["language", "preferred language"],
    "contact_preference": ["contact preference", "preferred contact", "best way to contact"],
    "purpose": ["purpose", "loan purpose", "transaction type", "loan reason"],
    "loan_type": ["loan type", "loan program", "program", "product"],
    "property_type": ["property type", "home type"],
    "property_use": ["property use", "occupancy", "property usage"],
    "purchase_price": ["purchase price", "price", "sales price", "home price"],
    "property_value": ["property value", "estimated value", "home value", "value", "appraised value"],
    "down_payment": ["down payment", "down", "downpayment"],
    "loan_balance": ["loan balance", "current balance", "mortgage balance", "balance",
                     "first mortgage balance"],
    "credit_score": ["credit score", "fico", "fico score", "score"],
    "credit_band": ["credit", "credit rating", "credit band", "credit profile", "credit range"],
    "timeframe": ["timeframe", "time frame", "timeline", "when"],
    "first_time_buyer": ["first time buyer", "first time home buyer", "first time homebuyer", "fthb"],
    "veteran": ["veteran", "military", "va eligible", "veteran military", "military service"],
    "annual_income": ["annual income", "income", "yearly income"],
    "monthly_debts": ["monthly debts", "monthly debt", "debts"],
    "employment_type": ["employment", "employment type", "employment status"],
    "has_real_estate_agent": ["has agent", "agent", "working with agent", "has real estate agent", "realtor"],
    "notes": ["notes", "note", "comments", "comment", "message"],
    "external_id": ["id", "lead id", "leadid", "external id", "crm id", "record id", "contact id"],
    "utm_source": ["utm source", "source"],
    "utm_medium": ["utm medium", "medium"],
    "utm_campaign": ["utm campaign", "campaign"],
    "gclid": ["gclid", "google click id"],
    "referral_partner_email": ["referral partner email", "partner email", "referrer email", "realtor email"],
}  # fmt: skip
_ALIAS_TO_FIELD = {alias: target for target, aliases in HEADER_ALIASES.items() for alias in aliases}
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def header_key(header: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", header.lower()).split())


def suggest_mapping(headers: list[str], previous: dict | None = None) -> dict[str, str]:
    """{column: field} for the columns we can recognise. The source's previous mapping wins for columns it
    knew, so the second file from the same system needs no clicks. Each field is suggested for one column."""
    previous = previous or {}
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        target = previous.get(header)
        if target in TARGET_LABELS and target not in used:
            suggestion[header] = target
            used.add(target)
    for header in headers:
        if header in suggestion:
            continue
        key = header_key(header)
        target = _ALIAS_TO_FIELD.get(key) or _ALIAS_TO_FIELD.get(key.replace(" ", ""))
        if target and target not in used:
            suggestion[header] = target
            used.add(target)
    return suggestion


def check_mapping(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """Problems that make the import pointless or ambiguous; rows are validated later, one by one."""
    problems = []
    for header, target in mapping.items():
        if header not in headers:
            problems.append(f"There is no column called '{header[:100]}'.")
        elif target not in TARGET_LABELS:
            problems.append(f"'{str(target)[:40]}' is not a field leads can be imported into.")
    targets = list(mapping.values())
    for target in sorted({t for t in targets if targets.count(t) > 1}):
        problems.append(
            f"{TARGET_LABELS.get(target, target)} is chosen for more than one column; choose one."
        )
    if not {"first_name", "last_name", "full_name"} & set(targets):
        problems.append("Choose the column with the borrower's name.")
    if not {"email", "phone"} & set(targets):
        problems.append("Choose the column with the phone number or the email address.")
    return problems
