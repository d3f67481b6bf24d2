"""Money from whatever a form or vendor sends ("$350,000", "350k", 350000.0) to a Decimal with two places."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
_MONEY_NOISE = re.compile(r"[\s$,_]|usd", re.IGNORECASE)
_MAX_MONEY = Decimal("1000000000")


class InvalidMoney(ValueError):
    pass


def parse_money(raw) -> Decimal:
    if isinstance(raw, bool):
        raise InvalidMoney("Expected an amount of money, got true/false.")
    if isinstance(raw, int | Decimal):
        amount = Decimal(raw)
    elif isinstance(raw, float):
        amount = Decimal(repr(raw))
    else:
        text = _MONEY_NOISE.sub("", str(raw or "")).lower()
        multiplier = Decimal(1)
        if text.endswith("k"):
            multiplier, text = Decimal(1000), text[:-1]
        elif text.endswith("m"):
            multiplier, text = Decimal(1_000_000), text[:-1]
        if not text:
            raise InvalidMoney("Amount is empty.")
        try:
            amount = Decimal(text) * multiplier
        except InvalidOperation as error:
            raise InvalidMoney(f"'{str(raw)[:30]}' is not an amount of money.") from error
    if not amount.is_finite() or amount < 0:
        raise InvalidMoney(f"'{str(raw)[:30]}' is not a positive amount.")
    if amount > _MAX_MONEY:
        raise InvalidMoney(f"'{str(raw)[:30]}' is larger than any home loan.")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
