"""Sign-in rate limiting: too many failed sign-ins for one username, or from one IP address, lock for a while.

The failures are counted from the audit log itself (action sign_in.failed in the last window), not from a
per-process cache, so every web process and every worker host sees the same count, and a restart does not
reset an attacker's budget. A successful sign-in or a completed password reset clears the username's count.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from firstcall.accounts import audit
from firstcall.accounts.models import AuditEvent

# OWASP's Authentication Cheat Sheet suggests locking after a small number of failures for a limited time
# ("Account Lockout"), keyed by account, with a looser limit per source address for shared offices and NAT.
DEFAULT_FAILURES_PER_USERNAME = 5
DEFAULT_FAILURES_PER_IP = 20
DEFAULT_WINDOW_MINUTES = 15


@dataclass(frozen=True)
class SignInLock:
    scope: str  # "username" or "ip"
    until: datetime

    @property
    def minutes_left(self) -> int:
        seconds = (self.until - timezone.now()).total_seconds()
        return max(1, int(-(-seconds // 60)))

    @property
    def message(self) -> str:
        minutes = self.minutes_left
        unit = "minute" if minutes == 1 else "minutes"
        return (
            f"Too many failed sign-in attempts. Sign-in is locked for {minutes} {unit}; "
            "try again then, or reset your password."
        )


def _limits() -> tuple[int, int, timedelta]:
    return (
        getattr(settings, "SIGN_IN_FAILURES_PER_USERNAME", DEFAULT_FAILURES_PER_USERNAME),
        getattr(settings, "SIGN_IN_FAILURES_PER_IP", DEFAULT_FAILURES_PER_IP),
        timedelta(minutes=getattr(settings, "SIGN_IN_LOCKOUT_MINUTES", DEFAULT_WINDOW_MINUTES)),
    )


def _lock_from(failure_times: list[datetime], limit: int, window: timedelta, scope: str) -> SignInLock | None:
    # Newest first: the lock lasts until the limit-th newest failure leaves the window.
    if limit <= 0 or len(failure_times) < limit:
        return None
    return SignInLock(scope=scope, until=failure_times[limit - 1] + window)


def sign_in_lock(username: str, ip_address: str | None, *, now: datetime | None = None) -> SignInLock | None:
    """The lock in force for this username or address, or None. Two small indexed queries."""
    now = now or timezone.now()
    per_username, per_ip, window = _limits()
    since = now - window
    key = audit.attempt_key(username)
    last_clear = (
        AuditEvent.objects.filter(
            action__in=[audit.SIGN_IN, audit.PASSWORD_RESET_COMPLETED],
            created_at__gte=since,
            detail__attempt_key=key,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    username_failures = list(
        AuditEvent.objects.filter(
            action=audit.SIGN_IN_FAILED, created_at__gte=last_clear or since, detail__attempt_key=key
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_username]
    )
    lock = _lock_from(username_failures, per_username, window, "username")
    if lock is not None:
        return lock
    if not ip_address:
        return None
    ip_failures = list(
        AuditEvent.objects.filter(action=audit.SIGN_IN_FAILED, created_at__gte=since, ip_address=ip_address)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:per_ip]
    )
    return _lock_from(ip_failures, per_ip, window, "ip")
