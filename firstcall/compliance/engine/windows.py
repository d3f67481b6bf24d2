"""Calling windows, time zones and frequency caps for texts and calls. Pure Python (no Django).

Sources are REFERENCE.md §4 (shared domain research) unless a comment says otherwise; each calling-window
entry carries its own citation and confidence marker from that document ([V] verified, [V-2nd] secondary
source only, [UNVERIFIED]). These are legal rules that change: each entry has ``effective_from`` and
``effective_to`` and is evaluated for the borrower's local date. Not legal advice; have counsel review it.

Quiet hours (``next_allowed_send_time``): a message may go out only when the borrower's local time is inside
the federal window and every applicable state window **in every candidate time zone** (REFERENCE §6 rule of
thumb: area code and ZIP may disagree; strictest wins). Outside the window the message is *held* until it
opens, never dropped: the decision always carries ``send_at_utc``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package
import phonenumbers
from dateutil.easter import easter
from phonenumbers import geocoder as phone_geocoder
from phonenumbers import timezone as phone_timezone

# ------------------------------------------------------------------------------------- calling-window data

ALL_DAYS = range(7)
SUNDAY = 6
SATURDAY = 5
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _daily(
    start: int, end: int, **overrides: tuple[time, time] | None
) -> dict[int, tuple[time, time] | None]:
    """Same window every day, with per-day overrides by name: ``sun=None`` means no messages on Sundays."""
    hours: dict[int, tuple[time, time] | None] = {day: (time(start), time(end)) for day in ALL_DAYS}
    for name, window in overrides.items():
        hours[WEEKDAY_NAMES.index(name.capitalize())] = window
    return hours


@dataclass(frozen=True)
class CallingWindow:
    """When telephone solicitations (texts included) may reach a borrower, in the borrower's local time."""

    jurisdiction: str  # "US" (federal) or a state code
    hours: Mapping[int, tuple[time, time] | None]  # weekday (0 = Monday) -> [start, end); None = not that day
    source: str
    confidence: str  # REFERENCE.md legend: "V", "V-2nd" or "UNVERIFIED"
    closed_on_holidays: bool = False  # the state's legal holidays per the `holidays` package
    # Holidays a state's calling law names that the `holidays` package does not hold (year -> {date: name}).
    extra_holidays: Callable[[int], Mapping[date, str]] | None = None
    max_messages_per_24h: int | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    note: str = ""
    checked_on: date = date(2026, 12, 7)  # when this entry was last checked against its sources

    def in_force(self, on: date) -> bool:
        if self.effective_from and on < self.effective_from:
            return False
        return not (self.effective_to and on > self.effective_to)

    def describe(self, weekday: int) -> str:
        window = self.hours.get(weekday)
        if window is None:
            return f"{self.jurisdiction} no messages on {WEEKDAY_NAMES[weekday]}"
        return f"{self.jurisdiction} {window[0]:%H:%M}-{window[1]:%H:%M}"


# TCPA: no telephone solicitation before 8:00 a.m. or after 9:00 p.m. at the called party's location;
# texts are treated as calls. 47 CFR 64.1200(c)(1). REFERENCE §4.1 [V].
FEDERAL_CALLING_WINDOW = CallingWindow(
    jurisdiction="US",
    hours=_daily(8, 21),
    source="47 CFR 64.1200(c)(1); https://www.leadgen-economy.com/blog/telemarketing-calling-hours-by-state",
    confidence="V",
)

_VENDOR_TABLE = (
    "vendor tables, REFERENCE §4.3 'Other stricter windows' (2025-11-01): "
    "https://www.dropcowboy.com/state-compliance ; "
    "https://blog.clickpointsoftware.com/telemarketing-calling-hours-by-state (July 2025); "
    "verify each statute"
)


