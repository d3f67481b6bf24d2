"""Per-source field mappings kept as data: a vendor's payload (nested dicts from JSON, forms or XML) to one
LeadSubmission. A new vendor is onboarded by writing a mapping, never code.

Pure Python (no Django), so every rule is tested with plain data. The format, stored in
LeadSource.field_mapping:

    {
      "fields": {
        "first_name": ["Borrower.FirstName", "fname"],         # paths tried in order; first non-empty wins
        "credit_band": {"paths": ["CreditRating"],             # value map: vendor words to our values
                        "map": {"Excellent": "740-850", "Good": "good", "*": "fair"}},
        "purchase_price": {"paths": ["Price"], "transform": "money"},
        "notes": {"combine": ["Comments", "BestTimeToCall"], "separator": "\\n", "label": true},
        "is_test": {"paths": ["Mode"], "map": {"test": true}, "default": false}
      },
      "constants": {"loan_type": "fha", "consent.calls": true},   # fixed values
      "ignore": ["SubId", "Affiliate.Password"],                 # never reported as unmapped
      "use_defaults": true                                       # also try DEFAULT_FIELDS (the default)
    }

Field rules may also sit at the top level ({"first_name": "FName"}), which is handy for short mappings.

Paths: segments joined by "."; keys match exactly, then ignoring case, then ignoring case and punctuation
("first_name" finds "FirstName", "First Name", "first-name"). "0" or "[0]" indexes a list ("-1" is the last),
"[column_id=EMAIL]" picks the first object of a list whose column_id is EMAIL, "**" searches any depth.

Targets: the LeadSubmission fields, plus "full_name" (split into first and last), "loan_amount" (derives the
down payment of a purchase or the balance of a refinance), "utm.<name>", and
"consent.<sms|email|calls|all|text|ip|user_agent|page_url|trusted_form_url|leadid_token>".

Transforms ("transform": name or list, applied after the value map): money (also "$300,001 - $350,000" ranges,
which give the midpoint), credit ("Excellent (720+)" -> "720+"), bool, url, digits, zip5, int, lower, upper,
title, strip, first_name, last_name, join. A transform that cannot apply returns nothing, so the next path
is tried.
"""

import ipaddress
import math
import re
from collections import deque
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from firstcall.leads.submission import ConsentInput, LeadSubmission
from firstcall.lib.money import InvalidMoney, parse_money

MISSING = object()

# Fields of LeadSubmission a mapping may fill (the rest are built here: consent, unknown_fields).
SUBMISSION_TARGETS = {f.name for f in fields(LeadSubmission) if f.name not in {"consent", "unknown_fields"}}
PSEUDO_TARGETS = {"full_name", "loan_amount"}
CONSENT_TARGETS = {
    "consent.sms", "consent.email", "consent.calls", "consent.all", "consent.text", "consent.ip",
    "consent.user_agent", "consent.page_url", "consent.trusted_form_url", "consent.leadid_token",
}  # fmt: skip
_UTM_TARGET = re.compile(r"^utm\.[a-z0-9_]{1,40}$")
RESERVED_KEYS = {"fields", "constants", "ignore", "use_defaults", "description", "page_access_token"}
RULE_KEYS = {
    "paths",
    "path",
    "map",
    "transform",
    "transforms",
    "combine",
    "separator",
    "label",
    "default",
    "value",
}

MAX_PATHS_PER_FIELD = 30
MAX_PATH_LENGTH = 300
MAX_PATH_SEGMENTS = 16
MAX_UNKNOWN_FIELDS = 100
MAX_UNKNOWN_VALUE = 500
MAX_NODES = 20_000  # nodes visited when flattening or searching a payload: bounds the work per request

# Keys whose values are never copied to unknown_fields: credentials, and sensitive borrower data that
# FirstCall only keeps encrypted (the raw payload stays on the intake record for the admin).
SECRET_KEYS = {"key", "apikey", "googlekey", "password", "secret", "token", "accesstoken", "pageaccesstoken"}
SENSITIVE_KEYS = {"ssn", "socialsecuritynumber", "dob", "dateofbirth", "birthdate", "birthday"}
NOT_STORED = "[not stored]"


# Field names common among lead vendors, aggregators and form builders. Matching ignores case and punctuation,
# so "first_name" also finds FirstName, First-Name and "First Name". Each is tried at the top level first,
# then at any depth. Sources: Google Ads and Meta standard question ids; the LeadiD (UniversalLeadid) and
# TrustedForm (xxTrustedFormCertUrl) fields lead vendors pass (docs/REFERENCE.md §4.1, §5).
def _names(text: str) -> list[str]:
    return text.split()


