"""Referral partners have no staff workspace: the one rule, kept here for every page, fragment, export and API.

A partner account that is signed in as a Django user (a password at /login/) is turned, on its first request,
into a partner portal session (portals.services.partner_signed_in_with_password, the same identity a partner's
sign-in link gives) and the Django session is ended. A page asked for is answered with a redirect to the
partner portal; anything else (an htmx fragment, a form post, the API) with 403. No staff view therefore ever
runs for a partner, so no lead list, board, lead page, export or timeline can show a partner a stage, a lost
file or the borrower's finances: a partner sees only the milestones of borrowers who authorised sharing with
them (portals.partner; RESPA and GLBA, ../shared/domain/REFERENCE.md 4.6-4.7).

Placed after the two-factor middleware: a partner who must still set up or enter a second factor finishes that
first (those pages show no lead), and only a fully signed-in partner is turned into a portal session.
"""

from django.contrib import auth
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from firstcall.accounts import signin
from firstcall.accounts.client import client_ip
from firstcall.accounts.middleware import TWO_FACTOR_EXEMPT_URL_NAMES
from firstcall.accounts.models import User
from firstcall.accounts.two_factor import requires_two_factor
from firstcall.portals import services as portals

PORTAL_PREFIX = "/portal/"


def is_partner(user) -> bool:
    return bool(
        user is not None and user.is_authenticated and getattr(user, "role", None) == User.Role.PARTNER
    )


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class PartnerToPortalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if not is_partner(user):
            return self.get_response(request)
        if request.session.get(signin.AUTH_LEVEL) == signin.LEVEL_PASSWORD and requires_two_factor(user):
            # Still owes a second factor: only the pages that take it (the two-factor middleware sends every
            # other request there first).
            if _url_name(request) in TWO_FACTOR_EXEMPT_URL_NAMES:
                return self.get_response(request)
            return HttpResponseForbidden("Referral partners use the partner portal.")
        identity = portals.partner_signed_in_with_password(user, ip_address=client_ip(request))
        auth.logout(request)  # a new, empty session: the partner is no longer a Django user from here on
        if identity is not None:
            request.session[portals.SESSION_KEY] = identity
        if request.path_info.startswith(PORTAL_PREFIX):
            return self.get_response(request)
        if request.method in ("GET", "HEAD") and not request.path_info.startswith("/api/"):
            if request.headers.get("HX-Request") == "true":
                return HttpResponseForbidden("Referral partners use the partner portal.")
            return redirect("portal_partner_home")
        return HttpResponseForbidden("Referral partners use the partner portal.")
