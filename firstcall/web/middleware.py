"""Every page in the viewer's time zone: the person's own zone, else their organisation's, else UTC. Dates and
times typed into forms are read in the same zone, so "5:30 PM" is 5:30 PM where the person is."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def _zone_named(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def viewer_zone(user) -> ZoneInfo:
    """The person's own zone; their organisation is only read (one query) when that zone is missing or unknown."""
    zone = _zone_named(getattr(user, "time_zone", "") or "")
    if zone is None and getattr(user, "organisation_id", None):
        zone = _zone_named(getattr(user.organisation, "time_zone", "") or "")
    return zone or ZoneInfo("UTC")


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with timezone.override(viewer_zone(user)):
                return self.get_response(request)
        return self.get_response(request)
