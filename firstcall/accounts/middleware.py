"""Session security on every request: idle timeout, absolute session lifetime, and two-factor enforcement.

Both act on sessions made by the sign-in flow (accounts.signin marks them). Add after MessageMiddleware:

    "firstcall.accounts.middleware.IdleTimeoutMiddleware",
    "firstcall.accounts.middleware.TwoFactorRequiredMiddleware",
"""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from firstcall.accounts import signin
from firstcall.accounts.two_factor import has_two_factor, requires_two_factor

# Polls that run by themselves (the live alert strip) must not keep an idle session alive. A page marks its
# own background requests with this header (hx-headers='{"X-Background-Poll": "1"}'); the named views are
# treated as background even without it.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_POLL"
BACKGROUND_URL_NAMES = {"notifications"}
# Pages a half-signed-in person must still reach to finish (or abandon) two-factor sign-in.
TWO_FACTOR_EXEMPT_URL_NAMES = {
    "login",
    "login_verify",
    "logout",
    "two_factor_setup",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _go(request, url: str) -> HttpResponse:
    """Send the browser to `url`; an htmx request is told to navigate the whole page instead of swapping."""
    if _is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _with_next(url: str, request) -> str:
    if request.method == "GET":
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class IdleTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT_SECONDS without activity, and after SESSION_COOKIE_AGE in total."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not signin.is_marked(request):
            return self.get_response(request)
        now = time.time()
        session = request.session
        last_activity = session.get(signin.LAST_ACTIVITY, now)
        reason = None
        if now - session.get(signin.SIGNED_IN_AT, now) > settings.SESSION_COOKIE_AGE:
            reason = "session_expired"
        elif now - last_activity > signin.idle_timeout_seconds():
            reason = "idle_timeout"
        if reason:
            signin.sign_out(request, reason=reason)
            if reason == "idle_timeout":
                minutes = max(1, signin.idle_timeout_seconds() // 60)
                messages.info(request, f"You were signed out after {minutes} minutes without activity.")
            else:
                messages.info(request, "Your session ended. Please sign in again.")
            return _go(request, _with_next(reverse("login"), request))
        if now - last_activity >= signin.ACTIVITY_RESOLUTION_SECONDS and not self._is_background(request):
            session[signin.LAST_ACTIVITY] = now
        return self.get_response(request)

    @staticmethod
    def _is_background(request) -> bool:
        return request.META.get(BACKGROUND_HEADER) == "1" or _url_name(request) in BACKGROUND_URL_NAMES


class TwoFactorRequiredMiddleware:
    """A session signed in with a password only, whose person now needs two-factor (promoted to manager, or
    the organisation turned it on for everyone), is sent to set it up or to enter a code before going on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(signin.AUTH_LEVEL) == signin.LEVEL_PASSWORD
            and not request.path_info.startswith(settings.STATIC_URL)
            and requires_two_factor(user)
            and _url_name(request) not in TWO_FACTOR_EXEMPT_URL_NAMES
        ):
            target = "login_verify" if has_two_factor(user) else "two_factor_setup"
            return _go(request, _with_next(reverse(target), request))
        return self.get_response(request)