DEFAULT_FIELDS: dict[str, dict] = {
    "first_name": {"paths": _names("first_name fname given_name borrower_first_name")},
    "last_name": {"paths": _names("last_name lname surname family_name borrower_last_name")},
    "full_name": {"paths": _names("full_name name contact_name borrower_name applicant_name")},
    "email": {"paths": _names("email email_address e_mail emailaddr work_email")},
    "phone": {
        "paths": _names(
            "cell_phone mobile_phone mobile cell phone phone_number primary_phone home_phone day_phone "
            "daytime_phone evening_phone work_phone telephone"
        )
    },
    "other_phones": {
        "paths": _names("home_phone work_phone evening_phone day_phone secondary_phone alternate_phone")
    },
    "zip": {"paths": _names("zip zip_code postal_code post_code property_zip zip5"), "transform": "zip5"},
    "state": {"paths": _names("state property_state state_code region province")},
    "preferred_language": {"paths": _names("preferred_language language")},
    "contact_preference": {
        "paths": _names("contact_preference best_contact_method preferred_contact_method")
    },
    "purpose": {
        "paths": _names("loan_purpose purpose product loan_product"),
        "map": {
            "new purchase": "purchase", "home purchase": "purchase", "purchase loan": "purchase",
            "refi": "refinance", "refinance loan": "refinance", "home refinance": "refinance",
            "rate and term": "rate_term_refinance", "rate/term": "rate_term_refinance",
            "cash-out": "cash_out_refinance", "cash out refi": "cash_out_refinance",
            "cashout refinance": "cash_out_refinance", "debt consolidation": "cash_out_refinance",
            "home equity loan": "heloc", "home equity line of credit": "heloc",
        },
    },
    "loan_type": {
        "paths": _names("loan_type loan_program program mortgage_type"),
        "map": {
            "fha loan": "fha", "va loan": "va", "usda loan": "usda", "conventional loan": "conventional",
            "jumbo loan": "jumbo", "no preference": "not_sure", "any": "not_sure", "undecided": "not_sure",
        },
    },
    "property_type": {"paths": _names("property_type home_type property_description")},
    "property_use": {"paths": _names("property_use occupancy occupancy_type property_usage")},
    "purchase_price": {"paths": _names("purchase_price home_price price sales_price"), "transform": "money"},
    "property_value": {
        "paths": _names("property_value estimated_value est_value home_value estimated_home_value"),
        "transform": "money",
    },
    "down_payment": {"paths": _names("down_payment down_payment_amount downpayment"), "transform": "money"},
    "loan_balance": {
        "paths": _names(
            "loan_balance current_balance mortgage_balance first_mortgage_balance existing_balance balance"
        ),
        "transform": "money",
    },
    "loan_amount": {
        "paths": _names("loan_amount requested_loan_amount desired_loan_amount"),
        "transform": "money",
    },
    "credit_score": {"paths": _names("credit_score fico fico_score score"), "transform": "credit"},
    "credit_band": {
        "paths": _names("credit_rating credit_band credit credit_profile est_credit self_credit_rating"),
        "transform": "credit",
    },
    "timeframe": {
        "paths": _names("timeframe time_frame purchase_timeframe buying_timeframe when_to_buy move_timeframe")
    },
    "first_time_buyer": {"paths": _names("first_time_buyer first_time_home_buyer first_time_homebuyer")},
    "veteran": {
        "paths": _names("veteran va_eligible military military_status is_veteran military_service"),
        "map": {
            "active duty": "yes", "active military": "yes", "veteran": "yes", "retired military": "yes",
            "reserves": "yes", "national guard": "yes", "none": "no", "no military service": "no",
            "not military": "no", "civilian": "no",
        },
    },
    "annual_income": {
        "paths": _names("annual_income income household_income yearly_income"),
        "transform": "money",
    },
    "monthly_debts": {
        "paths": _names("monthly_debts monthly_debt monthly_debt_payments"),
        "transform": "money",
    },
    "employment_type": {"paths": _names("employment_type employment_status employment")},
    "has_real_estate_agent": {
        "paths": _names("has_real_estate_agent has_agent working_with_agent has_realtor working_with_realtor")
    },
    "notes": {"paths": _names("notes comments comment message additional_info")},
    "external_id": {"paths": _names("lead_id external_id vendor_lead_id lead_uuid leadgen_id qf_name")},
    "gclid": {"paths": _names("gclid gcl_id")},
    "campaign": {"paths": _names("campaign campaign_name")},
    "referral_partner_email": {"paths": _names("referral_partner_email referral_email partner_email")},
    "is_test": {"paths": _names("is_test test test_lead test_mode")},
    "utm": {"paths": ["utm"]},
    "utm.utm_source": {"paths": ["utm_source"]},
    "utm.utm_medium": {"paths": ["utm_medium"]},
    "utm.utm_campaign": {"paths": ["utm_campaign"]},
    "utm.utm_term": {"paths": ["utm_term"]},
    "utm.utm_content": {"paths": ["utm_content"]},
    "consent.all": {"paths": _names("tcpa_consent consent tcpa_opt_in opt_in tcpa"), "transform": "bool"},
    "consent.sms": {"paths": _names("sms_consent text_consent sms_opt_in"), "transform": "bool"},
    "consent.email": {"paths": _names("email_consent email_opt_in"), "transform": "bool"},
    "consent.calls": {"paths": _names("call_consent phone_consent calls_consent"), "transform": "bool"},
    "consent.text": {
        "paths": _names("tcpa_text tcpa_language consent_text consent_language tcpa_disclosure disclosure")
    },
    "consent.trusted_form_url": {
        "paths": _names(
            "xx_trusted_form_cert_url trusted_form_url trusted_form_cert_url trusted_form tcpa cert_url"
        ),
        "transform": "url",
    },
    "consent.leadid_token": {
        "paths": _names("universal_leadid leadid_token jornaya_leadid jornaya_lead_id lead_id_token")
    },
    "consent.ip": {"paths": _names("ip_address ip client_ip user_ip consumer_ip")},
    "consent.user_agent": {"paths": _names("user_agent useragent browser")},
    "consent.page_url": {"paths": _names("page_url landing_page landing_page_url source_url url")},
}  # fmt: skip


