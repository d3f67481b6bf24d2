"""One shape for every channel: adapters parse their format into a LeadSubmission; `normalise` checks and cleans it.

Pure Python: no Django, so every rule here is tested with plain data.
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from firstcall.lib.credit import InvalidCredit, parse_credit
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.geography import US_STATES, InvalidZip, lookup_zip
from firstcall.lib.money import InvalidMoney, parse_money
from firstcall.lib.phones import InvalidPhone, normalise_phone

PURPOSE_ALIASES = {
    "purchase": "purchase", "buy": "purchase", "home purchase": "purchase", "buying": "purchase",
    "refinance": "rate_term_refinance", "refi": "rate_term_refinance", "rate_term_refinance": "rate_term_refinance",
    "rate/term refinance": "rate_term_refinance", "rate term refinance": "rate_term_refinance",
    "cash_out_refinance": "cash_out_refinance", "cash-out refinance": "cash_out_refinance",
    "cash out refinance": "cash_out_refinance", "cash out": "cash_out_refinance", "cashout": "cash_out_refinance",
    "heloc": "heloc", "home equity": "heloc", "home equity line": "heloc",
}  # fmt: skip
LOAN_TYPE_ALIASES = {
    "conventional": "conventional", "conv": "conventional", "fha": "fha", "va": "va", "usda": "usda",
    "rural": "usda", "jumbo": "jumbo", "not_sure": "not_sure", "not sure": "not_sure", "unsure": "not_sure",
    "other": "not_sure", "unknown": "not_sure",
}  # fmt: skip
PROPERTY_TYPE_ALIASES = {
    "single_family": "single_family", "single family": "single_family", "sfr": "single_family",
    "house": "single_family", "condo": "condo", "condominium": "condo", "townhouse": "townhouse",
    "townhome": "townhouse", "manufactured": "manufactured", "mobile home": "manufactured",
    "multi_family": "multi_family", "multi family": "multi_family", "2-4 units": "multi_family",
    "multi-family": "multi_family", "duplex": "multi_family",
}  # fmt: skip
PROPERTY_USE_ALIASES = {
    "primary": "primary", "primary residence": "primary", "owner occupied": "primary",
    "second_home": "second_home", "second home": "second_home", "vacation": "second_home",
    "investment": "investment", "rental": "investment", "investment property": "investment",
}  # fmt: skip
TIMEFRAME_ALIASES = {
    "asap": "asap", "immediately": "asap", "now": "asap", "right away": "asap",
    "30_days": "30_days", "30 days": "30_days", "within 30 days": "30_days", "1 month": "30_days",
    "90_days": "90_days", "1-3 months": "90_days", "2-3 months": "90_days", "90 days": "90_days",
    "6_months": "6_months", "3-6 months": "6_months", "6 months": "6_months",
    "12_months_plus": "12_months_plus", "6+ months": "12_months_plus", "6-12 months": "12_months_plus",
    "12+ months": "12_months_plus", "over a year": "12_months_plus", "later": "12_months_plus",
    "unknown": "unknown", "not sure": "unknown", "just looking": "unknown",
}  # fmt: skip
EMPLOYMENT_ALIASES = {
    "w2": "w2", "employed": "w2", "salaried": "w2", "self_employed": "self_employed", "self employed": "self_employed",
    "self-employed": "self_employed", "1099": "self_employed", "retired": "retired", "military": "military",
    "other": "other", "unemployed": "other",
}  # fmt: skip
CONTACT_PREFERENCE_ALIASES = {
    "any": "any", "sms": "sms", "text": "sms", "email": "email", "call": "call", "phone": "call",
}  # fmt: skip
TRUE_WORDS = {"true", "yes", "y", "1", "on", "checked", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "off", "f", ""}
LANGUAGE_ALIASES = {"english": "en", "spanish": "es", "español": "es", "espanol": "es", "chinese": "zh",
                    "vietnamese": "vi", "korean": "ko", "tagalog": "tl", "portuguese": "pt"}  # fmt: skip

MAX_TEXT = 200
MAX_NOTES = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible format characters (zero-width space, BOM, soft hyphen, bidi overrides and isolates): they would let
# "Ana" and "A\u200bna" become two leads, and a right-to-left override can make a name display as another.
_INVISIBLE = re.compile(
    r"[\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


@dataclass
class ConsentInput:
    sms: bool = False
    email: bool = False
    calls: bool = False
    text: str = ""
    ip: str | None = None
    user_agent: str = ""
    page_url: str = ""
    trusted_form_url: str = ""
    leadid_token: str = ""


@dataclass
class LeadSubmission:
    """What a channel adapter hands to capture(): raw values, strings or numbers, still unchecked."""

    first_name: object = None
    last_name: object = None
    email: object = None
    phone: object = None
    other_phones: list = field(default_factory=list)
    zip: object = None
    state: object = None
    preferred_language: object = None
    contact_preference: object = None
    purpose: object = None
    loan_type: object = None
    property_type: object = None
    property_use: object = None
    purchase_price: object = None
    property_value: object = None
    down_payment: object = None
    loan_balance: object = None
    credit_score: object = None
    credit_band: object = None
    timeframe: object = None
    first_time_buyer: object = None
    veteran: object = None
    annual_income: object = None
    monthly_debts: object = None
    employment_type: object = None
    has_real_estate_agent: object = None
    notes: object = None
    external_id: object = None
    utm: dict = field(default_factory=dict)
    gclid: object = None
    campaign: object = None
    referral_partner_email: object = None
    consent: ConsentInput | None = None
    is_test: bool = False
    unknown_fields: dict = field(default_factory=dict)


@dataclass
class NormalisedLead:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    other_phones: list = field(default_factory=list)
    zip_code: str = ""
    county: str = ""
    state: str = ""
    time_zone: str = ""
    preferred_language: str = "en"
    contact_preference: str = "any"
    purpose: str = ""
    loan_type: str = "not_sure"
    property_type: str = ""
    property_use: str = ""
    purchase_price: Decimal | None = None
    property_value: Decimal | None = None
    down_payment: Decimal | None = None
    loan_balance: Decimal | None = None
    credit_score_low: int | None = None
    credit_score_high: int | None = None
    credit_band: str = ""
    timeframe: str = "unknown"
    first_time_buyer: bool | None = None
    veteran: bool | None = None
    annual_income: Decimal | None = None
    monthly_debts: Decimal | None = None
    employment_type: str = ""
    has_real_estate_agent: bool | None = None
    notes: str = ""
    external_id: str = ""
    utm: dict = field(default_factory=dict)
    gclid: str = ""
    referral_partner_email: str = ""

    @property
    def name_key(self) -> str:
        if not (self.first_name and self.last_name):
            return ""
        return f"{self.first_name.lower()}|{self.last_name.lower()}"

    def as_json(self) -> dict:
        return {
            key: (str(value) if isinstance(value, Decimal) else value) for key, value in asdict(self).items()
        }


class SubmissionInvalid(ValueError):
    """Field-level problems a person can act on: {"email": ["'x' is not a valid email address"]}."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{field_name}: {' '.join(msgs)}" for field_name, msgs in errors.items()))


