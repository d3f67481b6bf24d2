"""Sign-in with password then TOTP, enrolment, recovery codes, sign-out, and the admin login door."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
import time_machine
from account_helpers import PASSWORD, enrol, sign_in_with_password
from django.utils import timezone

from firstcall.accounts import audit, signin, two_factor
from firstcall.accounts.models import AuditEvent, RecoveryCode, TwoFactorDevice, User


def _session_user_id(client):
    return client.session.get("_auth_user_id")


def test_loan_officer_without_two_factor_signs_in_with_password_and_lands_on_next(client, owner):
    response = sign_in_with_password(client, "olivia", next="/intake/")

    assert response.status_code == 302
    assert response["Location"] == "/intake/"
    assert _session_user_id(client) == str(owner.pk)
    assert client.session[signin.AUTH_LEVEL] == signin.LEVEL_PASSWORD
    event = AuditEvent.objects.get(action=audit.SIGN_IN)
    assert (event.actor, event.organisation, event.ip_address) == (owner, owner.organisation, "127.0.0.1")
    assert event.detail["method"] == "password"


def test_next_pointing_to_another_site_is_ignored(client, owner):
    response = sign_in_with_password(client, "olivia", next="https://evil.example/steal")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_is_refused_audited_and_does_not_sign_in(client, owner):
    response = sign_in_with_password(client, "olivia", password="wrong password")

    assert response.status_code == 200
    assert "don&#x27;t match an active account" in response.content.decode()
    assert _session_user_id(client) is None
    event = AuditEvent.objects.get(action=audit.SIGN_IN_FAILED)
    assert event.actor == owner and event.organisation == owner.organisation
    assert event.detail == {
        "reason": "password",
        "attempt_key": audit.attempt_key("olivia"),
        "username": "olivia",
    }


def test_failed_sign_in_for_unknown_username_is_audited_without_the_typed_name(client, organisation):
    sign_in_with_password(client, "my-password-typed-in-the-wrong-box")

    event = AuditEvent.objects.get(action=audit.SIGN_IN_FAILED)
    assert event.actor is None and event.organisation is None
    assert "my-password" not in str(event.detail)
    assert event.detail == {
        "reason": "password",
        "attempt_key": audit.attempt_key("my-password-typed-in-the-wrong-box"),
    }


def test_admin_without_authenticator_must_enrol_before_being_signed_in(client, admin_user):
    response = sign_in_with_password(client, "adele")

    assert response.status_code == 302 and response["Location"] == "/account/two-factor/setup/"
    assert _session_user_id(client) is None  # nothing granted yet
    page = client.get("/account/two-factor/setup/")
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    content = page.content.decode()
    uri = re.search(r'id="totp-uri"[^>]*>([^<]+)<', content).group(1).replace("&amp;", "&")
    grouped = re.search(r'id="totp-secret"[^>]*>([^<]+)<', content).group(1)
    secret = pyotp.parse_uri(uri).secret
    assert grouped.replace(" ", "") == secret and len(grouped.split(" ")[0]) == 4
    assert uri.startswith("otpauth://totp/FirstCall:adele?secret=")
    # A QR code to scan, drawn inline as SVG (nothing fetched from elsewhere).
    assert re.search(r'id="totp-qr"><svg [^>]*class="segno"', content)

    wrong = client.post("/account/two-factor/setup/", {"code": "000000"})
    assert wrong.status_code == 200 and "didn&#x27;t match" in wrong.content.decode()
    assert _session_user_id(client) is None

    done = client.post("/account/two-factor/setup/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert _session_user_id(client) == str(admin_user.pk)
    assert client.session[signin.AUTH_LEVEL] == signin.LEVEL_TWO_FACTOR
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        audit.TWO_FACTOR_ENABLED,
        audit.SIGN_IN,
    ]


@pytest.mark.parametrize(
    ("role", "must_enrol"),
    [
        (User.Role.ADMIN, True),
        (User.Role.MANAGER, True),
        (User.Role.LOAN_OFFICER, False),
        (User.Role.PROCESSOR, False),
        (User.Role.PARTNER, False),
    ],
)
def test_by_default_admins_and_managers_need_an_authenticator_and_others_may_add_one(
    client, organisation, role, must_enrol
):
    from tests.conftest import make_user

    make_user(organisation, "riley", role=role)

    response = sign_in_with_password(client, "riley")

    assert response.status_code == 302
    if must_enrol:
        assert response["Location"] == "/account/two-factor/setup/" and _session_user_id(client) is None
    else:
        assert response["Location"] != "/account/two-factor/setup/" and _session_user_id(client) is not None


def test_totp_secret_is_stored_encrypted_and_recovery_codes_hashed(admin_user):
    totp = enrol(admin_user)

    device = TwoFactorDevice.objects.get(user=admin_user)
    assert totp.secret not in device.secret_encrypted
    assert two_factor.secret_of(device) == totp.secret
    stored = set(RecoveryCode.objects.filter(user=admin_user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & set(admin_user.recovery_codes_plain)
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)


def test_enrolled_user_signs_in_with_password_then_totp(client, admin_user):
    totp = enrol(admin_user)

    first = sign_in_with_password(client, "adele", next="/routing/")
    assert first.status_code == 302 and first["Location"] == "/login/verify/"
    assert _session_user_id(client) is None
    assert client.get("/").status_code == 302  # still anonymous between the steps

    second = client.post("/login/verify/", {"code": totp.now()})
    assert second.status_code == 302 and second["Location"] == "/routing/"
    assert _session_user_id(client) == str(admin_user.pk)
    assert AuditEvent.objects.get(action=audit.SIGN_IN).detail["method"] == "totp"


def test_wrong_totp_is_refused_and_audited(client, admin_user):
    enrol(admin_user)
    sign_in_with_password(client, "adele")

    response = client.post("/login/verify/", {"code": "123456"})

    assert response.status_code == 200
    assert "That code didn&#x27;t work" in response.content.decode()
    assert _session_user_id(client) is None
    event = AuditEvent.objects.get(action=audit.SIGN_IN_FAILED)
    assert event.detail["reason"] == "two_factor_code" and event.actor == admin_user


def test_a_totp_code_works_only_once(client, admin_user):
    totp = enrol(admin_user)
    code = totp.now()
    sign_in_with_password(client, "adele")
    assert client.post("/login/verify/", {"code": code}).status_code == 302

    other = client.__class__()
    sign_in_with_password(other, "adele")
    replay = other.post("/login/verify/", {"code": code})

    assert replay.status_code == 200
    assert other.session.get("_auth_user_id") is None


def test_codes_one_step_either_side_are_accepted_but_not_two(admin_user):
    totp = enrol(admin_user)
    moment = timezone.now() + timedelta(minutes=5)

    assert not two_factor.verify_code(admin_user, totp.at(moment - timedelta(seconds=60)), now=moment)
    assert two_factor.verify_code(admin_user, totp.at(moment - timedelta(seconds=30)), now=moment)
    assert two_factor.verify_code(admin_user, totp.at(moment + timedelta(seconds=30)), now=moment)


def test_recovery_code_signs_in_once_and_only_once(client, admin_user):
    enrol(admin_user)
    code = admin_user.recovery_codes_plain[3]
    sign_in_with_password(client, "adele")

    response = client.post("/login/verify/", {"code": code.upper().replace("-", " ")})

    assert response.status_code == 302
    assert _session_user_id(client) == str(admin_user.pk)
    assert RecoveryCode.objects.filter(user=admin_user, used_at__isnull=False).count() == 1
    assert AuditEvent.objects.get(action=audit.RECOVERY_CODE_USED).detail == {"remaining": 9}

    again = client.__class__()
    sign_in_with_password(again, "adele")
    reused = again.post("/login/verify/", {"code": code})
    assert reused.status_code == 200 and again.session.get("_auth_user_id") is None


def test_pending_sign_in_expires(client, admin_user):
    totp = enrol(admin_user)
    sign_in_with_password(client, "adele")

    with time_machine.travel(timezone.now() + timedelta(seconds=signin.PENDING_SECONDS + 5), tick=False):
        response = client.post("/login/verify/", {"code": totp.now()})

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert _session_user_id(client) is None


def test_pending_sign_in_is_void_after_a_password_change(client, admin_user):
    totp = enrol(admin_user)
    sign_in_with_password(client, "adele")
    admin_user.set_password("a whole new passphrase 42")
    admin_user.save()

    response = client.post("/login/verify/", {"code": totp.now()})

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert _session_user_id(client) is None


def test_organisation_setting_extends_two_factor_to_loan_officers(client, owner, organisation):
    organisation.require_two_factor_for_everyone = True
    organisation.save()

    response = sign_in_with_password(client, "olivia")

    assert response.status_code == 302 and response["Location"] == "/account/two-factor/setup/"
    assert _session_user_id(client) is None


def test_loan_officer_promoted_to_manager_is_sent_to_set_up_two_factor(client, owner):
    sign_in_with_password(client, "olivia")
    assert client.get("/").status_code == 200
    User.objects.filter(pk=owner.pk).update(role=User.Role.MANAGER)

    response = client.get("/reports/speed-to-lead/")

    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/setup/?next=%2Freports%2Fspeed-to-lead%2F"
    assert client.get("/account/two-factor/setup/").status_code == 200


def test_password_session_of_a_person_with_authenticator_must_step_up(client, owner):
    sign_in_with_password(client, "olivia")
    totp = enrol(owner)
    User.objects.filter(pk=owner.pk).update(role=User.Role.MANAGER)

    blocked = client.get("/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/login/verify/")
    stepped = client.post("/login/verify/?next=/", {"code": totp.now()})

    assert stepped.status_code == 302 and stepped["Location"] == "/"
    assert client.session[signin.AUTH_LEVEL] == signin.LEVEL_TWO_FACTOR
    assert client.get("/").status_code == 200


def test_htmx_request_needing_two_factor_gets_a_full_page_redirect(client, owner):
    sign_in_with_password(client, "olivia")
    User.objects.filter(pk=owner.pk).update(role=User.Role.MANAGER)

    response = client.get("/notifications/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/account/two-factor/setup/")


def test_sign_out_is_post_only_and_audited(client, owner):
    sign_in_with_password(client, "olivia")

    assert client.get("/logout/").status_code == 405
    assert _session_user_id(client) == str(owner.pk)
    response = client.post("/logout/")

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert _session_user_id(client) is None
    event = AuditEvent.objects.get(action=audit.SIGN_OUT)
    assert event.actor == owner and event.detail == {"reason": "signed_out"}


def test_django_admin_login_goes_through_our_sign_in(client):
    response = client.get("/admin/login/?next=/admin/leads/lead/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2Fleads%2Flead%2F"
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_signed_in_person_who_is_not_staff_gets_403_from_the_admin_not_a_redirect_loop(client, owner):
    sign_in_with_password(client, "olivia")

    admin_index = client.get("/admin/")
    assert admin_index.status_code == 302 and admin_index["Location"] == "/admin/login/?next=/admin/"
    assert client.get(admin_index["Location"]).status_code == 403


def test_disabling_two_factor_needs_the_password_and_is_audited(client, owner):
    totp = enrol(owner)
    sign_in_with_password(client, "olivia")
    client.post("/login/verify/", {"code": totp.now()})

    refused = client.post("/account/two-factor/disable/", {"password": "not it"})
    assert refused.status_code == 302 and two_factor.has_two_factor(owner)
    done = client.post("/account/two-factor/disable/", {"password": PASSWORD})

    assert done.status_code == 302 and done["Location"] == "/account/two-factor/"
    assert not two_factor.has_two_factor(owner)
    assert not RecoveryCode.objects.filter(user=owner).exists()
    assert AuditEvent.objects.filter(action=audit.TWO_FACTOR_DISABLED, actor=owner).count() == 1


def test_manager_replacing_authenticator_is_sent_straight_to_setup(client, manager):
    totp = enrol(manager)
    sign_in_with_password(client, "maria")
    client.post("/login/verify/", {"code": totp.now()})

    response = client.post("/account/two-factor/disable/", {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/account/two-factor/setup/"
    assert client.get("/").status_code == 302  # blocked until the new authenticator is confirmed


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(client, owner):
    totp = enrol(owner)
    old_codes = owner.recovery_codes_plain
    sign_in_with_password(client, "olivia")
    client.post("/login/verify/", {"code": totp.now()})

    refused = client.post("/account/two-factor/recovery-codes/", {"code": "000000"})
    assert refused.status_code == 302
    with time_machine.travel(time.time() + 30, tick=False):
        response = client.post("/account/two-factor/recovery-codes/", {"code": totp.now()})

    assert response.status_code == 200
    new_codes = re.findall(r"<li>([a-z2-9-]{19})</li>", response.content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert not two_factor.use_recovery_code(owner, old_codes[0])
    assert two_factor.use_recovery_code(owner, new_codes[0])


@pytest.mark.parametrize("path", ["/account/two-factor/", "/audit/"])
def test_account_pages_need_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
