"""Signing in through the real server in a real browser: password then TOTP, a wrong code, and a loan officer
who cannot open another officer's lead. Screenshots go to test-output/screenshots/."""

import time

import pyotp
import pytest
from browser_helpers import screenshot
from django.urls import resolve

from firstcall.accounts import two_factor
from firstcall.accounts.models import User
from firstcall.accounts.views import sign_in
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage

PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        resolve("/login/").func is not sign_in,
        reason="firstcall/urls.py does not include firstcall.accounts.urls yet (the two-factor sign-in)",
    ),
]


def _person(organisation, username, role, **fields) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        organisation=organisation,
        role=role,
        first_name=username.title(),
        email=f"{username}@acme.test",
        **fields,
    )


def _lead(organisation, owner, first_name, last_name) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    return Lead.objects.create(
        organisation=organisation,
        pipeline=pipeline,
        stage=first_stage(pipeline),
        owner=owner,
        first_name=first_name,
        last_name=last_name,
        state="FL",
        phone="+18135550190",
        purpose="purchase",
    )


def _enrol(user) -> pyotp.TOTP:
    _device, secret = two_factor.pending_enrolment(user)
    totp = pyotp.TOTP(secret)
    # The previous step's code, so the browser's totp.now() is still unused.
    assert two_factor.confirm_enrolment(user, totp.at(time.time() - 30)) is not None
    return totp


def _submit_password(page, username, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_manager_signs_in_with_password_and_totp_on_a_phone(phone_page, server_url, organisation, team):
    manager = _person(organisation, "maria", User.Role.MANAGER)
    manager.managed_teams.add(team)
    officer = _person(organisation, "olivia", User.Role.LOAN_OFFICER)
    officer.teams.add(team)
    _lead(organisation, officer, "Ana", "Lopez")
    totp = _enrol(manager)
    page = phone_page

    page.goto("/login/")
    assert page.get_by_role("heading", name="Sign in").is_visible()
    screenshot(page, "sign-in-phone")
    _submit_password(page, "maria")
    page.wait_for_url(f"{server_url}/login/verify/")
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url(f"{server_url}/")
    assert page.get_by_role("link", name="Ana Lopez").is_visible()
    assert page.get_by_role("button", name="Sign out Maria").is_visible()
    # The phone layout must not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "home-phone")


def test_wrong_totp_code_is_refused_in_the_browser(page, server_url, organisation):
    admin = _person(organisation, "adele", User.Role.ADMIN)
    _enrol(admin)

    _submit_password(page, "adele")
    page.wait_for_url(f"{server_url}/login/verify/")
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify").click()

    assert page.get_by_role("alert").inner_text().startswith("That code didn't work")
    assert page.url == f"{server_url}/login/verify/"
    screenshot(page, "sign-in-wrong-code")
    page.goto("/")
    assert page.url.startswith(f"{server_url}/login/?next=")


def test_loan_officer_cannot_open_another_officers_lead(page, server_url, organisation, team):
    olivia = _person(organisation, "olivia", User.Role.LOAN_OFFICER)
    theo = _person(organisation, "theo", User.Role.LOAN_OFFICER)
    for person in (olivia, theo):
        person.teams.add(team)
    theos_lead = _lead(organisation, theo, "Bruno", "Carvalho")
    _lead(organisation, olivia, "Ana", "Lopez")

    _submit_password(page, "olivia")
    page.wait_for_url(f"{server_url}/")
    assert page.get_by_role("link", name="Ana Lopez").is_visible()
    assert page.get_by_text("Bruno Carvalho").count() == 0
    response = page.goto(f"/leads/{theos_lead.pk}/")

    assert response.status == 404
    assert "Carvalho" not in page.content()
    screenshot(page, "lead-of-another-officer-404")


def test_admin_without_authenticator_enrols_with_the_manual_key_on_a_phone(
    phone_page, server_url, organisation
):
    _person(organisation, "adele", User.Role.ADMIN)
    page = phone_page

    _submit_password(page, "adele")
    page.wait_for_url(f"{server_url}/account/two-factor/setup/")
    key = page.locator("#totp-secret").inner_text()
    assert len(key.split(" ")[0]) == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "two-factor-setup-phone")
    page.get_by_label("Enter the 6-digit code the app shows now").fill(pyotp.TOTP(key.replace(" ", "")).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    assert page.get_by_role("heading", name="Two-factor sign-in is on").is_visible()
    assert page.locator("#recovery-codes li").count() == 10
    screenshot(page, "recovery-codes-phone")
    page.get_by_role("link", name="I've saved them, continue").click()
    page.wait_for_url(f"{server_url}/")
