"""The append-only security audit log: what is recorded, who can read it, and that nothing can change it."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.utils import timezone

from firstcall.accounts import audit
from firstcall.accounts.models import AuditEvent, Team, User
from firstcall.accounts.services import create_api_key, find_api_key, record_audit, touch_api_key


def test_record_export_writes_who_what_and_how_many(owner):
    event = audit.record_export(owner, "leads.csv", 42, ip_address="203.0.113.5", detail={"stage": "New"})

    assert (event.action, event.actor, event.organisation) == ("export", owner, owner.organisation)
    assert event.detail == {"what": "leads.csv", "count": 42, "stage": "New"}
    assert event.ip_address == "203.0.113.5"


def test_audit_rows_cannot_be_edited_or_deleted_through_the_model(owner):
    event = audit.record_export(owner, "leads.csv", 1)

    event.action = "nothing happened"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "export"


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the append-only trigger is PostgreSQL-only")
def test_database_refuses_update_and_delete_of_audit_rows(owner):
    event = audit.record_export(owner, "leads.csv", 1)

    for statement in (
        "UPDATE accounts_auditevent SET action = 'tampered' WHERE id = %s",
        "UPDATE accounts_auditevent SET actor_id = NULL, detail = '{}' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="export").count() == 1
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_deleting_a_person_or_organisation_keeps_their_audit_history(owner, organisation):
    event = audit.record_export(owner, "leads.csv", 3)

    owner.delete()
    event.refresh_from_db()
    assert event.actor is None and event.organisation == organisation
    organisation.delete()
    event.refresh_from_db()
    assert event.organisation is None and event.detail["count"] == 3


def test_api_key_use_is_audited_once_a_day_not_per_request(organisation):
    api_key, raw = create_api_key(organisation, name="Website", scopes=["leads:read"])
    day_one = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)

    for minute in (0, 5, 200):
        with time_machine.travel(day_one + timedelta(minutes=minute), tick=False):
            touch_api_key(find_api_key(raw))
    with time_machine.travel(day_one + timedelta(days=1, minutes=1), tick=False):
        touch_api_key(find_api_key(raw))
        touch_api_key(find_api_key(raw))

    uses = AuditEvent.objects.filter(action=audit.API_KEY_USED).order_by("created_at")
    assert [event.created_at for event in uses] == [day_one, day_one + timedelta(days=1, minutes=1)]
    assert uses[0].detail == {"key": api_key.prefix, "name": "Website", "scopes": ["leads:read"]}
    api_key.refresh_from_db()
    assert api_key.last_used_at == day_one + timedelta(days=1, minutes=1)


def test_api_read_request_records_the_key_use(client, organisation):
    _api_key, raw = create_api_key(organisation, name="CRM sync", scopes=["leads:read"])

    for _ in range(3):
        assert client.get("/api/v1/leads", headers={"X-Api-Key": raw}).status_code == 200

    assert AuditEvent.objects.filter(action=audit.API_KEY_USED).count() == 1


def test_access_changes_are_audited_with_old_and_new_values(owner, admin_user, team):
    before = audit.access_snapshot(owner)
    owner.role = User.Role.MANAGER
    owner.save()
    owner.managed_teams.add(team)

    event = audit.record_access_changes(owner, before, audit.access_snapshot(owner), actor=admin_user)

    assert event.action == audit.USER_ACCESS_CHANGED and event.actor == admin_user
    assert event.detail == {
        "user_id": owner.pk,
        "username": "olivia",
        "changes": {"role": ["loan_officer", "manager"], "managed_teams": [[], [team.pk]]},
    }
    unchanged = audit.access_snapshot(owner)
    assert audit.record_access_changes(owner, unchanged, unchanged, actor=admin_user) is None


def test_editing_a_user_in_django_admin_audits_the_role_change(owner, organisation, team):
    superuser = User.objects.create_superuser("root", "root@acme.test", "root pass phrase 99")
    client = Client()
    client.force_login(superuser)
    page = client.get(f"/admin/accounts/user/{owner.pk}/change/")
    form = page.context["adminform"].form
    data = {
        key: value for key, value in form.initial.items() if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "username": "olivia",
            "role": "manager",
            "organisation": organisation.pk,
            "teams": [team.pk],
            "licensed_states": '["FL", "GA"]',
            "loan_types": "[]",
            "languages": "[]",
            "working_hours": "{}",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
            "routing_weight": 1,
            "is_active": "on",
        }
    )
    data.pop("last_login", None)
    data.pop("password", None)

    response = client.post(f"/admin/accounts/user/{owner.pk}/change/", data)

    assert response.status_code == 302, page.context["adminform"].form.errors
    event = AuditEvent.objects.get(action=audit.USER_ACCESS_CHANGED)
    assert event.actor == superuser and event.organisation == organisation
    assert event.detail["changes"] == {"role": ["loan_officer", "manager"]}


def _admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_audit_page_shows_only_own_organisation_events_to_org_admins(admin_user, owner, outsider):
    record_audit(owner.organisation, "export", actor=owner, detail={"what": "acme-only.csv", "count": 1})
    record_audit(
        outsider.organisation, "export", actor=outsider, detail={"what": "other-org.csv", "count": 1}
    )

    response = _admin_client(admin_user).get("/audit/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "acme-only.csv" in content and "other-org.csv" not in content
    assert "attempt_key" not in content


@pytest.mark.parametrize("who", ["manager", "owner", "outsider"])
def test_audit_page_is_for_org_admins_only(request, who):
    user = request.getfixturevalue(who)

    assert _admin_client(user).get("/audit/").status_code == 403


def test_audit_page_filters_by_action_person_address_and_dates(admin_user, owner, teammate):
    long_ago = timezone.now() - timedelta(days=40)
    with time_machine.travel(long_ago, tick=False):
        record_audit(owner.organisation, "export", actor=owner, detail={"what": "old.csv", "count": 1})
    record_audit(
        owner.organisation,
        "export",
        actor=owner,
        detail={"what": "olivia.csv", "count": 1},
        ip_address="203.0.113.9",
    )
    record_audit(owner.organisation, "export", actor=teammate, detail={"what": "theo.csv", "count": 1})
    record_audit(owner.organisation, "sign_in", actor=owner, detail={"method": "carrier-pigeon"})
    client = _admin_client(admin_user)

    def shown(query):
        content = client.get("/audit/?" + query).content.decode()
        return {name for name in ("old.csv", "olivia.csv", "theo.csv", "carrier-pigeon") if name in content}

    assert shown("action=export") == {"old.csv", "olivia.csv", "theo.csv"}
    assert shown(f"action=export&actor={owner.pk}") == {"old.csv", "olivia.csv"}
    assert shown("ip=203.0.113.9") == {"olivia.csv"}
    assert shown(f"since={(timezone.now() - timedelta(days=1)).date()}&action=export") == {
        "olivia.csv",
        "theo.csv",
    }
    assert shown(f"until={(long_ago + timedelta(days=1)).date()}") == {"old.csv"}
    assert shown("ip=not-an-ip") == {"old.csv", "olivia.csv", "theo.csv", "carrier-pigeon"}


def test_audit_page_runs_a_constant_number_of_queries(admin_user, owner, django_assert_max_num_queries):
    client = _admin_client(admin_user)
    for number in range(60):
        record_audit(
            owner.organisation,
            "export",
            actor=owner if number % 2 else admin_user,
            detail={"what": f"file{number}.csv", "count": number},
        )
    Team.objects.create(organisation=owner.organisation, name="Unused")

    with django_assert_max_num_queries(8):
        response = client.get("/audit/")

    assert response.status_code == 200 and response.context["page"].paginator.count == 60
