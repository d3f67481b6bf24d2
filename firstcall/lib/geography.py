"""ZIP code to county, state and time zone, offline (the zipcodes package ships its data)."""

from dataclasses import dataclass
from functools import lru_cache

import zipcodes


@dataclass(frozen=True)
class ZipFacts:
    zip_code: str
    city: str
    county: str
    state: str
    time_zone: str


class InvalidZip(ValueError):
    pass


@lru_cache(maxsize=50_000)
def lookup_zip(raw: str) -> ZipFacts:
    text = (raw or "").strip()[:10]
    five = text.split("-")[0]
    if len(five) != 5 or not five.isdigit():
        raise InvalidZip(f"'{text}' is not a 5-digit ZIP code.")
    try:
        matches = zipcodes.matching(five)
    except (ValueError, TypeError) as error:
        raise InvalidZip(f"'{text}' is not a ZIP code.") from error
    if not matches:
        raise InvalidZip(f"ZIP code {five} does not exist.")
    match = matches[0]
    return ZipFacts(
        zip_code=five,
        city=(match.get("city") or "").title(),
        county=match.get("county") or "",
        state=match.get("state") or "",
        time_zone=match.get("timezone") or "",
    )


US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI",
}  # fmt: skip
