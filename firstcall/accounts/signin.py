"""The sign-in state machine kept in the session: password checked → (two-factor checked) → signed in.

A person is only logged in (django.contrib.auth.login) once every step their account needs has passed; in
between, the session holds a short-lived "pending sign-in" naming the account, which grants nothing. Every
session created here is marked with when it started and how it was authenticated, which is what the idle
timeout and the two-factor middleware act on.
"""

import time

from django.conf import settings
from django.contrib import auth
from django.utils.http import url_has_allowed_host_and_scheme

from firstcall.accounts import audit
from firstcall.accounts.client import client_ip
from firstcall.accounts.models import User

SIGNED_IN_AT = "accounts.signed_in_at"
LAST_ACTIVITY = "accounts.last_activity"
AUTH_LEVEL = "accounts.auth_level"
PENDING = "accounts.pending_sign_in"

LEVEL_PASSWORD = "password"
LEVEL_TWO_FACTOR = "two_factor"

# Long enough to find the phone and open the app; short enough that an abandoned half sign-in goes stale.
PENDING_SECONDS = 10 * 60
DEFAULT_IDLE_TIMEOUT_SECONDS = 30 * 60
# The last-activity stamp is rewritten at most this often: reading pages does not write the session each time.
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_timeout_seconds() -> int:
    return int(getattr(settings, "SESSION_IDLE_TIMEOUT_SECONDS", DEFAULT_IDLE_TIMEOUT_SECONDS))


def safe_next(request, candidate: str | None, default: str | None = None) -> str:
    """The page to go to after signing in: only a path on this site, never another host."""
    default = default or settings.LOGIN_REDIRECT_URL
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def start_pending(request, user: User, next_url: str) -> None:
    request.session[PENDING] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "started": time.time(),
        "next": next_url,
        # Tie the pending step to this password: a reset in between voids it.
        "password_hash": user.get_session_auth_hash(),
    }


def pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending:
        return None
    if time.time() - pending.get("started", 0) > PENDING_SECONDS:
        clear_pending(request)
        return None
    user = (
        User.objects.filter(pk=pending.get("user_id"), is_active=True).select_related("organisation").first()
    )
    if user is None or user.get_session_auth_hash() != pending.get("password_hash"):
        clear_pending(request)
        return None
    user.backend = pending.get("backend")
    return user


def pending_next(request) -> str:
    return (request.session.get(PENDING) or {}).get("next") or settings.LOGIN_REDIRECT_URL


def clear_pending(request) -> None:
    request.session.pop(PENDING, None)


def complete_sign_in(request, user: User, *, method: str) -> None:
    """Log the person in (a new session key, against fixation), mark the session, and audit the sign-in."""
    clear_pending(request)
    backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[0]
    auth.login(request, user, backend=backend)
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY] = now
    request.session[AUTH_LEVEL] = LEVEL_PASSWORD if method == "password" else LEVEL_TWO_FACTOR
    audit.record_sign_in(user, ip_address=client_ip(request), method=method)


def raise_to_two_factor(request) -> None:
    """A signed-in session whose person just proved a second factor (step-up or first enrolment)."""
    request.session.cycle_key()
    request.session[AUTH_LEVEL] = LEVEL_TWO_FACTOR


def sign_out(request, *, reason: str = "signed_out") -> None:
    user = request.user
    if user.is_authenticated:
        audit.record_sign_out(user, reason=reason, ip_address=client_ip(request))
    auth.logout(request)


def is_marked(request) -> bool:
    """Sessions made by this sign-in flow. Sessions without the mark come only from test helpers
    (client.force_login) or from before this flow existed; those keep Django's fixed SESSION_COOKIE_AGE."""
    return SIGNED_IN_AT in request.session