# Aliases too generic to look for below the top level: "value" or "name" deep inside a vendor's metadata is
# rarely the borrower's.
TOP_LEVEL_ONLY = set(
    _names(
        "name value price score balance program product credit test url ip browser consent tcpa disclosure "
        "region province message comment comments notes employment campaign mobile cell telephone opt_in"
    )
)


class MappingError(ValueError):
    """The mapping itself is not valid; `errors` lists every problem for the editor."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


# ------------------------------------------------------------------------------------------------ paths


@dataclass(frozen=True)
class Segment:
    kind: str  # "key", "index", "select", "deep"
    name: str = ""
    index: int = 0
    value: str = ""


_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")
_INTEGER = re.compile(r"^-?\d{1,6}$")


def parse_path(path) -> tuple[Segment, ...]:
    if isinstance(path, str):
        return _parse_path(path)
    raise MappingError(["A path must be a non-empty text."])


@lru_cache(maxsize=4096)
def _parse_path(path: str) -> tuple[Segment, ...]:
    if not isinstance(path, str) or not path.strip():
        raise MappingError(["A path must be a non-empty text."])
    if len(path) > MAX_PATH_LENGTH:
        raise MappingError([f"Path '{path[:40]}…' is longer than {MAX_PATH_LENGTH} characters."])
    leftover = _TOKEN.sub("", path).replace(".", "")
    if leftover.strip():
        raise MappingError([f"Path '{path}' has unbalanced brackets."])
    segments = []
    for match in _TOKEN.finditer(path.strip()):
        bracket, plain = match.groups()
        text = (bracket if bracket is not None else plain).strip()
        if bracket is not None and "=" in text:
            name, value = text.split("=", 1)
            if not name.strip():
                raise MappingError([f"Path '{path}': a selector needs a key, as in [column_id=EMAIL]."])
            segments.append(Segment("select", name=name.strip(), value=value.strip().strip("'\"")))
        elif text == "**":
            segments.append(Segment("deep"))
        elif _INTEGER.match(text):
            segments.append(Segment("index", name=text, index=int(text)))
        elif text:
            segments.append(Segment("key", name=text))
    if not segments:
        raise MappingError([f"Path '{path}' is empty."])
    if len(segments) > MAX_PATH_SEGMENTS:
        raise MappingError([f"Path '{path}' has more than {MAX_PATH_SEGMENTS} segments."])
    if segments[-1].kind == "deep":
        raise MappingError([f"Path '{path}': '**' must be followed by a key."])
    return tuple(segments)


def loose_key(text) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).lower())


class Resolver:
    """Finds paths in one payload and remembers which places were used, so the rest is reported as unknown."""

    def __init__(self, payload):
        self.payload = payload
        self._indexes: dict[int, tuple[dict, dict]] = {}
        self._deep_index: dict[str, tuple] | None = None
        self.consumed: set[tuple] = set()

    def _index(self, node: dict) -> tuple[dict, dict]:
        cached = self._indexes.get(id(node))
        if cached is None:
            lower, loose = {}, {}
            for key in node:
                lower.setdefault(str(key).lower(), key)
                loose.setdefault(loose_key(key), key)
            cached = self._indexes[id(node)] = (lower, loose)
        return cached

    def find_key(self, node: dict, name: str):
        if name in node:
            return name
        lower, loose = self._index(node)
        found = lower.get(name.lower())
        if found is None:
            found = loose.get(loose_key(name))
        return found

    def resolve(self, segments: tuple[Segment, ...]):
        """Return (value, concrete trail) for the first match, or None."""
        return self._walk(self.payload, segments, ())

    def _walk(self, node, segments, trail):
        if not segments:
            return node, trail
        segment, rest = segments[0], segments[1:]
        if segment.kind == "deep":
            return self._deep(node, rest, trail)
        if isinstance(node, dict):
            if segment.kind in ("key", "index"):
                # A key that itself holds dots ("borrower.first_name" as one form field) wins over descent.
                if rest and all(s.kind in ("key", "index") for s in rest):
                    dotted = ".".join(s.name for s in segments)
                    key = self.find_key(node, dotted)
                    if key is not None:
                        return node[key], (*trail, key)
                key = self.find_key(node, segment.name)
                if key is None:
                    return None
                return self._walk(node[key], rest, (*trail, key))
            return None
        if isinstance(node, list):
            if segment.kind == "index":
                position = segment.index if segment.index >= 0 else len(node) + segment.index
                if 0 <= position < len(node):
                    return self._walk(node[position], rest, (*trail, position))
                return None
            if segment.kind == "select":
                wanted = segment.value.lower()
                for position, item in enumerate(node):
                    if isinstance(item, dict):
                        key = self.find_key(item, segment.name)
                        if key is not None and str(item[key]).strip().lower() == wanted:
                            self.consumed.add((*trail, position, key))
                            return self._walk(item, rest, (*trail, position))
                return None
            if segment.kind == "key" and len(node) > 0:
                # "Borrower.FirstName" where Borrower repeats (XML): look in the first element.
                return self._walk(node[0], segments, (*trail, 0))
        return None

    def _deep(self, node, rest, trail):
        if len(rest) == 1 and rest[0].kind == "key" and node is self.payload:
            found = self._build_deep_index().get(loose_key(rest[0].name))
            return found
        visited = 0
        queue = deque([(node, trail)])
        while queue and visited < MAX_NODES:
            current, current_trail = queue.popleft()
            visited += 1
            result = self._walk(current, rest, current_trail)
            if result is not None and _scalar(result[0]) is not None:
                return result
            children = current.items() if isinstance(current, dict) else (
                enumerate(current) if isinstance(current, list) else ()
            )  # fmt: skip
            for key, child in children:
                if isinstance(child, dict | list):
                    queue.append((child, (*current_trail, key)))
        return None

    def _build_deep_index(self) -> dict[str, tuple]:
        """Loose key -> (value, trail) of its first non-empty occurrence, breadth first."""
        if self._deep_index is None:
            index: dict[str, tuple] = {}
            queue = deque([(self.payload, ())])
            visited = 0
            while queue and visited < MAX_NODES:
                current, trail = queue.popleft()
                visited += 1
                if isinstance(current, dict):
                    for key, child in current.items():
                        loose = loose_key(key)
                        if loose not in index and _scalar(child) is not None:
                            index[loose] = (child, (*trail, key))
                        if isinstance(child, dict | list):
                            queue.append((child, (*trail, key)))
                elif isinstance(current, list):
                    for position, child in enumerate(current):
                        if isinstance(child, dict | list):
                            queue.append((child, (*trail, position)))
            self._deep_index = index
        return self._deep_index


# ------------------------------------------------------------------------------------------------ values


def _scalar(value):
    """A usable single value: strings stripped, empty means absent; lists give their first usable element;
    objects give their text (XML elements with attributes keep their text under "#text")."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, list):
        for item in value[:50]:
            found = _scalar(item)
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        return _scalar(value.get("#text"))
    return None