@lru_cache(maxsize=64)
def pennsylvania_solicitation_holidays(year: int) -> Mapping[date, str]:
    """Pennsylvania's no-solicitation holidays that the `holidays` package lacks for PA: Good Friday, Flag Day
    (June 14) and Election Day (the Tuesday after the first Monday in November)."""
    first_monday = date(year, 11, 1) + timedelta(days=(7 - date(year, 11, 1).weekday()) % 7)
    return {
        easter(year) - timedelta(days=2): "Good Friday",
        date(year, 6, 14): "Flag Day",
        first_monday + timedelta(days=1): "Election Day",
    }


# State windows stricter than federal. REFERENCE §4.3 ("use the most restrictive of federal vs. state").
STATE_CALLING_WINDOWS: dict[str, CallingWindow] = {
    # Florida Telephone Solicitation Act: 8 a.m.-8 p.m. called party's time; <= 3 commercial solicitation
    # calls per 24 h on the same subject; area-code presumption. Fla. Stat. 501.059, 501.616.
    "FL": CallingWindow(
        "FL",
        _daily(8, 20),
        source=(
            "Fla. Stat. 501.616(6)(a) (hours) and (6)(b) (3 per 24 h), added by ch. 2021-185; "
            "https://flsenate.gov/Session/Bill/2021/1120/BillText/Filed/HTML"
        ),
        confidence="V",
        max_messages_per_24h=3,
        effective_from=date(2021, 7, 1),
    ),
    # Oklahoma Telephone Solicitation Act 2022 (eff. 2022-11-01): 8 a.m.-8 p.m.; <= 3 calls per 24 h.
    "OK": CallingWindow(
        "OK",
        _daily(8, 20),
        source="Okla. Stat. tit. 15, § 775C.1 et seq. (OTSA 2022); https://dnc.dreamhosters.com/?p=1309",
        confidence="V",
        max_messages_per_24h=3,
        effective_from=date(2022, 11, 1),
    ),
    # Maryland Stop the Spam Calls Act 2023: 8 a.m.-8 p.m.; <= 3 attempts per 24 h.
    "MD": CallingWindow(
        "MD",
        _daily(8, 20),
        source=(
            "Md. Code, Com. Law § 14-4501 et seq. (Stop the Spam Calls Act 2023); "
            "https://www.compliancepoint.com/marketing-compliance/states-continue-proposing-unique-telemarketing-laws/"
        ),
        confidence="V",
        max_messages_per_24h=3,
        effective_from=date(2024, 1, 1),
    ),
    # Washington HB 1497 (2022): 8 a.m.-8 p.m.
    "WA": CallingWindow(
        "WA",
        _daily(8, 20),
        source="Washington HB 1497 (2022); http://eflo.net/VICIDIALforum/viewtopic.php?f=2&t=41540",
        confidence="V",
    ),
    # Connecticut (Conn. Gen. Stat. 42-288a as amended by P.A. 23-98, in force 2023-10-01). Checked 2026-12-08
    # against REFERENCE §4.3 and its two cited tables: dropcowboy.com/state-compliance (updated 2025-11-01)
    # gives 9 a.m.-8 p.m. on weekdays, Saturdays, Sundays and holidays alike; ClickPoint (July 2025) gives
    # 9 a.m.-9 p.m. They disagree only on the evening end, so the stricter 9 a.m.-8 p.m. applies every day.
    # Neither source restricts Sundays or holidays. Conn. Gen. Stat. 42-288(c) presumes a call to a Connecticut
    # area code is made in Connecticut, which the area-code candidate state already covers.
    "CT": CallingWindow(
        "CT",
        _daily(9, 20),
        source=(
            "Conn. Gen. Stat. 42-288a (P.A. 23-98, from 2023-10-01); hours per REFERENCE §4.3: "
            "https://www.dropcowboy.com/state-compliance (9-8, 2025-11-01) vs "
            "https://blog.clickpointsoftware.com/telemarketing-calling-hours-by-state (9-9, July 2025): "
            "stricter 9 a.m.-8 p.m. used"
        ),
        confidence="V-2nd",
        effective_from=date(2023, 10, 1),
        checked_on=date(2026, 12, 8),
        note="sources conflict on the evening end (8 vs 9 p.m.); the stricter 8 p.m. is enforced every day",
    ),
    # Alabama: 8-8, no Sundays or holidays.
    "AL": CallingWindow(
        "AL", _daily(8, 20, sun=None), source=_VENDOR_TABLE, confidence="V-2nd", closed_on_holidays=True
    ),
    # Kentucky: 10 a.m.-9 p.m.
    "KY": CallingWindow("KY", _daily(10, 21), source=_VENDOR_TABLE, confidence="V-2nd"),
    # Louisiana: 8-8, no Sundays or holidays.
    "LA": CallingWindow(
        "LA", _daily(8, 20, sun=None), source=_VENDOR_TABLE, confidence="V-2nd", closed_on_holidays=True
    ),
    # Massachusetts: 8-8.
    "MA": CallingWindow("MA", _daily(8, 20), source=_VENDOR_TABLE, confidence="V-2nd"),
    # Michigan: 9-9.
    "MI": CallingWindow("MI", _daily(9, 21), source=_VENDOR_TABLE, confidence="V-2nd"),
    # Minnesota: 9-9.
    "MN": CallingWindow("MN", _daily(9, 21), source=_VENDOR_TABLE, confidence="V-2nd"),
    # Mississippi: 8-8 (the table says CST; Mississippi is wholly Central time), no Sundays.
    "MS": CallingWindow("MS", _daily(8, 20, sun=None), source=_VENDOR_TABLE, confidence="V-2nd"),
    # Nevada: 9-8.
    "NV": CallingWindow("NV", _daily(9, 20), source=_VENDOR_TABLE, confidence="V-2nd"),
    # New Mexico: 9-9.
    "NM": CallingWindow("NM", _daily(9, 21), source=_VENDOR_TABLE, confidence="V-2nd"),
    # Rhode Island Telephone Sales Solicitation Act: unsolicited telephonic sales calls only during "hours of
    # operation" (R.I. Gen. Laws 5-61-3.6), defined in 5-61-2 as "Monday through Friday, except a state or
    # federal holiday, nine o'clock (9:00 a.m.) to six o'clock (6:00 p.m.); Saturday ten o'clock (10:00 a.m.)
    # to five o'clock (5:00 p.m.)": no Sunday at all. Checked 2026-12-08: REFERENCE §4.3 (vendor table
    # "RI 9-6 weekdays (Sat shorter)") agrees with the statute's text. The statute names holidays only for
    # weekdays; a holiday on a Saturday is treated as closed too (both vendor tables mark RI holidays "No
    # Calls"; holding longer never breaks a calling-hours law). State and federal holidays come from the
    # `holidays` package (RI: the federal holidays plus Victory Day, and the observed days).
    "RI": CallingWindow(
        "RI",
        _daily(9, 18, sat=(time(10), time(17)), sun=None),
        source=(
            'R.I. Gen. Laws 5-61-2 ("hours of operation") and 5-61-3.6; '
            "https://instalawyer.io/laws/rhode-island-general-laws/section-5-61-2-definitions ; "
            "http://webserver.rilin.state.ri.us/Statutes/TITLE5/5-61/5-61-3.6.HTM ; " + _VENDOR_TABLE
        ),
        confidence="V",
        closed_on_holidays=True,
        checked_on=date(2026, 12, 8),
        note="weekdays 9-6 and Saturday 10-5 per the statute; no Sundays; no state or federal holidays",
    ),
    # Texas: 9 a.m.-9 p.m. Monday-Saturday, noon-9 p.m. Sunday.
    "TX": CallingWindow(
        "TX", _daily(9, 21, sun=(time(12), time(21))), source=_VENDOR_TABLE, confidence="V-2nd"
    ),
    # Pennsylvania. Checked 2026-12-08. REFERENCE §4.3 says only "PA Sat restricted"; its cited table
    # (dropcowboy.com/state-compliance, 2025-11-01) gives Mon-Fri 8 a.m.-9 p.m., Saturday 8 a.m.-12 p.m.,
    # Sunday 8 a.m.-9 p.m. and "No Calls" on holidays. Drop Cowboy's own Pennsylvania page and the
    # Attorney General's advisory say federal hours only (8 a.m.-9 p.m.); the stricter table is used.
    # The holidays are the ones Pennsylvania's telemarketing law names (New Year's Day, Martin Luther King,
    # Jr. Day, Presidents' Day, Good Friday, Memorial Day, Flag Day, Independence Day, Labor Day, Columbus
    # Day, Election Day, Veterans Day, Thanksgiving, Christmas; dnc.dreamhosters.com, the REFERENCE §4.3
    # Oklahoma source, on the amendment signed by Governor Wolf), plus the state's own holidays in the
    # `holidays` package. Not enforced: SB 992 (no Sundays, 9 a.m.-7 p.m.), which had passed only the Senate.
    "PA": CallingWindow(
        "PA",
        _daily(8, 21, sat=(time(8), time(12))),
        source=(
            "73 P.S. § 2241 et seq. (Telemarketer Registration Act); hours per REFERENCE §4.3: "
            "https://www.dropcowboy.com/state-compliance (Sat 8 a.m.-12 p.m., no holidays; 2025-11-01); "
            "holidays: https://dnc.dreamhosters.com/update-pennsylvania-governor-signs-new-robocall-restrictions-law"
        ),
        confidence="V-2nd",
        closed_on_holidays=True,
        extra_holidays=pennsylvania_solicitation_holidays,
        checked_on=date(2026, 12, 8),
        note="Saturday 8 a.m.-noon and no holidays (stricter vendor table); other days the federal window",
    ),
}

