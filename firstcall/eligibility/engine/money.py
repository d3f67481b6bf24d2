"""Decimal helpers: parsing money and percentages, explicit rounding, and the text forms used in messages.

All money is Decimal rounded ROUND_HALF_UP to cents at the points the agencies round (fees, payments); ratios
are kept exact for comparisons and rounded to two decimals only for display, so 96.504% is above 96.50%.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
DOLLAR = Decimal("1")
ZERO = Decimal("0")
HUNDRED = Decimal("100")
TWELVE = Decimal("12")


def parse_decimal(value: object) -> Decimal:
    """Money or a number from JSON: a string ("450000", "$450,000.00") or a number. Raises ValueError."""
    if isinstance(value, bool):  # bool is an int subclass; True is not $1
        raise ValueError("expected a number, got true/false")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("expected a finite number")
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        return Decimal(repr(value))  # repr keeps the short decimal form: 0.1 -> Decimal("0.1")
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("$", "")
        if not text:
            raise ValueError("expected a number, got an empty string")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        if not number.is_finite():
            raise ValueError("expected a finite number")
        return number
    raise ValueError(f"expected a number or a numeric string, got {type(value).__name__}")


def money_json(amount: Decimal | None) -> str | None:
    """Money in the output contract: a string with two decimals, no separators."""
    if amount is None:
        return None
    text = str(amount)
    if text[-3:-2] == "." and "E" not in text:  # already in cents, as most figures are: skip the quantize
        return text
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def percent_json(value: Decimal | None) -> float | None:
    """Percentages in the output contract: numbers rounded to two decimals."""
    if value is None:
        return None
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def usd(amount: Decimal) -> str:
    """Money in messages: "$832,750" for whole dollars, "$1,234.56" otherwise."""
    if amount < 0:
        return "-" + usd(-amount)
    whole = int(amount)
    if amount == whole:
        return f"${whole:,}"
    return f"${amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def pct(value: Decimal) -> str:
    """A percentage in messages, two decimals."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP)}%"


def pct_against(value: Decimal, limit: Decimal) -> str:
    """Like pct, but with more digits when two decimals would hide the difference from the limit (96.504%)."""
    shown = value.quantize(CENT, rounding=ROUND_HALF_UP)
    if value != limit and shown == limit.quantize(CENT, rounding=ROUND_HALF_UP):
        return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP).normalize():f}%"
    return f"{shown}%"