def _all_scalars(value) -> list:
    if isinstance(value, list):
        return [found for item in value[:50] if (found := _scalar(item)) is not None]
    found = _scalar(value)
    return [] if found is None else [found]


def _map_key(value) -> str:
    return " ".join(str(value).strip().lower().split())


_RANGE = re.compile(r"^\s*\$?\s*([\d,.]+\s*[kKmM]?)\s*(?:-|–|to)\s*\$?\s*([\d,.]+\s*[kKmM]?)\s*$")
_CREDIT_RANGE = re.compile(r"(\d{3})\s*(?:-|–|to)\s*(\d{3})")
_CREDIT_PLUS = re.compile(r"(\d{3})\s*\+")
_CREDIT_BELOW = re.compile(r"(?:below|under|less than|<)\s*(\d{3})", re.IGNORECASE)
TRUE_TEXT = {
    "true",
    "yes",
    "y",
    "1",
    "on",
    "checked",
    "t",
    "agree",
    "agreed",
    "accepted",
    "opt-in",
    "opted in",
}
FALSE_TEXT = {"false", "no", "n", "0", "off", "f", "unchecked", "declined", "opt-out"}


def _money(value):
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    for prefix in ("under ", "less than ", "below ", "over ", "more than ", "above ", "up to "):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    text = text.rstrip("+").strip()
    match = _RANGE.match(text)
    try:
        if match:
            low, high = parse_money(match.group(1)), parse_money(match.group(2))
            return ((low + high) / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return parse_money(value if not isinstance(value, str) else text)
    except (InvalidMoney, InvalidOperation):
        return value  # normalise() will name the field and the problem


def _credit(value):
    text = str(value).strip()
    if isinstance(value, int | float) or text.isdigit():
        return text
    found = _CREDIT_RANGE.search(text)
    if found:
        return f"{found.group(1)}-{found.group(2)}"
    found = _CREDIT_PLUS.search(text)
    if found:
        return f"{found.group(1)}+"
    found = _CREDIT_BELOW.search(text)
    if found:
        return f"300-{int(found.group(1)) - 1}"
    return text.split("(")[0].strip() or None


def _bool(value):
    if isinstance(value, bool):
        return value
    text = _map_key(value)
    if text in TRUE_TEXT:
        return True
    if text in FALSE_TEXT:
        return False
    return None


def _split_first(value):
    parts = str(value).split()
    return parts[0] if parts else None


def _split_last(value):
    parts = str(value).split()
    return " ".join(parts[1:]) if len(parts) > 1 else None


def _zip5(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 < value < 100000:
        return f"{value:05d}"  # 02134 sent as the number 2134
    text = str(value).strip()
    digits = re.sub(r"[^\d-]", "", text).split("-")[0]
    return digits or text or None


def _int(value):
    try:
        return int(Decimal(str(value).replace(",", "").strip()))
    except (InvalidOperation, ValueError):
        return value


TRANSFORMS = {
    "money": _money,
    "credit": _credit,
    "bool": _bool,
    "url": lambda v: str(v).strip() if re.match(r"^https?://\S+$", str(v).strip()) else None,
    "digits": lambda v: re.sub(r"\D", "", str(v)) or None,
    "zip5": _zip5,
    "int": _int,
    "lower": lambda v: str(v).lower(),
    "upper": lambda v: str(v).upper(),
    "title": lambda v: str(v).title(),
    "strip": lambda v: str(v).strip() or None,
    "first_name": _split_first,
    "last_name": _split_last,
    "join": lambda v: ", ".join(str(item) for item in v) if isinstance(v, list) else v,
}


# ------------------------------------------------------------------------------------------------ rules


@dataclass
class FieldRule:
    target: str
    paths: list[tuple[Segment, ...]] = field(default_factory=list)
    path_texts: list[str] = field(default_factory=list)
    value_map: dict | None = None
    transforms: list[str] = field(default_factory=list)
    combine: list[tuple[Segment, ...]] | None = None
    combine_texts: list[str] = field(default_factory=list)
    separator: str = " "
    label: bool = False
    default: object = MISSING
    value: object = MISSING
    search_deep: bool = False
    deep_texts: list[str] = field(default_factory=list)


@dataclass
class CompiledMapping:
    rules: dict[str, FieldRule]
    ignore: list[tuple[Segment, ...]]


def is_valid_target(name: str) -> bool:
    return name in SUBMISSION_TARGETS or name in PSEUDO_TARGETS or name in CONSENT_TARGETS or bool(
        _UTM_TARGET.match(name)
    )  # fmt: skip


def _compile_rule(
    target: str, spec, errors: list[str], *, search_deep: bool = False, defaults: dict | None = None
) -> FieldRule | None:
    where = f"Field '{target}'"
    if not is_valid_target(target):
        errors.append(f"'{target}' is not a lead field a mapping can fill.")
        return None
    rule = FieldRule(target=target, search_deep=search_deep)
    if search_deep and isinstance(spec, dict):
        rule.deep_texts = [text for text in spec.get("paths", []) if text not in TOP_LEVEL_ONLY]
    if isinstance(spec, str):
        spec = {"paths": [spec]}
    elif isinstance(spec, list):
        spec = {"paths": spec}
    elif not isinstance(spec, dict):
        errors.append(f"{where}: expected a path, a list of paths, or an object.")
        return None
    unknown = sorted(set(spec) - RULE_KEYS)
    if unknown:
        errors.append(
            f"{where}: unknown setting(s) {', '.join(unknown)} (use {', '.join(sorted(RULE_KEYS))})."
        )
    paths = spec.get("paths", spec.get("path", []))
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list):
        errors.append(f"{where}: 'paths' must be a list of paths.")
        paths = []
    if len(paths) > MAX_PATHS_PER_FIELD:
        errors.append(f"{where}: at most {MAX_PATHS_PER_FIELD} paths.")
        paths = paths[:MAX_PATHS_PER_FIELD]
    for text in paths:
        try:
            rule.paths.append(parse_path(text))
            rule.path_texts.append(text)
        except MappingError as error:
            errors.extend(f"{where}: {message}" for message in error.errors)
    if "combine" in spec:
        combine = spec["combine"]
        if not isinstance(combine, list) or not combine:
            errors.append(f"{where}: 'combine' must be a non-empty list of paths.")
        else:
            rule.combine, rule.combine_texts = [], []
            for text in combine[:MAX_PATHS_PER_FIELD]:
                try:
                    rule.combine.append(parse_path(text))
                    rule.combine_texts.append(text)
                except MappingError as error:
                    errors.extend(f"{where}: {message}" for message in error.errors)
    separator = spec.get("separator", "\n" if target == "notes" else " ")
    if not isinstance(separator, str) or len(separator) > 10:
        errors.append(f"{where}: 'separator' must be a short text.")
    else:
        rule.separator = separator
    rule.label = bool(spec.get("label", False))
    if "map" in spec:
        value_map = spec["map"]
        if not isinstance(value_map, dict):
            errors.append(f"{where}: 'map' must be an object of vendor value -> our value.")
        elif any(isinstance(v, dict | list) for v in value_map.values()):
            errors.append(f"{where}: map values must be text, numbers, true/false or null.")
        else:
            rule.value_map = {_map_key(key): value for key, value in value_map.items()}
    names = spec.get("transforms", spec.get("transform", []))
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list):
        errors.append(f"{where}: 'transform' must be a name or a list of names.")
        names = []
    for name in names:
        if name not in TRANSFORMS:
            errors.append(
                f"{where}: unknown transform '{name}' (use one of: {', '.join(sorted(TRANSFORMS))})."
            )
        else:
            rule.transforms.append(name)
    if "default" in spec:
        rule.default = spec["default"]
    if "value" in spec:
        rule.value = spec["value"]
    if not rule.paths and rule.combine is None and rule.value is MISSING and rule.default is MISSING:
        # A rule with only a value map or transforms refines the default paths of its field.
        default = (DEFAULT_FIELDS if defaults is None else defaults).get(target)
        if default is None:
            errors.append(f"{where}: give 'paths', 'combine', 'value' or 'default'.")
        else:
            rule.paths = [parse_path(text) for text in default["paths"]]
            rule.path_texts = list(default["paths"])
            rule.search_deep = True
            rule.deep_texts = [text for text in default["paths"] if text not in TOP_LEVEL_ONLY]
    return rule