# IANA zones per state, for when neither the ZIP nor the phone gives a zone. Split states list every zone so
# the strictest window across them applies.
STATE_TIME_ZONES: dict[str, tuple[str, ...]] = {
    "AL": ("America/Chicago",),
    "AK": ("America/Anchorage", "America/Adak"),
    "AZ": ("America/Phoenix", "America/Denver"),  # the Navajo Nation observes DST
    "AR": ("America/Chicago",),
    "CA": ("America/Los_Angeles",),
    "CO": ("America/Denver",),
    "CT": ("America/New_York",),
    "DE": ("America/New_York",),
    "DC": ("America/New_York",),
    "FL": ("America/New_York", "America/Chicago"),
    "GA": ("America/New_York",),
    "HI": ("Pacific/Honolulu",),
    "ID": ("America/Boise", "America/Los_Angeles"),
    "IL": ("America/Chicago",),
    "IN": ("America/Indiana/Indianapolis", "America/Chicago"),
    "IA": ("America/Chicago",),
    "KS": ("America/Chicago", "America/Denver"),
    "KY": ("America/New_York", "America/Chicago"),
    "LA": ("America/Chicago",),
    "ME": ("America/New_York",),
    "MD": ("America/New_York",),
    "MA": ("America/New_York",),
    "MI": ("America/Detroit", "America/Menominee"),
    "MN": ("America/Chicago",),
    "MS": ("America/Chicago",),
    "MO": ("America/Chicago",),
    "MT": ("America/Denver",),
    "NE": ("America/Chicago", "America/Denver"),
    "NV": ("America/Los_Angeles", "America/Denver"),
    "NH": ("America/New_York",),
    "NJ": ("America/New_York",),
    "NM": ("America/Denver",),
    "NY": ("America/New_York",),
    "NC": ("America/New_York",),
    "ND": ("America/Chicago", "America/Denver"),
    "OH": ("America/New_York",),
    "OK": ("America/Chicago",),
    "OR": ("America/Los_Angeles", "America/Boise"),
    "PA": ("America/New_York",),
    "RI": ("America/New_York",),
    "SC": ("America/New_York",),
    "SD": ("America/Chicago", "America/Denver"),
    "TN": ("America/Chicago", "America/New_York"),
    "TX": ("America/Chicago", "America/Denver"),
    "UT": ("America/Denver",),
    "VT": ("America/New_York",),
    "VA": ("America/New_York",),
    "WA": ("America/Los_Angeles",),
    "WV": ("America/New_York",),
    "WI": ("America/Chicago",),
    "WY": ("America/Denver",),
    "PR": ("America/Puerto_Rico",),
    "GU": ("Pacific/Guam",),
    "VI": ("America/St_Thomas",),
    "AS": ("Pacific/Pago_Pago",),
    "MP": ("Pacific/Saipan",),
}

