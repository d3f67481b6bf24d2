"""Who is on the other end of a request: the client's IP address, for sign-in audit, consent proof and rate limits.
Here, below every app that serves a request, because sign-in (accounts) needs it as much as the intake channels."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    # Behind a proxy set FIRSTCALL_TRUST_X_FORWARDED_FOR=1 so the borrower's IP (consent proof) is the real one.
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45] or None
    return request.META.get("REMOTE_ADDR") or None