def validate_mapping(mapping) -> list[str]:
    """Every problem with a mapping, as sentences for the editor. Empty means valid."""
    try:
        compile_mapping(mapping)
    except MappingError as error:
        return error.errors
    return []


def compile_mapping(mapping, *, defaults: dict | None = None) -> CompiledMapping:
    """Check a mapping and merge it over the defaults (DEFAULT_FIELDS unless given). Raises MappingError."""
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, dict):
        raise MappingError(["The mapping must be a JSON object."])
    errors: list[str] = []
    field_specs: dict = {}
    explicit_fields = mapping.get("fields", {})
    if not isinstance(explicit_fields, dict):
        errors.append("'fields' must be an object of lead field -> rule.")
        explicit_fields = {}
    for key, spec in mapping.items():
        if key in RESERVED_KEYS:
            continue
        if is_valid_target(key):
            field_specs[key] = spec
        else:
            errors.append(
                f"Unknown top-level key '{key}' (use 'fields', 'constants', 'ignore', 'use_defaults')."
            )
    field_specs.update(explicit_fields)
    constants = mapping.get("constants", {})
    if not isinstance(constants, dict):
        errors.append("'constants' must be an object of lead field -> value.")
        constants = {}
    ignore_texts = mapping.get("ignore", [])
    if not isinstance(ignore_texts, list):
        errors.append("'ignore' must be a list of paths.")
        ignore_texts = []
    use_defaults = mapping.get("use_defaults", True)
    if not isinstance(use_defaults, bool):
        errors.append("'use_defaults' must be true or false.")
        use_defaults = True
    if "page_access_token" in mapping and not isinstance(mapping["page_access_token"], str):
        errors.append("'page_access_token' must be text.")

    rules: dict[str, FieldRule] = {}
    if use_defaults:
        for target, spec in (DEFAULT_FIELDS if defaults is None else defaults).items():
            rule = _compile_rule(target, spec, errors, search_deep=True)
            if rule:
                rules[target] = rule
    for target, spec in field_specs.items():
        rule = _compile_rule(str(target), spec, errors, defaults=defaults)
        if rule:
            rules[str(target)] = rule
    for target, value in constants.items():
        if not is_valid_target(str(target)):
            errors.append(f"Constant '{target}' is not a lead field.")
        elif isinstance(value, dict | list) and target != "utm":
            errors.append(f"Constant '{target}' must be text, a number, true/false or null.")
        else:
            rules[str(target)] = FieldRule(target=str(target), value=value)
    ignore = []
    for text in ignore_texts[:200]:
        try:
            ignore.append(parse_path(text))
        except MappingError as error:
            errors.extend(f"Ignore: {message}" for message in error.errors)
    if errors:
        raise MappingError(errors)
    return CompiledMapping(rules=rules, ignore=ignore)


