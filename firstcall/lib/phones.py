"""Phone numbers: parse anything a person types into E.164, and find the time zones an area code implies."""

from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as phone_timezones


class InvalidPhone(ValueError):
    pass


def normalise_phone(raw: str, region: str = "US") -> str:
    """Return the E.164 form of a valid phone number or raise InvalidPhone with a message a person can act on."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("Phone number is empty.")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"'{text[:40]}' is not a phone number.") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"'{text[:40]}' is not a valid phone number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(raw: str, region: str = "US") -> tuple[str, str]:
    """(E.164, extension) of a valid number, parsed as a number of `region` unless it carries its country code
    ("+44 20 7946 0958"); "(813) 555-0142 ext 3" gives ("+18135550142", "3"). Raises InvalidPhone."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone("Phone number is empty.")
    region = (region or "US").upper()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(f"'{text[:40]}' is not a phone number.") from error
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"'{text[:40]}' is not a valid phone number.")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, (parsed.extension or "")[:10]


def is_probably_mobile(e164: str) -> bool:
    """US numbers do not reveal mobile vs landline offline; treat any valid non-toll-free number as textable."""
    parsed = phonenumbers.parse(e164, None)
    number_type = phonenumbers.number_type(parsed)
    return number_type not in {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
    }


def time_zones_for_phone(e164: str) -> list[str]:
    """IANA zones an area code implies; empty when unknown or too ambiguous (toll-free spans ~40 zones)."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return []
    zones = [zone for zone in phone_timezones.time_zones_for_number(parsed) if zone != "Etc/Unknown"]
    return zones if len(zones) <= 4 else []


@lru_cache(maxsize=4096)
def display_phone(e164: str) -> str:
    """The national form; cached, as every cadence text renders its loan officer's number."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
