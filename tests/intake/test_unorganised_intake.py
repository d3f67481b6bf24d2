"""Requests that could not be tied to an organisation (unknown source, bad key) are kept, and platform
operators (a superuser, or staff with the intake permission) find them on the intake screen with replay and
purge; organisation admins never see them."""

import json

import pytest
from django.contrib.auth.models import Group, Permission

from firstcall.accounts.models import AuditEvent, User
from firstcall.leads.models import IntakeRecord
from tests.conftest import make_user


@pytest.fixture
def stray_record(client, api_source):
    """A vendor posting with a key nobody issued, an SSN in the body."""
    body = {"first_name": "Ana", "email": "ana@example.com", "ssn": "123-45-6789"}
    response = client.post("/api/v1/leads", data=json.dumps(body), content_type="application/json",
                           headers={"X-Api-Key": "fc_not_a_key"})  # fmt: skip
    assert response.status_code == 401
    record = IntakeRecord.objects.get()
    assert record.organisation is None and record.status == IntakeRecord.Status.REJECTED
    return record


@pytest.fixture
def operator(db):
    return User.objects.create_user(username="ops", password="x" * 12, is_superuser=True, is_staff=True)


def test_an_operator_finds_opens_and_purges_a_record_with_no_organisation(client, stray_record, operator):
    client.force_login(operator)
    listing = client.get("/intake/?unorganised=1").content.decode()
    assert f'href="/intake/{stray_record.pk}/"' in listing and "no organisation" in listing
    detail = client.get(f"/intake/{stray_record.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "[redacted SSN ending 6789]" in html and "123-45-6789" not in html
    assert "failed authentication" in html  # why it cannot be replayed

    replay = client.post(f"/intake/{stray_record.pk}/replay/", follow=True)
    assert "failed authentication" in replay.content.decode()
    assert client.post(f"/intake/{stray_record.pk}/purge/").status_code == 302
    stray_record.refresh_from_db()
    assert (stray_record.body, stray_record.headers) == ("", {}) and stray_record.body_purged_at
    event = AuditEvent.objects.get(action="intake.purged")
    assert event.actor == operator and event.detail == {"intake_record": stray_record.pk}


def test_organisation_admins_never_see_records_of_no_organisation(client, stray_record, admin_user):
    client.force_login(admin_user)
    assert f'href="/intake/{stray_record.pk}/"' not in client.get("/intake/").content.decode()
    assert client.get(f"/intake/{stray_record.pk}/").status_code == 404
    assert client.post(f"/intake/{stray_record.pk}/purge/").status_code == 404
    stray_record.refresh_from_db()
    assert stray_record.body


def test_staff_need_the_intake_permission_and_then_see_only_unorganised_records(
    client, stray_record, api_source, borrower_payload
):
    client.post("/api/v1/leads", data=json.dumps(borrower_payload), content_type="application/json",
                headers={"X-Api-Key": api_source.raw_api_key})  # fmt: skip
    organised = IntakeRecord.objects.exclude(pk=stray_record.pk).get()
    staff = User.objects.create_user(username="staffer", password="x" * 12, is_staff=True)
    client.force_login(staff)
    assert client.get("/intake/").status_code == 403
    group = Group.objects.create(name="Platform operators")
    group.permissions.add(Permission.objects.get(codename="view_intakerecord"))
    staff.groups.add(group)
    staff = User.objects.get(pk=staff.pk)  # permissions are cached per instance
    client.force_login(staff)
    assert client.get(f"/intake/{stray_record.pk}/").status_code == 200
    assert client.get(f"/intake/{organised.pk}/").status_code == 404


def test_an_admin_can_purge_their_own_organisations_record(client, api_source, borrower_payload, admin_user):
    client.post("/api/v1/leads", data=json.dumps(borrower_payload), content_type="application/json",
                headers={"X-Api-Key": api_source.raw_api_key})  # fmt: skip
    record = IntakeRecord.objects.get()
    officer = make_user(admin_user.organisation, "lou")
    client.force_login(officer)
    assert client.post(f"/intake/{record.pk}/purge/").status_code == 403
    client.force_login(admin_user)
    assert client.post(f"/intake/{record.pk}/purge/").status_code == 302
    record.refresh_from_db()
    assert record.body == "" and record.lead_id is not None