# ------------------------------------------------------------------------------------------------ applying


def _apply_value_rules(rule: FieldRule, raw):
    value = raw
    if rule.value_map is not None and not isinstance(raw, list | dict):
        key = _map_key(raw)
        if key in rule.value_map:
            value = rule.value_map[key]
        elif "*" in rule.value_map:
            value = rule.value_map["*"]
    for name in rule.transforms:
        if value is None:
            break
        value = TRANSFORMS[name](value)
        if isinstance(value, str) and not value.strip():
            value = None
    return value


def _evaluate(rule: FieldRule, resolver: Resolver):
    """The rule's value for this payload, or MISSING."""
    if rule.value is not MISSING:
        return rule.value
    if rule.combine is not None:
        parts = []
        for segments, text in zip(rule.combine, rule.combine_texts, strict=True):
            found = resolver.resolve(segments)
            if found is None or (scalar := _scalar(found[0])) is None:
                continue
            resolver.consumed.add(found[1])
            label = str(found[1][-1]) if found[1] else text
            parts.append(f"{label}: {scalar}" if rule.label else str(scalar))
        if parts:
            value = _apply_value_rules(rule, rule.separator.join(parts))
            if value is not None:
                return value
        return MISSING if rule.default is MISSING else rule.default
    candidates = list(rule.paths)
    if rule.search_deep:
        candidates += [(Segment("deep"), *parse_path(text)) for text in rule.deep_texts]
    for segments in candidates:
        found = resolver.resolve(segments)
        if found is None:
            continue
        raw, trail = found
        if rule.target == "utm" and isinstance(raw, dict):
            resolver.consumed.add(trail)
            return raw
        scalar = raw if "join" in rule.transforms and isinstance(raw, list) else _scalar(raw)
        if scalar is None:
            continue
        value = _apply_value_rules(rule, scalar)
        if value is None:
            continue
        resolver.consumed.add(trail)
        return value
    return MISSING if rule.default is MISSING else rule.default