# With no ZIP, phone or state zone at all, assume the borrower could be anywhere in the 50 states.
UNKNOWN_LOCATION_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)

# A toll-free or non-geographic number maps to dozens of zones; that tells us nothing (REFERENCE §6).
MAX_PHONE_ZONES = 5
UNKNOWN_PHONE_ZONE = "Etc/Unknown"

_STATE_NAMES = {
    "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
    "Connecticut": "CT", "Delaware": "DE", "Washington D.C.": "DC", "Florida": "FL", "Georgia": "GA",
    "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS",
    "Kentucky": "KY", "Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA",
    "Michigan": "MI", "Minnesota": "MN", "Mississippi": "MS", "Missouri": "MO", "Montana": "MT",
    "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM",
    "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK",
    "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
    "Washington State": "WA", "Washington": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
}  # fmt: skip
_TERRITORY_REGIONS = {"PR", "GU", "VI", "AS", "MP"}


# ------------------------------------------------------------------------------------------ where they are


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse_phone(phone_e164: str | None):
    if not phone_e164:
        return None
    try:
        return phonenumbers.parse(phone_e164, None)
    except phonenumbers.NumberParseException:
        return None


def phone_time_zones(phone_e164: str | None) -> list[str]:
    """Zones for the number's area code; empty when unknown or too ambiguous (toll-free)."""
    return list(_phone_time_zones(phone_e164))