def clean_text(value, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float | Decimal):
        raise TypeError("expected text")
    text = unicodedata.normalize("NFKC", str(value))
    text = _INVISIBLE.sub("", _CONTROL.sub("", text)).replace("\r\n", "\n").strip()
    return text[:limit]


def clean_name(value) -> str:
    text = " ".join(clean_text(value, 80).split())
    # "MARIA" and "maria" become "Maria"; "McDonald" and "de la Cruz" are left as typed.
    if text and (text.isupper() or text.islower()):
        text = " ".join(part[:1].upper() + part[1:].lower() for part in text.split(" "))
        text = "-".join(part[:1].upper() + part[1:] for part in text.split("-"))
    return text


def parse_bool(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return None if text == "" else False
    raise ValueError(f"'{str(value)[:20]}' is not yes or no.")


def _choice(value, aliases: dict, label: str) -> str:
    text = clean_text(value).lower().replace("_", " ").strip()
    if not text:
        return ""
    for candidate in (text, text.replace(" ", "_")):
        if candidate in aliases:
            return aliases[candidate]
    allowed = sorted(set(aliases.values()))
    raise ValueError(
        f"'{clean_text(value)[:40]}' is not a {label} we know (use one of: {', '.join(allowed)})."
    )


def normalise(submission: LeadSubmission) -> NormalisedLead:
    """Check and clean a submission. Raises SubmissionInvalid listing every problem at once."""
    errors: dict[str, list[str]] = {}
    lead = NormalisedLead()

    def attempt(field_name: str, action):
        try:
            action()
        except (ValueError, TypeError, ArithmeticError, InvalidEmail, InvalidPhone, InvalidZip, InvalidMoney,
                InvalidCredit) as error:  # fmt: skip
            message = str(error) if not isinstance(error, TypeError) else "Expected a text value."
            errors.setdefault(field_name, []).append(message)

    def set_names():
        lead.first_name = clean_name(submission.first_name)
        lead.last_name = clean_name(submission.last_name)
        if not lead.first_name and not lead.last_name:
            raise ValueError("A first or last name is required.")
        if not lead.first_name and " " in lead.last_name:
            lead.first_name, lead.last_name = lead.last_name.split(" ", 1)

    attempt("first_name", set_names)

    if submission.email not in (None, ""):
        attempt("email", lambda: setattr(lead, "email", normalise_email(clean_text(submission.email, 254))))
    if submission.phone not in (None, ""):
        attempt("phone", lambda: setattr(lead, "phone", normalise_phone(clean_text(submission.phone, 40))))
    for index, other in enumerate(submission.other_phones or []):
        attempt(
            f"other_phones[{index}]",
            lambda other=other: lead.other_phones.append(normalise_phone(str(other))),
        )
    if not lead.email and not lead.phone and "email" not in errors and "phone" not in errors:
        errors.setdefault("phone", []).append(
            "A phone number or an email address is required to reach the borrower."
        )

    def set_zip():
        facts = lookup_zip(clean_text(submission.zip, 10))
        lead.zip_code, lead.county, lead.state, lead.time_zone = (
            facts.zip_code, facts.county, facts.state, facts.time_zone,
        )  # fmt: skip

    if submission.zip not in (None, ""):
        attempt("zip", set_zip)
    if submission.state not in (None, "") and not lead.state:

        def set_state():
            state = clean_text(submission.state, 2).upper()
            if state not in US_STATES:
                raise ValueError(f"'{clean_text(submission.state, 20)}' is not a US state code.")
            lead.state = state

        attempt("state", set_state)

    def set_language():
        text = clean_text(submission.preferred_language, 20).lower()
        lead.preferred_language = LANGUAGE_ALIASES.get(text, text[:2] if text else "en")

    attempt("preferred_language", set_language)
    for field_name, aliases, label, target in [
        ("contact_preference", CONTACT_PREFERENCE_ALIASES, "contact preference", "contact_preference"),
        ("purpose", PURPOSE_ALIASES, "loan purpose", "purpose"),
        ("loan_type", LOAN_TYPE_ALIASES, "loan type", "loan_type"),
        ("property_type", PROPERTY_TYPE_ALIASES, "property type", "property_type"),
        ("property_use", PROPERTY_USE_ALIASES, "property use", "property_use"),
        ("timeframe", TIMEFRAME_ALIASES, "timeframe", "timeframe"),
        ("employment_type", EMPLOYMENT_ALIASES, "employment type", "employment_type"),
    ]:
        raw = getattr(submission, field_name)
        if raw not in (None, ""):

            def set_choice(raw=raw, aliases=aliases, label=label, target=target):
                value = _choice(raw, aliases, label)
                if value:
                    setattr(lead, target, value)

            attempt(field_name, set_choice)

    for money_field in ["purchase_price", "property_value", "down_payment", "loan_balance", "annual_income",
                        "monthly_debts"]:  # fmt: skip
        raw = getattr(submission, money_field)
        if raw not in (None, ""):
            attempt(money_field, lambda raw=raw, name=money_field: setattr(lead, name, parse_money(raw)))

    def set_credit():
        low, high, band = parse_credit(submission.credit_score, submission.credit_band)
        lead.credit_score_low, lead.credit_score_high, lead.credit_band = low, high, band

    attempt("credit_score" if submission.credit_score not in (None, "") else "credit_band", set_credit)

    for bool_field in ["first_time_buyer", "veteran", "has_real_estate_agent"]:
        raw = getattr(submission, bool_field)
        attempt(bool_field, lambda raw=raw, name=bool_field: setattr(lead, name, parse_bool(raw)))

    attempt("notes", lambda: setattr(lead, "notes", clean_text(submission.notes, MAX_NOTES)))
    attempt("external_id", lambda: setattr(lead, "external_id", clean_text(submission.external_id, 200)))
    attempt("gclid", lambda: setattr(lead, "gclid", clean_text(submission.gclid, 200)))
    attempt("referral_partner_email", lambda: setattr(
        lead, "referral_partner_email",
        normalise_email(str(submission.referral_partner_email)) if submission.referral_partner_email else "",
    ))  # fmt: skip

    def set_utm():
        if not isinstance(submission.utm, dict):
            raise ValueError("utm must be an object of utm_* fields.")
        utm = {}
        for key, value in list(submission.utm.items())[:20]:
            name = clean_text(key, 40).lower()
            if not name.startswith("utm_"):
                name = "utm_" + name
            utm[name] = clean_text(value, 200)
        if submission.campaign and "utm_campaign" not in utm:
            utm["utm_campaign"] = clean_text(submission.campaign, 200)
        lead.utm = utm

    attempt("utm", set_utm)

    if errors:
        raise SubmissionInvalid(errors)
    return lead


def content_fingerprint(lead: NormalisedLead, received_day: str) -> str:
    """Hash of what identifies a submission, for deliveries without a vendor lead id. A day bucket keeps a
    borrower who really does come back next week from being mistaken for a retry."""
    essentials = {key: value for key, value in lead.as_json().items() if key not in {"notes"}}
    blob = json.dumps([essentials, received_day], sort_keys=True, default=str)
    return "hash:" + hashlib.sha256(blob.encode()).hexdigest()
