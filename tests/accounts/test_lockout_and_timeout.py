"""Sign-in rate limiting (per username, per IP, across processes via the audit log) and session timeouts."""

from datetime import timedelta

import time_machine
from account_helpers import enrol, sign_in_with_password
from django.test import Client
from django.utils import timezone

from firstcall.accounts import audit, signin
from firstcall.accounts.lockout import sign_in_lock
from firstcall.accounts.models import AuditEvent


def _fail(client, username, times):
    for _ in range(times):
        sign_in_with_password(client, username, password="guess")


def test_five_failures_lock_the_username_even_for_the_right_password(client, owner):
    _fail(client, "olivia", 4)
    fifth = sign_in_with_password(client, "olivia", password="guess")
    assert fifth.status_code == 429
    assert "Too many failed sign-in attempts. Sign-in is locked for 15 minutes" in fifth.content.decode()

    right = sign_in_with_password(client, "olivia")

    assert right.status_code == 429
    assert client.session.get("_auth_user_id") is None
    assert AuditEvent.objects.filter(action=audit.SIGN_IN_FAILED).count() == 5
    blocked = AuditEvent.objects.get(action=audit.SIGN_IN_BLOCKED)
    assert blocked.actor == owner and blocked.detail["scope"] == "username"


def test_lock_is_per_username_regardless_of_case_and_address(client, owner, teammate):
    _fail(client, "olivia", 3)
    _fail(Client(REMOTE_ADDR="198.51.100.9"), "OLIVIA", 2)

    assert sign_in_with_password(client, "olivia").status_code == 429
    assert sign_in_with_password(client, "theo").status_code == 302  # another person is not locked


def test_lock_lifts_after_the_window(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, "olivia", 5)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert sign_in_with_password(client, "olivia").status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in_with_password(client, "olivia").status_code == 302


def test_successful_sign_in_clears_the_username_count(client, owner):
    _fail(client, "olivia", 4)
    assert sign_in_with_password(client, "olivia").status_code == 302
    client.post("/logout/")

    _fail(client, "olivia", 4)

    assert sign_in_lock("olivia", None) is None
    assert sign_in_with_password(client, "olivia").status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(client, owner):
    for number in range(20):
        sign_in_with_password(client, f"nobody{number}", password="guess")

    assert sign_in_with_password(client, "olivia").status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in_with_password(elsewhere, "olivia").status_code == 302
    assert AuditEvent.objects.get(action=audit.SIGN_IN_BLOCKED).detail["scope"] == "ip"


def test_wrong_two_factor_codes_count_towards_the_lock(client, admin_user):
    totp = enrol(admin_user)
    sign_in_with_password(client, "adele")
    for _ in range(5):
        client.post("/login/verify/", {"code": "000000"})

    response = client.post("/login/verify/", {"code": totp.now()})

    assert response.status_code == 429
    assert client.session.get("_auth_user_id") is None


def test_lock_limits_follow_settings(client, owner, settings):
    settings.SIGN_IN_FAILURES_PER_USERNAME = 2

    _fail(client, "olivia", 2)

    assert sign_in_with_password(client, "olivia").status_code == 429


# --- Session timeouts ---------------------------------------------------------------------------------


def test_idle_session_is_signed_out_after_thirty_minutes_and_audited(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in_with_password(client, "olivia")
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/").status_code == 200  # 29 minutes after the last activity
    with time_machine.travel(start + timedelta(minutes=89), tick=False):
        response = client.get("/leads/1/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fleads%2F1%2F"
    assert client.session.get("_auth_user_id") is None
    event = AuditEvent.objects.get(action=audit.SIGN_OUT)
    assert event.actor == owner and event.detail == {"reason": "idle_timeout"}
    page = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in page.content.decode()


def test_background_polling_does_not_keep_a_session_alive(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in_with_password(client, "olivia")
    for minute in (10, 20, 29):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert client.get("/notifications/").status_code == 200
            assert client.get("/", headers={"X-Background-Poll": "1"}).status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get("/notifications/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2Fnotifications%2F"


def test_idle_timeout_follows_settings(client, owner, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 5 * 60
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in_with_password(client, "olivia")
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        assert client.get("/").status_code == 302


def test_session_ends_after_its_absolute_lifetime_even_when_active(client, owner, settings):
    settings.SESSION_COOKIE_AGE = 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in_with_password(client, "olivia")
    for minute in (20, 40, 59):
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        assert client.get("/").status_code == 302

    assert AuditEvent.objects.get(action=audit.SIGN_OUT).detail == {"reason": "session_expired"}


def test_reading_pages_rewrites_the_activity_stamp_at_most_once_a_minute(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in_with_password(client, "olivia")
        stamp = client.session[signin.LAST_ACTIVITY]
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/")
        assert client.session[signin.LAST_ACTIVITY] == stamp
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        client.get("/")
        assert client.session[signin.LAST_ACTIVITY] == stamp + 90


def test_sessions_not_made_by_the_sign_in_flow_are_left_to_django(client, owner):
    client.force_login(owner)
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert client.get("/").status_code == 200
