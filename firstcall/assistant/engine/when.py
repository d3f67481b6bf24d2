"""When a borrower wants to hear from us: a callback time ("call me tomorrow after 5", "mañana en la tarde") or a
date to come back ("maybe in the spring", "after my lease ends in June"), read in the borrower's own time zone.

Conventions, so that every reader of a parsed time agrees on it:
- a bare hour from 1 to 7 is afternoon ("at 3", "after 5"), 8 to 11 is morning unless the evening is named;
- "after 5" is 5:00, "before 9am" is an hour earlier, "around noon" is noon;
- a time already past today means tomorrow; a day with no time means 10:00 that day;
- morning 9:00, lunch 12:00, afternoon 14:00, after work 17:30, evening and tonight 18:00;
- seasons start on the first day of their first month (spring 1 March, summer 1 June, fall 1 September,
  winter 1 December); a month named alone is its first day, in the next such month.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = {
    "monday": 0, "mon": 0, "lunes": 0, "tuesday": 1, "tues": 1, "tue": 1, "martes": 1,
    "wednesday": 2, "wed": 2, "weds": 2, "miercoles": 2, "thursday": 3, "thurs": 3, "thu": 3, "thur": 3,
    "jueves": 3, "friday": 4, "fri": 4, "viernes": 4, "saturday": 5, "sat": 5, "sabado": 5,
    "sunday": 6, "sun": 6, "domingo": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "enero": 1, "february": 2, "feb": 2, "febrero": 2, "march": 3, "marzo": 3,
    "april": 4, "apr": 4, "abril": 4, "may": 5, "mayo": 5, "june": 6, "jun": 6, "junio": 6, "july": 7,
    "jul": 7, "julio": 7, "august": 8, "aug": 8, "agosto": 8, "september": 9, "sept": 9, "sep": 9,
    "septiembre": 9, "setiembre": 9, "october": 10, "oct": 10, "octubre": 10, "november": 11, "nov": 11,
    "noviembre": 11, "december": 12, "dec": 12, "diciembre": 12,
}  # fmt: skip
SEASONS = {
    "spring": 3, "primavera": 3, "summer": 6, "verano": 6, "fall": 9, "autumn": 9, "otono": 9,
    "winter": 12, "invierno": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "un": 1, "una": 1, "uno": 1, "two": 2, "dos": 2, "couple": 2, "few": 3,
    "three": 3, "tres": 3, "unos": 3, "several": 4, "four": 4, "cuatro": 4, "five": 5, "cinco": 5, "six": 6,
    "seis": 6, "eight": 8, "ocho": 8, "nine": 9, "nueve": 9, "ten": 10, "diez": 10, "twelve": 12, "doce": 12,
}  # fmt: skip

DAY_PARTS = [
    (r"\bafter work\b|\bdespues del trabajo\b|\bsaliendo del trabajo\b", time(17, 30)),
    (r"\b(after )?lunch\b|\bmediodia\b|\bnoon\b|\bal mediodia\b", time(12, 0)),
    (r"\b(en|por|de) la manana\b|\bmorning\b|\btemprano\b", time(9, 0)),
    (r"\b(en|por|de) la tarde\b|\bafternoon\b|\besta tarde\b", time(14, 0)),
    (r"\b(en|por|de) la noche\b|\besta noche\b|\bevening\b|\btonight\b|\bnight\b", time(18, 0)),
]
EVENING = re.compile(r"\bevening\b|\btonight\b|\bnight\b|\bnoche\b|\bpm\b|\btarde\b")

_CLOCK = re.compile(
    r"(?:(?P<prep>after|before|around|about|at|by|from|despues de las?|antes de las?|a las?|como a las?|tipo)\s+)?"
    r"(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?(?![\d%$kK/-])"
)


@dataclass(frozen=True)
class _Clock:
    at: time
    explicit_meridiem: bool


def _clock_time(text: str) -> _Clock | None:
    """The first time of day said in the text, or None. Numbers that are money, percentages or ages are skipped."""
    for match in _CLOCK.finditer(text):
        hour = int(match["hour"])
        minute = int(match["minute"] or 0)
        ampm = (match["ampm"] or "").replace(".", "")
        prep = match["prep"] or ""
        if not ampm and not match["minute"] and not prep:
            continue  # a bare number ("720 score", "30 year") is not a time
        if hour > 23 or minute > 59:
            continue
        following = text[match.end() : match.end() + 12]
        if re.match(
            r"\s*(years?|yrs?|yr|months?|days?|weeks?|hours?|minutes?|anos?|meses|dias|semanas|horas|minutos|%|k\b)",
            following,
        ):
            continue
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        elif not ampm and hour <= 12:
            if 1 <= hour <= 7 or (hour < 12 and EVENING.search(text)):
                hour += 12
        if prep.startswith(("before", "antes")):
            hour = max(hour - 1, 0)
        return _Clock(time(hour % 24, minute), bool(ampm))
    return None


def _day_part(text: str) -> time | None:
    for pattern, at in DAY_PARTS:
        if re.search(pattern, text):
            return at
    return None


def _named_day(text: str, today: date) -> date | None:
    if re.search(r"\bpasado manana\b|\bday after tomorrow\b", text):
        return today + timedelta(days=2)
    # "mañana" alone is tomorrow; "en la mañana" / "por la mañana" is the morning.
    if re.search(r"\btomorrow\b", text) or re.search(r"(?<!la )(?<!las )\bmanana\b", text):
        return today + timedelta(days=1)
    if re.search(
        r"\btoday\b|\btonight\b|\bhoy\b|\besta (noche|tarde)\b|\blater today\b|\bthis (afternoon|evening|morning)\b",
        text,
    ):
        return today
    if re.search(r"\bthis weekend\b|\bel fin de semana\b|\bweekend\b|\bfin de semana\b", text):
        return today + timedelta(days=(5 - today.weekday()) % 7 or 7) if today.weekday() != 5 else today
    if re.search(r"\bnext week\b|\bla proxima semana\b|\bla semana que viene\b", text):
        return today + timedelta(days=7 - today.weekday())
    for word, weekday in WEEKDAYS.items():
        if re.search(rf"\b{word}\b", text):
            ahead = (weekday - today.weekday()) % 7
            return today + timedelta(days=ahead or 7)
    return None


def _relative(text: str, now: datetime) -> datetime | None:
    match = re.search(
        r"\b(?:in|en|within|dentro de)\s+(?:(?:a|an|about|like|unos?|unas?)\s+)?(\d+|[a-z]+)?\s*"
        r"(minutes?|minutos?|hours?|horas?|hr)\b",
        text,
    )
    if not match:
        if re.search(r"\bhalf an? hour\b|\bmedia hora\b", text):
            return now + timedelta(minutes=30)
        return None
    amount_word, unit = match.group(1), match.group(2)
    amount = (
        int(amount_word) if amount_word and amount_word.isdigit() else NUMBER_WORDS.get(amount_word or "", 1)
    )
    if unit.startswith(("min",)):
        return now + timedelta(minutes=amount)
    return now + timedelta(hours=amount)


def callback_time(normalised: str, received_at: datetime, zone: ZoneInfo) -> datetime | None:
    """The local time the borrower asked to be called, as an aware datetime in their zone, or None."""
    now = received_at.astimezone(zone)
    relative = _relative(normalised, now)
    if relative:
        return relative.replace(second=0, microsecond=0)
    if re.search(r"\blater today\b|\bal rato\b|\bmas tarde\b|\blater\b", normalised) and not re.search(
        r"\d", normalised
    ):
        return (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    day = _named_day(normalised, now.date())
    clock = _clock_time(normalised)
    at = clock.at if clock else _day_part(normalised)
    if day is None and at is None:
        return None
    if at is None:
        at = time(10, 0)
    if day is None:
        day = now.date()
        if datetime.combine(day, at, tzinfo=zone) <= now:
            day += timedelta(days=1)
    moment = datetime.combine(day, at, tzinfo=zone)
    if moment <= now and clock and not clock.explicit_meridiem and at.hour < 12:
        moment += timedelta(hours=12)
    return moment


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    return date(year, month_index % 12 + 1, 1)


def come_back_date(normalised: str, received_at: datetime, zone: ZoneInfo) -> datetime | None:
    """When a borrower who said 'not now' asked to be contacted again, at 10:00 their time, or None."""
    today = received_at.astimezone(zone).date()

    def at_ten(day: date) -> datetime:
        return datetime.combine(day, time(10, 0), tzinfo=zone)

    amount = re.search(
        r"\b(?:in|en|about|around|unos?|unas?|after|give it|dentro de)\s+(?:(?:a|an|about|like|unos?|unas?|another|otros?)\s+)?"
        r"(\d+|[a-z]+)\s*(?:or so\s+)?(months?|meses|mes|years?|anos?|weeks?|semanas?)\b",
        normalised,
    )
    if amount:
        number = amount.group(1)
        count = int(number) if number.isdigit() else NUMBER_WORDS.get(number)
        if count:
            unit = amount.group(2)
            if unit.startswith(("week", "seman")):
                return at_ten(today + timedelta(weeks=count))
            if unit.startswith(("year", "ano")):
                return at_ten(date(today.year + count, today.month, 1))
            return at_ten(_add_months(today, count))
    if re.search(r"\bin a year\b|\ben un ano\b|\ba year from now\b", normalised):
        return at_ten(date(today.year + 1, today.month, 1))
    if re.search(
        r"\bafter (the )?holidays\b|\bdespues de (las )?fiestas\b|\bnew year\b|\bano nuevo\b", normalised
    ):
        return at_ten(date(today.year + 1, 1, 2) if today.month >= 10 else date(today.year, 1, 2))
    if re.search(r"\btax (season|time)\b|\bimpuestos\b", normalised):
        candidate = date(today.year, 4, 16)
        return at_ten(candidate if candidate > today else date(today.year + 1, 4, 16))
    for word, month in MONTHS.items():
        if word == "may" and not re.search(r"\b(in|en|until|by|of|after|till|hasta|para) may\b", normalised):
            continue  # "may" is usually the verb
        if re.search(rf"\b{word}\b", normalised):
            year = today.year if month > today.month else today.year + 1
            return at_ten(date(year, month, 1))
    for word, month in SEASONS.items():
        if re.search(rf"\b{word}\b", normalised):
            year = today.year if month > today.month else today.year + 1
            return at_ten(date(year, month, 1))
    if re.search(r"\bnext year\b|\bel proximo ano\b|\bel ano que viene\b|\bproximo ano\b", normalised):
        return at_ten(date(today.year + 1, 1, 5))
    if re.search(r"\bnext month\b|\bel proximo mes\b|\bel mes que viene\b", normalised):
        return at_ten(_add_months(today, 1))
    if re.search(r"\blater this year\b|\bmas adelante este ano\b", normalised):
        return at_ten(_add_months(today, 3))
    if re.search(r"\bcouple (of )?months\b|\bpar de meses\b", normalised):
        return at_ten(_add_months(today, 2))
    if re.search(r"\bfew months\b|\bunos meses\b|\bpocos meses\b", normalised):
        return at_ten(_add_months(today, 3))
    return None