@lru_cache(maxsize=8192)
def _phone_time_zones(phone_e164: str | None) -> tuple[str, ...]:
    # Cached: every decision on a text asks for its number's zones, and parsing the number is the slow part.
    number = _parse_phone(phone_e164)
    if number is None:
        return ()
    zones = [z for z in phone_timezone.time_zones_for_number(number) if z != UNKNOWN_PHONE_ZONE]
    if len(zones) > MAX_PHONE_ZONES:
        return ()
    return tuple(z for z in zones if _is_zone(z))


def candidate_time_zones(zip_tz: str | None, phone_e164: str | None, state: str | None) -> list[str]:
    """Every zone the borrower may be in: the ZIP's zone, the phone area code's zones, and, when the ZIP gave
    no zone, the state's zones. Order: ZIP first (the address is the most reliable), then phone, then state.
    Empty only when nothing is known; ``next_allowed_send_time`` then assumes any US zone."""
    zones: list[str] = []
    if zip_tz and _is_zone(zip_tz):
        zones.append(zip_tz)
    zones += phone_time_zones(phone_e164)
    if not (zip_tz and _is_zone(zip_tz)) and state:
        zones += STATE_TIME_ZONES.get(state.upper(), ())
    return list(dict.fromkeys(zones))


@lru_cache(maxsize=8192)
def phone_state(phone_e164: str | None) -> str | None:
    """The US state (or territory) of the number's area code, for the FL/OK area-code presumption (cached,
    as the zones)."""
    number = _parse_phone(phone_e164)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    if region in _TERRITORY_REGIONS:
        return region
    if region != "US":
        return None
    description = phone_geocoder.description_for_number(number, "en")
    if description in _STATE_NAMES:
        return _STATE_NAMES[description]
    # Some area codes are described by city: "Palm Beach, FL".
    match = re.search(r", ([A-Z]{2})$", description)
    return match.group(1) if match else None


def candidate_states(state: str | None, phone_e164: str | None) -> list[str]:
    """The property/mailing state plus the phone's area-code state (Florida and Oklahoma presume the called
    party is in the state of the area code, REFERENCE §4.3): every one of them applies."""
    states = [state.upper()] if state else []
    area_state = phone_state(phone_e164)
    if area_state:
        states.append(area_state)
    return list(dict.fromkeys(states))