def _collect_other_phones(rule: FieldRule, resolver: Resolver) -> list:
    """Every path of other_phones contributes (a vendor may send home, work and evening numbers)."""
    collected = []
    for segments in rule.paths:
        found = resolver.resolve(segments)
        if found is None:
            continue
        values = [v for v in (_apply_value_rules(rule, s) for s in _all_scalars(found[0])) if v is not None]
        if values:
            resolver.consumed.add(found[1])
            collected.extend(values)
    return collected


def _digits(value) -> str:
    return re.sub(r"\D", "", str(value))[-10:]


def _to_bool(value) -> bool | None:
    if value is None or value is MISSING:
        return None
    return _bool(value) if not isinstance(value, bool) else value


def _valid_ip(value) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return None


@dataclass
class MappingResult:
    submission: LeadSubmission
    unknown_fields: dict
    mapped: dict  # target -> value found, for the preview


def map_payload(payload: dict, mapping: dict | None, *, defaults: dict | None = None) -> MappingResult:
    """Apply a mapping (checked first; MappingError if invalid) to one payload."""
    compiled = compile_mapping(mapping, defaults=defaults)
    resolver = Resolver(payload)
    submission = LeadSubmission()
    mapped: dict = {}
    # Explicit phone numbers first, so other_phones can leave out the one chosen as the main number.
    order = sorted(compiled.rules, key=lambda target: (target == "other_phones", target == "loan_amount"))
    for target in order:
        rule = compiled.rules[target]
        if target == "other_phones" and rule.value is MISSING and rule.combine is None:
            value = _collect_other_phones(rule, resolver) or MISSING
        else:
            value = _evaluate(rule, resolver)
        if value is MISSING or value is None:
            continue
        mapped[target] = value
    # "CreditScore": "Excellent" is a band sent under a score's name.
    score = mapped.get("credit_score")
    if (
        isinstance(score, str)
        and not re.fullmatch(r"\d{3}(\.\d+)?", score.strip())
        and "credit_band" not in mapped
    ):
        mapped["credit_band"] = mapped.pop("credit_score")

    for target, value in mapped.items():
        if target in SUBMISSION_TARGETS and target not in {"other_phones", "utm", "is_test"}:
            setattr(submission, target, value)
    if "full_name" in mapped and not (mapped.get("first_name") or mapped.get("last_name")):
        name = " ".join(str(mapped["full_name"]).split())
        first, _, last = name.partition(" ")
        submission.first_name, submission.last_name = first, last or None
    submission.is_test = bool(
        _to_bool(mapped.get("is_test")) or str(mapped.get("is_test", "")).lower() == "test"
    )

    main_phone = _digits(submission.phone) if submission.phone not in (None, "") else ""
    seen, others = {main_phone} if main_phone else set(), []
    other_phones = mapped.get("other_phones", [])
    for number in other_phones if isinstance(other_phones, list) else [other_phones]:
        digits = _digits(number)
        if digits and digits not in seen:
            seen.add(digits)
            others.append(str(number))
    submission.other_phones = others[:5]

    utm = dict(mapped["utm"]) if isinstance(mapped.get("utm"), dict) else {}
    for target, value in mapped.items():
        if target.startswith("utm."):
            utm[target[4:]] = str(value)
    submission.utm = utm

    _derive_from_loan_amount(submission, mapped.get("loan_amount"))
    submission.consent = _consent(mapped)

    for segments in compiled.ignore:
        found = resolver.resolve(segments)
        if found is not None:
            resolver.consumed.add(found[1])
    submission.unknown_fields = unknown_fields(payload, resolver.consumed)
    return MappingResult(submission=submission, unknown_fields=submission.unknown_fields, mapped=mapped)


