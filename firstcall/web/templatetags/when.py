"""One way to show a time everywhere: in the viewer's own time zone, with its abbreviation.

`{% load when %}` then:
- `{{ moment|when }}`          -> <time datetime="2026-12-07T22:30:00+00:00">Dec 7, 5:30 PM EST</time>
- `{{ moment|when:"time" }}`   -> 5:30 PM EST;  `"date"` -> Dec 7, 2026;  `"full"` -> Mon Dec 7, 2026, 5:30 PM EST
- `{{ moment|when_theirs:lead }}` -> the borrower's local time, labelled as theirs: "4:30 PM CST, their time"

The viewer's zone is the one the request activated (web/middleware.py: the person's own zone, else the
organisation's); times are stored in UTC.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

register = template.Library()

FORMATS = {
    "short": "%b %-d, %-I:%M %p",
    "time": "%-I:%M %p",
    "date": "%b %-d, %Y",
    "full": "%a %b %-d, %Y, %-I:%M %p",
    "seconds": "%b %-d, %Y, %-I:%M:%S %p",
}


def _zone(name: str | None):
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_text(moment: datetime, style: str = "short", zone=None) -> str:
    """The words for a moment in `zone` (default: the active zone), with the zone's abbreviation."""
    zone = zone or timezone.get_current_timezone()
    local = moment.astimezone(zone)
    text = local.strftime(FORMATS.get(style, FORMATS["short"]))
    if style != "date":
        text += " " + local.tzname()
    return text


def _render(moment, style: str, zone, suffix: str = ""):
    if moment in (None, ""):
        return ""
    if isinstance(moment, str):  # an ISO 8601 time kept in an event's data
        moment = parse_datetime(moment)
        if moment is None:
            return ""
    if isinstance(moment, date) and not isinstance(moment, datetime):
        return format_html('<time datetime="{}">{}</time>', moment.isoformat(), moment.strftime("%b %-d, %Y"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return format_html(
        '<time datetime="{}">{}{}</time>', moment.isoformat(), local_text(moment, style, zone), suffix
    )


@register.filter
def when(moment, style: str = "short"):
    return _render(moment, style or "short", None)


@register.filter
def when_theirs(moment, lead):
    """The borrower's local time (their lead's zone), said to be theirs."""
    zone = _zone(getattr(lead, "time_zone", "") or "")
    if zone is None:
        return _render(moment, "time", None)
    return _render(moment, "time", zone, ", their time")


@register.filter
def zone_abbreviation(moment):
    """The viewer's zone abbreviation at that moment ("EST"), for labels such as "Due (your time, EST)"."""
    if not isinstance(moment, datetime):
        moment = timezone.now()
    return moment.astimezone(timezone.get_current_timezone()).tzname()
