"""The identities marketing needs, kept in Settings: an admin sets the company's NMLS ID and postal address, each
loan officer sets their own NMLS ID in their profile; every settings page says when marketing is off and why."""

import pytest
from django.test import Client
from django.urls import reverse

from firstcall.accounts.models import AuditEvent, Organisation, User
from tests.conftest import make_user

ORGANISATION_FORM = {
    "name": "Acme Home Loans",
    "nmls_id": "1234567",
    "privacy_policy_url": "",
    "time_zone": "America/New_York",
}


def test_admin_sets_the_company_nmls_id_and_it_is_audited(admin_user, signed_in):
    client = signed_in(admin_user)
    response = client.post(reverse("settings_organisation"), {**ORGANISATION_FORM, "nmls_id": "# 98 7654"})
    assert response.status_code == 302
    assert Organisation.objects.get(pk=admin_user.organisation_id).nmls_id == "987654"
    event = AuditEvent.objects.get(action="settings.organisation.updated")
    assert event.detail["changes"]["nmls_id"] == ["1234567", "987654"]


def test_a_company_nmls_id_that_is_not_a_number_is_refused(admin_user, signed_in):
    response = signed_in(admin_user).post(
        reverse("settings_organisation"), {**ORGANISATION_FORM, "nmls_id": "ACME-1"}
    )
    assert response.status_code == 422
    assert "An NMLS ID is a number of up to 12 digits." in response.content.decode()
    assert Organisation.objects.get(pk=admin_user.organisation_id).nmls_id == "1234567"


@pytest.mark.parametrize(
    "url", ["settings_home", "settings_compliance", "settings_organisation", "settings_users"]
)
def test_settings_say_marketing_is_off_without_a_postal_address_or_a_company_nmls_id(
    admin_user, signed_in, url
):
    client = signed_in(admin_user)
    assert "data-blocker" not in client.get(reverse(url)).content.decode()
    Organisation.objects.filter(pk=admin_user.organisation_id).update(postal_address="", nmls_id="")
    page = client.get(reverse(url)).content.decode()
    assert "Marketing email is off: add your postal address" in page
    assert "Marketing messages are off: add the company&#x27;s NMLS ID (Settings, Organisation)" in page


def test_a_loan_officer_sets_their_own_nmls_id_in_their_profile(owner, signed_in):
    client = signed_in(owner)
    page = client.get(reverse("my_profile")).content.decode()
    assert 'value="100001"' in page and "data-blocker" not in page
    response = client.post(reverse("my_profile"), {"nmls_id": "NMLS 2468"})
    assert response.status_code == 422  # letters are refused
    response = client.post(reverse("my_profile"), {"nmls_id": "#2468"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.nmls_id == "2468"
    event = AuditEvent.objects.get(action="profile.updated")
    assert event.actor == owner and event.detail["changes"]["nmls_id"] == ["100001", "2468"]


def test_a_loan_officer_without_an_nmls_id_is_told_their_marketing_is_off(organisation, signed_in):
    newcomer = make_user(organisation, "nina")
    page = signed_in(newcomer).get(reverse("my_profile")).content.decode()
    assert "Marketing messages are off: add Nina&#x27;s NMLS ID (their profile)" in page


def test_the_profile_changes_only_the_person_signed_in(owner, teammate, signed_in):
    client = signed_in(owner)
    client.post(reverse("my_profile"), {"nmls_id": "555", "user": teammate.pk, "pk": teammate.pk})
    teammate.refresh_from_db()
    owner.refresh_from_db()
    assert (owner.nmls_id, teammate.nmls_id) == ("555", "100002")
    # Another person's profile is only reachable by an admin, through Settings.
    assert client.get(reverse("settings_user_edit", args=[teammate.pk])).status_code == 403


@pytest.mark.parametrize(
    "role", [User.Role.PROCESSOR]
)  # partners: tests/web/test_partner_has_no_workspace.py
def test_roles_that_do_not_originate_loans_have_no_profile_page(organisation, signed_in, role):
    person = make_user(organisation, "pat", role=role)
    client = signed_in(person)
    assert client.get(reverse("my_profile")).status_code == 403
    assert client.post(reverse("my_profile"), {"nmls_id": "999"}).status_code == 403
    person.refresh_from_db()
    assert person.nmls_id == ""


def test_the_profile_needs_the_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("my_profile"), {"nmls_id": "999"}).status_code == 403
    owner.refresh_from_db()
    assert owner.nmls_id == "100001"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("my_profile"))
    assert response.status_code == 302 and "/login/" in response["Location"]