def apply_mapping(payload: dict, mapping: dict | None, *, defaults: dict | None = None):
    """Map one payload to (LeadSubmission, unknown_fields). Raises MappingError if the mapping is invalid."""
    result = map_payload(payload, mapping, defaults=defaults)
    return result.submission, result.unknown_fields


def _derive_from_loan_amount(submission: LeadSubmission, amount) -> None:
    """Vendors send the requested loan amount; FirstCall keeps price and down payment (purchase) or the
    balance (refinance), so the amount fills whichever is missing. Without enough facts it stays unmapped."""
    if amount in (None, "") or not isinstance(amount, Decimal):
        return
    purpose = str(submission.purpose or "").lower()
    if "purchase" in purpose or "buy" in purpose:
        price = submission.purchase_price
        if submission.down_payment in (None, "") and isinstance(price, Decimal) and price >= amount:
            submission.down_payment = price - amount
    elif purpose and submission.loan_balance in (None, ""):
        submission.loan_balance = amount


def _consent(mapped: dict) -> ConsentInput | None:
    consent_values = {target[8:]: value for target, value in mapped.items() if target.startswith("consent.")}
    if not consent_values:
        return None
    everything = _to_bool(consent_values.get("all"))
    consent = ConsentInput()
    for channel in ("sms", "email", "calls"):
        specific = _to_bool(consent_values.get(channel))
        setattr(consent, channel, bool(specific if specific is not None else everything))
    consent.text = str(consent_values.get("text") or "")[:5000]
    consent.ip = _valid_ip(consent_values["ip"]) if consent_values.get("ip") else None
    consent.user_agent = str(consent_values.get("user_agent") or "")[:500]
    consent.page_url = str(consent_values.get("page_url") or "")[:1000]
    consent.trusted_form_url = str(consent_values.get("trusted_form_url") or "")[:500]
    consent.leadid_token = str(consent_values.get("leadid_token") or "")[:100]
    return consent


def storable_text(text: str) -> str:
    """Text every database can store: no NUL (PostgreSQL refuses it), no unpaired surrogates (not UTF-8)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _trail_text(trail: tuple) -> str:
    text = ""
    for part in trail:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def unknown_fields(payload, consumed: set[tuple]) -> dict:
    """Leaves of the payload that no rule used, by dotted path ("Borrower.Phones[1]"); secrets left out and
    sensitive values (SSN, date of birth) marked as not stored."""
    unknown: dict = {}
    visited = 0
    stack = [(payload, ())]
    while stack and visited < MAX_NODES and len(unknown) < MAX_UNKNOWN_FIELDS:
        node, trail = stack.pop()
        visited += 1
        if any(trail[: len(used)] == used for used in consumed if len(used) <= len(trail)):
            continue
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            last = loose_key(trail[-1]) if trail and not isinstance(trail[-1], int) else ""
            if last in SECRET_KEYS:
                continue
            if node is None or (isinstance(node, str) and not node.strip()):
                continue
            value = NOT_STORED if last in SENSITIVE_KEYS else node
            if isinstance(value, str):
                value = storable_text(value[:MAX_UNKNOWN_VALUE])
            elif isinstance(value, Decimal) or (isinstance(value, float) and not math.isfinite(value)):
                value = str(value)  # JSON has no Infinity (1e400 parses to one)
            unknown[storable_text(_trail_text(trail) or "value")] = value
            continue
        for key, child in reversed(items):
            stack.append((child, (*trail, key)))
    return unknown


def describe(value):
    """A submission (or any value) as JSON-safe data, for the mapping preview."""
    if isinstance(value, LeadSubmission | ConsentInput):
        return {f.name: describe(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [describe(v) for v in value]
    return value
