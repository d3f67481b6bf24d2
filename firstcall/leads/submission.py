"""One shape for every channel: adapters parse their format into a LeadSubmission; `normalise` checks and cleans it.

Pure Python: no Django, so every rule here is tested with plain data.
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from firstcall.lib.credit import InvalidCredit, parse_credit
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.geography import US_STATES, InvalidZip, lookup_zip
from firstcall.lib.money import CENT, InvalidMoney, parse_money
from firstcall.lib.phones import InvalidPhone, parse_phone

PURPOSE_ALIASES = {
    "purchase": "purchase", "buy": "purchase", "home purchase": "purchase", "buying": "purchase",
    "refinance": "rate_term_refinance", "refi": "rate_term_refinance", "rate and term refinance": "rate_term_refinance",
    "lower my rate": "rate_term_refinance", "lower rate": "rate_term_refinance", "lower payment": "rate_term_refinance", "rate_term_refinance": "rate_term_refinance",
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
    "90_days": "90_days", "1-3 months": "90_days", "0-3 months": "90_days", "within 3 months": "90_days", "2-3 months": "90_days", "90 days": "90_days",
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
STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX",
    "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV",
    "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR", "guam": "GU", "virgin islands": "VI",
}  # fmt: skip
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
    loan_amount: object = None
    down_payment_percent: object = None
    cash_out_amount: object = None
    current_rate: object = None
    rate_type: object = None
    loan_term: object = None
    city: object = None
    street_address: object = None
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
    phone_extension: str = ""
    other_phones: list = field(default_factory=list)
    street_address: str = ""
    city: str = ""
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
    loan_amount: Decimal | None = None
    down_payment_percent: Decimal | None = None
    cash_out_amount: Decimal | None = None
    current_rate: Decimal | None = None
    rate_type: str = ""
    loan_term_years: int | None = None
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
    # Fields that could not be read: [{"field", "value" (as sent), "message"}]; the lead is kept regardless.
    warnings: list = field(default_factory=list)

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


# Words that settle a choice when the whole answer is not in the alias table ("Cash Out Refinance - Debt
# Consolidation", "FHA Loan", "Single Family Home"). Tried in order; the first keyword found wins.
PURPOSE_KEYWORDS = [
    ("cash", "cash_out_refinance"), ("debt", "cash_out_refinance"), ("heloc", "heloc"), ("equity", "heloc"),
    ("second mortgage", "heloc"), ("refi", "rate_term_refinance"), ("purchas", "purchase"), ("buy", "purchase"),
    ("new home", "purchase"),
]  # fmt: skip
LOAN_TYPE_KEYWORDS = [
    ("fha", "fha"), ("va", "va"), ("usda", "usda"), ("rural", "usda"), ("jumbo", "jumbo"),
    ("conventional", "conventional"), ("conforming", "conventional"), ("conv", "conventional"),
    ("not sure", "not_sure"), ("unsure", "not_sure"),
]  # fmt: skip
PROPERTY_TYPE_KEYWORDS = [
    ("condo", "condo"), ("town", "townhouse"), ("manufactur", "manufactured"), ("mobile", "manufactured"),
    ("multi", "multi_family"), ("duplex", "multi_family"), ("triplex", "multi_family"), ("fourplex", "multi_family"),
    ("2-4", "multi_family"), ("2 4 unit", "multi_family"), ("single", "single_family"), ("detached", "single_family"),
    ("house", "single_family"),
]  # fmt: skip
PROPERTY_USE_KEYWORDS = [
    ("primary", "primary"), ("owner", "primary"), ("live in", "primary"), ("second", "second_home"),
    ("vacation", "second_home"), ("invest", "investment"), ("rental", "investment"), ("non owner", "investment"),
]  # fmt: skip
EMPLOYMENT_KEYWORDS = [
    ("self", "self_employed"), ("1099", "self_employed"), ("business owner", "self_employed"),
    ("retire", "retired"), ("military", "military"), ("w2", "w2"), ("w 2", "w2"), ("employ", "w2"),
]  # fmt: skip
CONTACT_PREFERENCE_KEYWORDS = [("text", "sms"), ("sms", "sms"), ("mail", "email"), ("call", "call"),
                               ("phone", "call")]  # fmt: skip
RATE_TYPE_ALIASES = {"fixed": "fixed", "fixed rate": "fixed", "adjustable": "adjustable", "arm": "adjustable",
                     "adjustable rate": "adjustable", "variable": "adjustable"}  # fmt: skip
RATE_TYPE_KEYWORDS = [("fixed", "fixed"), ("arm", "adjustable"), ("adjustable", "adjustable"),
                      ("variable", "adjustable"), ("hybrid", "adjustable")]  # fmt: skip
TIMEFRAME_KEYWORDS = [
    ("asap", "asap"), ("immediate", "asap"), ("right away", "asap"), ("right now", "asap"), ("today", "asap"),
    ("found a home", "asap"), ("under contract", "asap"), ("signed", "asap"), ("offer accepted", "asap"),
    ("not sure", "unknown"), ("just looking", "unknown"), ("research", "unknown"), ("browsing", "unknown"),
    ("undecided", "unknown"), ("no rush", "12_months_plus"), ("next year", "12_months_plus"),
]  # fmt: skip
_PERIOD = re.compile(r"(\d+(?:\.\d+)?)\s*(?:\+\s*)?(day|week|wk|month|mo|year|yr)", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DAYS_PER = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "year": 365, "yr": 365}
_MONEY_RANGE = re.compile(r"^\$?\s*([\d,.]+\s*[kKmM]?)\s*(?:-|–|to)\s*\$?\s*([\d,.]+\s*[kKmM]?)$")
_PERCENT_WORDS = re.compile(r"%|percent|pct|down|of the price|of price", re.IGNORECASE)
MAX_WARNINGS = 50
WARNING_VALUE_LIMIT = 200


def _keyword_choice(text: str, keywords: list[tuple[str, str]]) -> str:
    words = " " + re.sub(r"[^0-9a-z+]+", " ", text.lower()) + " "
    for keyword, value in keywords:
        # Short keywords ("va", "arm") only as whole words; others as a word's start ("refi" in "refinance").
        whole = len(keyword) <= 2 or keyword == "arm"
        pattern = rf"\b{re.escape(keyword)}\b" if whole else rf"\b{re.escape(keyword)}"
        if re.search(pattern, words):
            return value
    return ""


def parse_choice(value, aliases: dict, label: str, keywords: list | None = None) -> str:
    """A vendor's answer to one of our choices: the alias table first (also each part of "ASAP/Immediately"),
    then keywords. Raises ValueError naming the choices when nothing fits."""
    text = clean_text(value).lower().replace("_", " ").strip()
    if not text:
        return ""
    parts = [text, *[part.strip() for part in re.split(r"[/|,;]| or ", text) if part.strip()]]
    for part in parts:
        for candidate in (
            part,
            part.replace(" ", "_"),
            " ".join(re.sub(r"[^0-9a-z+\- ]", " ", part).split()),
        ):
            if candidate in aliases:
                return aliases[candidate]
    if keywords:
        found = _keyword_choice(text, keywords)
        if found:
            return found
    allowed = sorted(set(aliases.values()))
    raise ValueError(
        f"'{clean_text(value)[:40]}' is not a {label} we know (use one of: {', '.join(allowed)})."
    )


def parse_timeframe(value) -> str:
    """ "0-3 months" -> 90_days, "ASAP/Immediately" -> asap, "Within 30 days" -> 30_days, "6-12 months" ->
    12_months_plus: the alias table, then the longest period named, then keywords."""
    try:
        return parse_choice(value, TIMEFRAME_ALIASES, "timeframe")
    except ValueError:
        pass
    text = clean_text(value).lower()
    periods = _PERIOD.findall(text)
    if periods:
        unit = periods[-1][1].lower()
        numbers = [float(n) for n in _NUMBER.findall(text)]
        days = max(numbers) * _DAYS_PER[unit]
        if "+" in text or re.search(r"\b(over|more than|after|longer|beyond)\b", text):
            days += 1
        if days <= 0:
            return "asap"
        if days <= 31:
            return "30_days"
        if days <= 92:
            return "90_days"
        if days <= 180:
            return "6_months"
        return "12_months_plus"
    found = _keyword_choice(text, TIMEFRAME_KEYWORDS)
    if found:
        return found
    raise ValueError(
        f"'{clean_text(value)[:40]}' is not a timeframe we know "
        f"(use one of: {', '.join(sorted(set(TIMEFRAME_ALIASES.values())))})."
    )


def parse_money_loose(raw) -> Decimal:
    """parse_money, plus what forms offer as choices: "$300,001 - $350,000" (the midpoint), "Under $100K",
    "$1M+"."""
    try:
        return parse_money(raw)
    except InvalidMoney:
        if isinstance(raw, bool) or raw is None:
            raise
    text = " ".join(str(raw).replace("_", " ").strip().lower().split())
    for prefix in ("under ", "less than ", "below ", "over ", "more than ", "above ", "up to ", "about ",
                   "around ", "approx ", "approximately ", "~"):  # fmt: skip
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.rstrip("+").strip()
    match = _MONEY_RANGE.match(text)
    if match:
        low, high = parse_money(match.group(1)), parse_money(match.group(2))
        return ((low + high) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return parse_money(text)


def parse_percent(raw, *, limit: Decimal = Decimal(100)) -> Decimal:
    """ "20% down", "20 %", "20" and 0.2 -> 20 (a percentage: a bare number from a percentage field is a
    percentage, never dollars). A fraction below 1 without a % sign is read as a share (0.065 -> 6.5)."""
    if isinstance(raw, bool):
        raise ValueError("Expected a percentage, got true/false.")
    text = str(raw).strip()
    has_sign = "%" in text or "percent" in text.lower()
    number = _PERCENT_WORDS.sub("", text).replace(",", "").strip()
    try:
        value = Decimal(number)
    except InvalidOperation as error:
        raise ValueError(f"'{text[:30]}' is not a percentage.") from error
    if not value.is_finite() or value < 0:
        raise ValueError(f"'{text[:30]}' is not a percentage.")
    if not has_sign and 0 < value < 1:
        value *= 100
    if value > limit:
        raise ValueError(f"'{text[:30]}' is over {limit} %.")
    return value.quantize(Decimal("0.001"))


def looks_like_percent(raw) -> bool:
    """A down payment given as a share of the price: "20%", "20 percent down", or a bare number up to 100 (no
    home is bought with $20 down)."""
    if isinstance(raw, bool) or raw is None:
        return False
    text = str(raw).strip().lower()
    if "%" in text or "percent" in text:
        return True
    if "$" in text or "k" in text:
        return False
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return False
    return value.is_finite() and 0 < value <= 100


def parse_term_years(raw) -> int:
    """ "30 Year Fixed" -> 30, "15yr" -> 15, 360 (months) -> 30."""
    text = clean_text(raw).lower()
    numbers = [int(float(n)) for n in _NUMBER.findall(text)]
    if not numbers:
        raise ValueError(f"'{text[:30]}' is not a loan term.")
    value = numbers[0]
    if "month" in text or value > 50:
        value = round(value / 12)
    if not 1 <= value <= 50:
        raise ValueError(f"'{text[:30]}' is not a loan term in years.")
    return value


def _as_text(value) -> str:
    if isinstance(value, Decimal):
        return str(value)
    try:
        return clean_text(value, WARNING_VALUE_LIMIT) if not isinstance(value, dict | list) else (
            json.dumps(value, default=str)[:WARNING_VALUE_LIMIT]
        )  # fmt: skip
    except TypeError:
        return str(value)[:WARNING_VALUE_LIMIT]


def normalise(submission: LeadSubmission, *, region: str = "US") -> NormalisedLead:
    """Check and clean a submission, forgivingly.

    Only what makes the borrower reachable is required: a valid phone or a valid email, and a name. Every other
    field that cannot be read is left blank on the lead and reported in `lead.warnings` with its raw value, so
    a cosmetic field never costs a lead. Phone numbers are read as numbers of `region` (the source's country)
    unless they carry a country code. Raises SubmissionInvalid only when the lead cannot be reached."""
    errors: dict[str, list[str]] = {}
    lead = NormalisedLead()

    def warn(field_name: str, raw, message: str) -> None:
        if len(lead.warnings) < MAX_WARNINGS:
            lead.warnings.append({"field": field_name, "value": _as_text(raw), "message": message})

    def attempt(field_name: str, action, raw=None, *, required: bool = False) -> bool:
        try:
            action()
        except (ValueError, TypeError, ArithmeticError, InvalidEmail, InvalidPhone, InvalidZip, InvalidMoney,
                InvalidCredit) as error:  # fmt: skip
            message = str(error) if not isinstance(error, TypeError) else "Expected a text value."
            if required:
                errors.setdefault(field_name, []).append(message)
            else:
                warn(field_name, raw, message + " Kept as sent; not used.")
            return False
        return True

    def set_names():
        lead.first_name = clean_name(submission.first_name)
        lead.last_name = clean_name(submission.last_name)
        if not lead.first_name and not lead.last_name:
            raise ValueError("A first or last name is required.")
        if not lead.first_name and " " in lead.last_name:
            lead.first_name, lead.last_name = lead.last_name.split(" ", 1)

    attempt("first_name", set_names, required=True)

    # Reachability: a bad email beside a good phone (or the reverse) is a warning; both bad is an error.
    contact_errors: dict[str, tuple[object, str]] = {}
    if submission.email not in (None, ""):
        try:
            lead.email = normalise_email(clean_text(submission.email, 254))
        except (InvalidEmail, TypeError, ValueError) as error:
            contact_errors["email"] = (submission.email, str(error) if not isinstance(error, TypeError) else
                                       "Expected a text value.")  # fmt: skip
    if submission.phone not in (None, ""):
        try:
            lead.phone, lead.phone_extension = parse_phone(clean_text(submission.phone, 60), region)
        except (InvalidPhone, TypeError, ValueError) as error:
            contact_errors["phone"] = (submission.phone, str(error) if not isinstance(error, TypeError) else
                                       "Expected a text value.")  # fmt: skip
    for index, other in enumerate(submission.other_phones or []):
        try:
            number, _extension = parse_phone(clean_text(other, 60), region)
        except (InvalidPhone, TypeError, ValueError) as error:
            warn(f"other_phones[{index}]", other, f"{error} Kept as sent; not used.")
            continue
        if number != lead.phone and number not in lead.other_phones:
            lead.other_phones.append(number)
    if not lead.phone and lead.other_phones:
        lead.phone = lead.other_phones.pop(0)
    if lead.email or lead.phone:
        for field_name, (raw, message) in contact_errors.items():
            reach = "the email address" if field_name == "phone" else "the phone number"
            warn(field_name, raw, f"{message} The lead was kept: it can be reached at {reach}.")
    elif contact_errors:
        for field_name, (_raw, message) in contact_errors.items():
            errors.setdefault(field_name, []).append(message)
    else:
        errors.setdefault("phone", []).append(
            "A phone number or an email address is required to reach the borrower."
        )

    def set_zip():
        facts = lookup_zip(clean_text(submission.zip, 10))
        lead.zip_code, lead.county, lead.state, lead.time_zone = (
            facts.zip_code, facts.county, facts.state, facts.time_zone,
        )  # fmt: skip
        if not lead.city:
            lead.city = facts.city

    for text_field, limit in (("city", 80), ("street_address", 200)):
        raw = getattr(submission, text_field)
        if raw not in (None, ""):
            attempt(text_field, lambda raw=raw, name=text_field, limit=limit: setattr(
                lead, name, " ".join(clean_text(raw, limit).split())), raw)  # fmt: skip
    if submission.zip not in (None, ""):
        attempt("zip", set_zip, submission.zip)
    if submission.state not in (None, "") and not lead.state:

        def set_state():
            text = clean_text(submission.state, 40)
            state = STATE_NAMES.get(text.lower(), text.upper())
            if state not in US_STATES:
                raise ValueError(f"'{text[:20]}' is not a US state.")
            lead.state = state

        attempt("state", set_state, submission.state)

    def set_language():
        text = clean_text(submission.preferred_language, 20).lower()
        lead.preferred_language = LANGUAGE_ALIASES.get(text, text[:2] if text else "en")

    attempt("preferred_language", set_language, submission.preferred_language)
    for field_name, aliases, keywords, label in [
        ("contact_preference", CONTACT_PREFERENCE_ALIASES, CONTACT_PREFERENCE_KEYWORDS, "contact preference"),
        ("purpose", PURPOSE_ALIASES, PURPOSE_KEYWORDS, "loan purpose"),
        ("loan_type", LOAN_TYPE_ALIASES, LOAN_TYPE_KEYWORDS, "loan type"),
        ("property_type", PROPERTY_TYPE_ALIASES, PROPERTY_TYPE_KEYWORDS, "property type"),
        ("property_use", PROPERTY_USE_ALIASES, PROPERTY_USE_KEYWORDS, "property use"),
        ("employment_type", EMPLOYMENT_ALIASES, EMPLOYMENT_KEYWORDS, "employment type"),
        ("rate_type", RATE_TYPE_ALIASES, RATE_TYPE_KEYWORDS, "rate type"),
    ]:
        raw = getattr(submission, field_name)
        if raw not in (None, ""):

            def set_choice(raw=raw, aliases=aliases, keywords=keywords, label=label, target=field_name):
                value = parse_choice(raw, aliases, label, keywords)
                if value:
                    setattr(lead, target, value)

            attempt(field_name, set_choice, raw)
    if submission.timeframe not in (None, ""):
        attempt("timeframe", lambda: setattr(lead, "timeframe", parse_timeframe(submission.timeframe)),
                submission.timeframe)  # fmt: skip

    for money_field in ["purchase_price", "property_value", "loan_balance", "loan_amount", "cash_out_amount",
                        "annual_income", "monthly_debts"]:  # fmt: skip
        raw = getattr(submission, money_field)
        if raw not in (None, ""):
            attempt(
                money_field,
                lambda raw=raw, name=money_field: setattr(lead, name, parse_money_loose(raw)),
                raw,
            )
    if submission.down_payment_percent not in (None, ""):
        attempt("down_payment_percent", lambda: setattr(
            lead, "down_payment_percent", parse_percent(submission.down_payment_percent)),
            submission.down_payment_percent)  # fmt: skip
    raw_down = submission.down_payment
    if raw_down not in (None, ""):
        if looks_like_percent(raw_down):
            attempt("down_payment", lambda: setattr(lead, "down_payment_percent", parse_percent(raw_down)),
                    raw_down)  # fmt: skip
        else:
            attempt(
                "down_payment", lambda: setattr(lead, "down_payment", parse_money_loose(raw_down)), raw_down
            )
    if submission.current_rate not in (None, ""):
        attempt("current_rate", lambda: setattr(
            lead, "current_rate", parse_percent(submission.current_rate, limit=Decimal(30))),
            submission.current_rate)  # fmt: skip
    if submission.loan_term not in (None, ""):
        attempt("loan_term", lambda: setattr(lead, "loan_term_years", parse_term_years(submission.loan_term)),
                submission.loan_term)  # fmt: skip
    _derive_amounts(lead)

    def set_credit():
        low, high, band = parse_credit(submission.credit_score, submission.credit_band)
        lead.credit_score_low, lead.credit_score_high, lead.credit_band = low, high, band

    credit_field = "credit_score" if submission.credit_score not in (None, "") else "credit_band"
    if (
        not attempt(credit_field, set_credit, getattr(submission, credit_field))
        and credit_field == "credit_score"
    ):
        if submission.credit_band not in (None, ""):
            attempt(
                "credit_band", lambda: set_credit_band(lead, submission.credit_band), submission.credit_band
            )

    for bool_field in ["first_time_buyer", "veteran", "has_real_estate_agent"]:
        raw = getattr(submission, bool_field)
        attempt(
            bool_field, lambda raw=raw, name=bool_field: setattr(lead, name, parse_yes_no(raw, name)), raw
        )

    attempt(
        "notes", lambda: setattr(lead, "notes", clean_text(submission.notes, MAX_NOTES)), submission.notes
    )
    attempt("external_id", lambda: setattr(lead, "external_id", clean_text(submission.external_id, 200)),
            submission.external_id)  # fmt: skip
    attempt("gclid", lambda: setattr(lead, "gclid", clean_text(submission.gclid, 200)), submission.gclid)
    attempt("referral_partner_email", lambda: setattr(
        lead, "referral_partner_email",
        normalise_email(str(submission.referral_partner_email)) if submission.referral_partner_email else "",
    ), submission.referral_partner_email)  # fmt: skip

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

    attempt("utm", set_utm, submission.utm)

    if errors:
        raise SubmissionInvalid(errors)
    return lead


# Answers to yes/no questions as forms word them ("No Military Service", "Active Duty", "Yes, I am").
_NO_START = re.compile(r"^(no|not|none|never|n/a|civilian)\b")
_YES_START = re.compile(r"^(yes|yep|sure|i am|i have)\b")
_SERVICE_WORDS = re.compile(
    r"\b(veteran|active|military|reserve|reserves|national guard|retired|spouse|served)\b"
)


def parse_yes_no(value, field_name: str = "") -> bool | None:
    try:
        return parse_bool(value)
    except ValueError:
        text = " ".join(clean_text(value).lower().replace("_", " ").split())
        if _NO_START.search(text):
            return False
        if _YES_START.search(text):
            return True
        if field_name == "veteran" and _SERVICE_WORDS.search(text):
            return True
        raise


def set_credit_band(lead: NormalisedLead, band) -> None:
    lead.credit_score_low, lead.credit_score_high, lead.credit_band = parse_credit(None, band)


def _derive_amounts(lead: NormalisedLead) -> None:
    """Fill what follows from what was sent: a percentage down and a price give the amount; a loan amount and
    a price give the down payment; a loan amount and a down payment give the price."""
    hundred = Decimal(100)
    if lead.down_payment_percent is not None and lead.down_payment is None and lead.purchase_price:
        lead.down_payment = (lead.purchase_price * lead.down_payment_percent / hundred).quantize(CENT)
    if lead.purpose == "purchase" or lead.purchase_price or lead.down_payment is not None:
        if lead.loan_amount and lead.purchase_price and lead.down_payment is None:
            if lead.purchase_price >= lead.loan_amount:
                lead.down_payment = lead.purchase_price - lead.loan_amount
        elif lead.loan_amount and lead.down_payment is not None and not lead.purchase_price:
            lead.purchase_price = lead.loan_amount + lead.down_payment
        elif lead.loan_amount and lead.down_payment_percent is not None and not lead.purchase_price:
            share = (hundred - lead.down_payment_percent) / hundred
            if share > 0:
                lead.purchase_price = (lead.loan_amount / share).quantize(CENT)
                lead.down_payment = lead.purchase_price - lead.loan_amount
    if lead.down_payment_percent is None and lead.down_payment is not None and lead.purchase_price:
        lead.down_payment_percent = (lead.down_payment * hundred / lead.purchase_price).quantize(
            Decimal("0.01")
        )


# Fields added after fingerprints were first stored: left out while empty, so a retried delivery still matches.
_LATER_FIELDS = {"phone_extension", "street_address", "city", "loan_amount", "down_payment_percent",
                 "cash_out_amount", "current_rate", "rate_type", "loan_term_years"}  # fmt: skip


def content_fingerprint(lead: NormalisedLead, received_day: str) -> str:
    """Hash of what identifies a submission, for deliveries without a vendor lead id. A day bucket keeps a
    borrower who really does come back next week from being mistaken for a retry."""
    essentials = {
        key: value
        for key, value in lead.as_json().items()
        if key not in {"notes", "warnings"} and not (key in _LATER_FIELDS and value in ("", None))
    }
    blob = json.dumps([essentials, received_day], sort_keys=True, default=str)
    return "hash:" + hashlib.sha256(blob.encode()).hexdigest()
