"""Report filters from a URL's query string (so a view can be bookmarked and shared) or the command line."""

from datetime import date, timedelta

from django.utils import timezone

from firstcall.reports.queries import GROUPINGS, Filters

DEFAULT_DAYS = 30


class BadFilter(ValueError):
    pass


def _ids(raw: str | None, name: str) -> list[int]:
    if not raw:
        return []
    try:
        return [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as error:
        raise BadFilter(f"{name}: a comma-separated list of numbers") from error


def _day(raw: str | None, name: str, default: date) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as error:
        raise BadFilter(f"{name}: a date as YYYY-MM-DD") from error


def filters_from(query, organisation_id: int, today: date | None = None) -> Filters:
    today = today or timezone.localdate()
    date_to = _day(query.get("to"), "to", today)
    date_from = _day(query.get("from"), "from", date_to - timedelta(days=DEFAULT_DAYS - 1))
    if date_from > date_to:
        raise BadFilter("from: must not be after to")
    if (date_to - date_from).days > 3660:
        raise BadFilter("from: at most ten years at once")
    by = query.get("by") or ""
    if by and by not in GROUPINGS:
        raise BadFilter(f"by: one of {', '.join(GROUPINGS)}")
    loan_types = [part for part in (query.get("loan_type") or "").split(",") if part]
    return Filters(
        organisation_id=organisation_id,
        date_from=date_from,
        date_to=date_to,
        by=by,
        source_ids=_ids(query.get("source"), "source"),
        owner_ids=_ids(query.get("lo"), "lo"),
        team_ids=_ids(query.get("team"), "team"),
        loan_types=loan_types,
    )
