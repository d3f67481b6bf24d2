"""Every page in the viewer's time zone: the person's own zone, else their organisation's, else UTC. Dates and
times typed into forms are read in the same zone, so "5:30 PM" is 5:30 PM where the person is."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone


def viewer_zone(user) -> ZoneInfo:
    names = [getattr(user, "time_zone", "") or ""]
    organisation = getattr(user, "organisation", None) if getattr(user, "organisation_id", None) else None
    if organisation is not None:
        names.append(organisation.time_zone or "")
    for name in names:
        try:
            if name:
                return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            with timezone.override(viewer_zone(user)):
                return self.get_response(request)
        return self.get_response(request)
