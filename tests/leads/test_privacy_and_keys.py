"""Encrypted fields under a key ring and `firstcall rotate-keys`; a lead's data exported and erased on request."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.db import connection

from firstcall.accounts import two_factor
from firstcall.accounts.models import AuditEvent
from firstcall.cli import HYPHENATED_COMMANDS
from firstcall.leads.models import Consent, IntakeRecord, Lead
from firstcall.lib.crypto import decrypt_text, is_current
from tests.conftest import make_user


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def captured_lead(client, api_source, borrower_payload):
    borrower_payload |= {"DOB": "1980-01-02", "annual_income": "96,000", "SSN": "123-45-6789"}
    response = client.post(
        "/api/v1/leads", data=json.dumps(borrower_payload), content_type="application/json",
        headers={"X-Api-Key": api_source.raw_api_key},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return Lead.objects.get(pk=response.json()["id"])


def test_rotate_keys_moves_every_encrypted_value_to_the_new_key(captured_lead, admin_user, settings, capsys):
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    device, secret = two_factor.pending_enrolment(admin_user)
    record = IntakeRecord.objects.get()

    settings.FIELD_ENCRYPTION_KEYS = ["a brand new key", *old_keys]
    # Before rotation the old values are still readable through the ring.
    lead = Lead.objects.get(pk=captured_lead.pk)
    assert (lead.annual_income, lead.date_of_birth) == (Decimal("96000.00"), date(1980, 1, 2))
    assert not is_current(raw("leads_lead", "annual_income", lead.pk), settings.FIELD_ENCRYPTION_KEYS)

    call_command(HYPHENATED_COMMANDS["rotate-keys"])
    output = capsys.readouterr().out
    assert "leads.Lead.annual_income: 1 re-encrypted" in output
    assert "accounts.TwoFactorDevice.secret_encrypted: 1 re-encrypted" in output

    settings.FIELD_ENCRYPTION_KEYS = ["a brand new key"]  # the old key is gone: everything still reads
    lead = Lead.objects.get(pk=captured_lead.pk)
    assert (lead.annual_income, lead.date_of_birth) == (Decimal("96000.00"), date(1980, 1, 2))
    assert IntakeRecord.objects.get(pk=record.pk).date_of_birth == "1980-01-02"
    device.refresh_from_db()
    assert two_factor.secret_of(device) == secret
    call_command("rotate_keys")
    assert "0 values now under the current key" in capsys.readouterr().out  # nothing left to do


def test_firstcall_rotate_keys_names_a_real_command():
    assert HYPHENATED_COMMANDS["rotate-keys"] in get_commands()


def test_rotate_keys_stops_on_a_value_no_key_can_read(captured_lead, settings):
    settings.FIELD_ENCRYPTION_KEYS = ["someone else's key"]
    with pytest.raises(CommandError, match="leads.Lead.annual_income row"):
        call_command("rotate_keys")
    with pytest.raises(ValueError):
        decrypt_text(raw("leads_lead", "annual_income", captured_lead.pk), settings.FIELD_ENCRYPTION_KEYS)


def test_admin_exports_everything_about_the_lead_and_the_export_is_audited(client, captured_lead, admin_user):
    client.force_login(admin_user)
    assert client.get(f"/leads/{captured_lead.pk}/privacy/").status_code == 200
    response = client.post(f"/leads/{captured_lead.pk}/privacy/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="lead-{captured_lead.pk}-export.json"'
    export = response.json()
    assert (
        export["lead"]["email"] == "ana.lopez@example.com" and export["lead"]["date_of_birth"] == "1980-01-02"
    )
    assert export["lead"]["annual_income"] == "96000.00"
    related = export["related"]
    assert len(related["leads.consent:lead"]) == 3 and len(related["leads.inquiry:lead"]) == 1
    assert "[redacted SSN ending 6789]" in related["leads.intakerecord:lead"][0]["body"]
    assert "leads.timelineevent:lead" in related
    event = AuditEvent.objects.get(action="lead.exported")
    assert event.actor == admin_user and event.detail["lead"] == captured_lead.pk


def test_admin_erases_a_lead_on_request_and_the_erasure_is_logged(client, captured_lead, admin_user):
    client.force_login(admin_user)
    refused = client.post(f"/leads/{captured_lead.pk}/privacy/erase/", {"confirm": "yes"})
    assert refused.status_code == 302 and Lead.objects.filter(pk=captured_lead.pk).exists()

    response = client.post(
        f"/leads/{captured_lead.pk}/privacy/erase/", {"confirm": "ERASE", "reason": "borrower asked by phone"}
    )
    assert response.status_code == 302
    assert not Lead.objects.filter(pk=captured_lead.pk).exists()
    assert not Consent.objects.exists()
    record = IntakeRecord.objects.get()
    assert (record.body, record.headers, record.lead_id, record.sensitive_values) == ("", {}, None, None)
    assert record.body_purged_at is not None
    event = AuditEvent.objects.get(action="lead.erased")
    assert event.actor == admin_user and event.detail["lead"] == captured_lead.pk
    assert event.detail["reason"] == "borrower asked by phone"
    assert event.detail["rows_deleted"]["leads.Consent"] == 3
    assert "ana" not in json.dumps(event.detail).lower()


@pytest.mark.parametrize("role", ["loan_officer", "manager"])
def test_only_an_admin_may_export_or_erase_and_a_refusal_changes_nothing(client, captured_lead, organisation,
                                                                         role):  # fmt: skip
    person = make_user(organisation, f"someone-{role}", role=role)
    captured_lead.owner = person
    captured_lead.save()
    client.force_login(person)
    assert client.get(f"/leads/{captured_lead.pk}/privacy/").status_code == 403
    assert client.post(f"/leads/{captured_lead.pk}/privacy/export/").status_code == 403
    assert client.post(f"/leads/{captured_lead.pk}/privacy/erase/", {"confirm": "ERASE"}).status_code == 403
    assert Lead.objects.filter(pk=captured_lead.pk).exists()
    assert not AuditEvent.objects.filter(action__in=["lead.erased", "lead.exported"]).exists()


def test_an_admin_of_another_organisation_gets_404(client, captured_lead, other_organisation):
    stranger = make_user(other_organisation, "stranger", role="admin")
    client.force_login(stranger)
    assert client.post(f"/leads/{captured_lead.pk}/privacy/erase/", {"confirm": "ERASE"}).status_code == 404
    assert Lead.objects.filter(pk=captured_lead.pk).exists()