# -------------------------------------------------------------------------------------------- quiet hours


@dataclass(frozen=True)
class SendWindowDecision:
    allowed_now: bool
    send_at_utc: datetime  # now when allowed, else when the window opens; the message is held until then
    reasons: list[str]
    zones: list[str] = field(default_factory=list)
    jurisdictions: list[str] = field(default_factory=list)
    # True when no moment satisfies every candidate zone within the search horizon (e.g. a Guam area code with
    # a Florida ZIP). send_at_utc is then the first opening in the first (most reliable) zone; a person should
    # look before it goes out.
    needs_review: bool = False


@lru_cache(maxsize=512)
def _state_holidays(state: str, year: int) -> Mapping[date, str]:
    return dict(holidays_package.country_holidays("US", subdiv=state, years=year).items())


def _window_blocks(rule: CallingWindow, zone: ZoneInfo, zone_name: str, moment: datetime) -> str | None:
    """Why ``rule`` forbids a message at ``moment`` in ``zone``, or None when it allows it."""
    local = moment.astimezone(zone)
    day = local.date()
    if not rule.in_force(day):
        return None
    stamp = f"{WEEKDAY_NAMES[local.weekday()]} {local:%H:%M} in {zone_name}"
    if rule.closed_on_holidays:
        holiday = _state_holidays(rule.jurisdiction, day.year).get(day)
        if not holiday and rule.extra_holidays is not None:
            holiday = rule.extra_holidays(day.year).get(day)
        if holiday:
            return f"{stamp} is a {rule.jurisdiction} holiday ({holiday}): no messages"
    window = rule.hours.get(local.weekday())
    if window is None:
        return f"{stamp}: {rule.describe(local.weekday())}"
    start, end = window
    if start <= local.time().replace(tzinfo=None) < end:
        return None
    return f"{stamp} is outside {rule.describe(local.weekday())}"


def _blocks_at(rules, zones, moment) -> list[str]:
    return [
        reason
        for name, zone in zones
        for rule in rules
        if (reason := _window_blocks(rule, zone, name, moment)) is not None
    ]


def _openings(rules, zones, now_utc: datetime, search_days: int) -> list[datetime]:
    """Every window start (UTC) after now, for every rule in every zone; the earliest allowed moment is
    one of them (or now)."""
    moments = set()
    for _, zone in zones:
        today = now_utc.astimezone(zone).date()
        for offset in range(-1, search_days + 1):
            day = today + timedelta(days=offset)
            for rule in rules:
                window = rule.hours.get(day.weekday())
                if window is None:
                    continue
                opening = datetime.combine(day, window[0], tzinfo=zone).astimezone(UTC)
                if opening > now_utc:
                    moments.add(opening)
    return sorted(moments)


def applicable_windows(states: Iterable[str] | None) -> list[CallingWindow]:
    """Federal window plus each known state's; unknown or unregulated states add nothing."""
    rules = [FEDERAL_CALLING_WINDOW]
    for state in dict.fromkeys(s.upper() for s in states or () if s):
        if state in STATE_CALLING_WINDOWS:
            rules.append(STATE_CALLING_WINDOWS[state])
    return rules


def _aware_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)


def _local_stamp(moment: datetime, zone_name: str) -> str:
    local = moment.astimezone(ZoneInfo(zone_name))
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M %Z} in {zone_name}"


