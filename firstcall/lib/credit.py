"""Credit answers ("Excellent", "720-739", 705) to a score range the rest of FirstCall can reason about."""

import re

# Bands as most lead forms and vendors word them (FICO's public ranges: 300-850).
CREDIT_BANDS: dict[str, tuple[int, int]] = {
    "excellent": (740, 850),
    "very_good": (700, 739),
    "good": (660, 699),
    "fair": (620, 659),
    "poor": (580, 619),
    "bad": (300, 579),
}
_BAND_ALIASES = {
    "verygood": "very_good", "very good": "very_good", "great": "very_good",
    "average": "fair", "below average": "poor", "limited": "poor", "verypoor": "bad", "very poor": "bad",
}  # fmt: skip
_RANGE = re.compile(r"^\s*(\d{3})\s*(?:-|–|to)\s*(\d{3})\s*\+?\s*$")
_PLUS = re.compile(r"^\s*(\d{3})\s*\+\s*$")


class InvalidCredit(ValueError):
    pass


def parse_credit(score=None, band=None) -> tuple[int | None, int | None, str]:
    """Return (low, high, band name). A single score gives low == high."""
    if score not in (None, ""):
        text = str(score).strip()
        if _RANGE.match(text):
            return _from_range(text)
        try:
            value = int(float(text))
        except (ValueError, OverflowError) as error:
            raise InvalidCredit(f"'{text[:20]}' is not a credit score.") from error
        if not 300 <= value <= 850:
            raise InvalidCredit(f"Credit score {value} is outside 300-850.")
        return value, value, band_for_score(value)
    if band not in (None, ""):
        text = str(band).strip()
        if _RANGE.match(text) or _PLUS.match(text):
            return _from_range(text)
        key = text.lower().replace("-", " ").strip()
        key = _BAND_ALIASES.get(key, key.replace(" ", "_"))
        if key not in CREDIT_BANDS:
            raise InvalidCredit(f"'{text[:30]}' is not a credit band we know ({', '.join(CREDIT_BANDS)}).")
        low, high = CREDIT_BANDS[key]
        return low, high, key
    return None, None, ""


def _from_range(text: str) -> tuple[int, int, str]:
    plus = _PLUS.match(text)
    if plus:
        low, high = int(plus.group(1)), 850
    else:
        match = _RANGE.match(text)
        low, high = sorted((int(match.group(1)), int(match.group(2))))
    if not (300 <= low <= 850 and 300 <= high <= 850):
        raise InvalidCredit(f"Credit range {low}-{high} is outside 300-850.")
    return low, high, band_for_score(low)


def band_for_score(score: int) -> str:
    for name, (low, high) in CREDIT_BANDS.items():
        if low <= score <= high:
            return name
    return "bad"
