"""Values: what counts as a usable single value, and the transforms a rule may apply."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from firstcall.leads.submission import parse_percent
from firstcall.lib.money import InvalidMoney, parse_money

# ------------------------------------------------------------------------------------------------ values


def scalar(value):
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
            found = scalar(item)
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        return scalar(value.get("#text"))
    return None


def all_scalars(value) -> list:
    if isinstance(value, list):
        return [found for item in value[:50] if (found := scalar(item)) is not None]
    found = scalar(value)
    return [] if found is None else [found]


def map_key(value) -> str:
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


def read_bool(value):
    if isinstance(value, bool):
        return value
    text = map_key(value)
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


def _percent(value):
    try:
        return parse_percent(value, limit=Decimal(100))
    except (ValueError, ArithmeticError):
        return value  # normalise() will name the field and the problem


TRANSFORMS = {
    "percent": _percent,
    "money": _money,
    "credit": _credit,
    "bool": read_bool,
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