def next_allowed_send_time(
    now_utc: datetime,
    zones: Sequence[str] | None,
    states: Iterable[str] | None,
    *,
    search_days: int = 14,
) -> SendWindowDecision:
    """Is a marketing text or call allowed now, and if not, when? Strictest window across every zone and
    state wins."""
    now_utc = _aware_utc(now_utc)
    reasons: list[str] = []
    zone_names = [z for z in dict.fromkeys(zones or ()) if _is_zone(z)]
    if not zone_names:
        zone_names = list(UNKNOWN_LOCATION_ZONES)
        reasons.append("borrower time zone unknown: every US zone must be inside the window")
    zone_pairs = [(name, ZoneInfo(name)) for name in zone_names]
    rules = applicable_windows(states)
    jurisdictions = [rule.jurisdiction for rule in rules]
    reasons.append(f"zones: {', '.join(zone_names)}; rules: {', '.join(jurisdictions)}")

    blocks = _blocks_at(rules, zone_pairs, now_utc)
    if not blocks:
        reasons.append(f"allowed now ({_local_stamp(now_utc, zone_names[0])})")
        return SendWindowDecision(True, now_utc, reasons, zone_names, jurisdictions)

    reasons += [f"held: {block}" for block in blocks]
    for moment in _openings(rules, zone_pairs, now_utc, search_days):
        if not _blocks_at(rules, zone_pairs, moment):
            reasons.append(
                f"send at {moment:%Y-%m-%d %H:%M} UTC ({_local_stamp(moment, zone_names[0])})",
            )
            return SendWindowDecision(False, moment, reasons, zone_names, jurisdictions)

    # No moment fits every zone: fall back to the first zone so the message is still held, not dropped.
    first = zone_pairs[:1]
    moment = next(m for m in _openings(rules, first, now_utc, search_days) if not _blocks_at(rules, first, m))
    reasons.append(
        f"no moment within {search_days} days is inside the window in every zone; held for review, "
        f"earliest in {zone_names[0]} is {moment:%Y-%m-%d %H:%M} UTC"
    )
    return SendWindowDecision(False, moment, reasons, zone_names, jurisdictions, needs_review=True)


# ----------------------------------------------------------------------------------------- frequency caps


def _caps(state: str | Iterable[str] | None, on: date) -> list[CallingWindow]:
    states = [state] if isinstance(state, str) else list(state or ())
    return [
        rule
        for rule in applicable_windows(states)
        if rule.max_messages_per_24h is not None and rule.in_force(on)
    ]


def frequency_cap_allows(
    sent_times_utc: Iterable[datetime], now_utc: datetime, state: str | Iterable[str] | None
) -> tuple[bool, str]:
    """May one more solicitation go out now under the state's rolling 24-hour cap (FL/OK/MD: at most 3 per
    24 h on the same subject, REFERENCE §4.3)? ``sent_times_utc`` are the earlier solicitations to this
    borrower (the caller picks which messages count). ``state`` may be several states (address and area
    code): the strictest cap applies."""
    now_utc = _aware_utc(now_utc)
    caps = _caps(state, now_utc.date())
    if not caps:
        return True, "no state frequency cap applies"
    rule = min(caps, key=lambda r: r.max_messages_per_24h)
    limit = rule.max_messages_per_24h
    window_start = now_utc - timedelta(hours=24)
    recent = sorted(t for t in map(_aware_utc, sent_times_utc) if window_start < t <= now_utc)
    if len(recent) < limit:
        return True, f"{len(recent)} of {limit} allowed in 24 h under {rule.jurisdiction} ({rule.source})"
    next_slot = recent[len(recent) - limit] + timedelta(hours=24)
    return False, (
        f"{len(recent)} sent in the last 24 h; {rule.jurisdiction} allows {limit} ({rule.source}); "
        f"next allowed at {next_slot:%Y-%m-%d %H:%M} UTC"
    )


def frequency_cap_next_allowed(
    sent_times_utc: Iterable[datetime], now_utc: datetime, state: str | Iterable[str] | None
) -> datetime:
    """``now_utc`` when the cap allows a message, else when the oldest counted message leaves the window."""
    now_utc = _aware_utc(now_utc)
    caps = _caps(state, now_utc.date())
    if not caps:
        return now_utc
    limit = min(rule.max_messages_per_24h for rule in caps)
    window_start = now_utc - timedelta(hours=24)
    recent = sorted(t for t in map(_aware_utc, sent_times_utc) if window_start < t <= now_utc)
    if len(recent) < limit:
        return now_utc
    return recent[len(recent) - limit] + timedelta(hours=24)
