"""Redaction at the door, end to end: what each channel writes to the database holds no SSN, account number,
card number or date of birth in clear; the date of birth the product uses is stored encrypted."""

import json
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from firstcall.intake.csv_import import services as csv_services
from firstcall.intake.csv_import.parsing import iter_rows
from firstcall.intake.models import CsvImport
from firstcall.intake.services import purge_expired_intake, replay_refusal
from firstcall.leads.models import IntakeRecord, Lead
from firstcall.leads.privacy import erase_lead
from firstcall.leads.sources import create_source
from firstcall.sweeps import run_sweeps

CLEAR_VALUES = [
    "123-45-6789",
    "=123456789",
    "1980-01-02",
    "01/02/1980",
    "4111111111111111",
    "021000021",
    "000123456789",
]


def stored_text_of(record: IntakeRecord) -> str:
    """Everything the intake record keeps, as the database holds it (encrypted columns included)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT body, unknown_fields, sensitive_values, headers FROM leads_intakerecord WHERE id = %s",
            [record.pk],
        )
        return " ".join(str(value) for value in cursor.fetchone())


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def assert_nothing_in_clear(text: str):
    for value in CLEAR_VALUES:
        assert value not in text


@pytest.fixture
def vendor_source(organisation):
    source, issued = create_source(organisation, channel="vendor_post", name="LeadConduit", vendor="LC")
    source.raw_key = issued["secret"]
    return source


def test_json_api_post_with_ssn_and_dob_keeps_markers_and_an_encrypted_birth_date(
    client, api_source, borrower_payload, admin_user
):
    borrower_payload |= {
        "SSN": "123-45-6789",
        "DOB": "1980-01-02",
        "bank": {"routing_number": "021000021", "account_number": "000123456789"},
        "notes": "Pre-approved elsewhere. SSN 123-45-6789, card 4111111111111111.",
    }
    response = client.post(
        "/api/v1/leads", data=json.dumps(borrower_payload), content_type="application/json",
        headers={"X-Api-Key": api_source.raw_api_key},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    record = IntakeRecord.objects.get()
    assert_nothing_in_clear(stored_text_of(record))
    body = json.loads(record.body)
    assert body["SSN"] == "[redacted SSN ending 6789]" and body["DOB"] == "[redacted date of birth]"
    assert record.unknown_fields["SSN"] == "[redacted SSN ending 6789]"
    assert {"kind": "ssn", "where": "SSN"} in record.redactions

    lead = Lead.objects.get()
    assert lead.date_of_birth == date(1980, 1, 2)
    stored_birth_date = raw_column("leads_lead", "date_of_birth", lead.pk)
    assert stored_birth_date and "1980" not in stored_birth_date  # a Fernet token, not the date
    assert lead.notes == (
        "Pre-approved elsewhere. SSN [redacted SSN ending 6789], card [redacted card number ending 1111]."
    )
    assert_nothing_in_clear(json.dumps(list(lead.inquiries.values_list("data", flat=True))))

    client.force_login(admin_user)
    page = client.get(f"/intake/{record.pk}/").content.decode()
    assert "[redacted SSN ending 6789]" in page and "kept encrypted on the lead" in page
    assert_nothing_in_clear(page)


def test_leadconduit_form_post_is_redacted_before_it_is_stored(client, vendor_source):
    body = urlencode({
        "first_name": "Jordan", "last_name": "Baker", "email": "jordan.baker@example.com",
        "phone": "404-555-0177", "zip": "30303", "lead_id": "LC-5531",
        "ssn": "123456789", "dob": "01/02/1980", "comments": "ABA 021000021",
    })  # fmt: skip
    response = client.post(
        f"/hooks/post/{vendor_source.pk}/", data=body, content_type="application/x-www-form-urlencoded",
        headers={"X-Api-Key": vendor_source.raw_key},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    record = IntakeRecord.objects.get()
    assert_nothing_in_clear(stored_text_of(record))
    assert "ssn=%5Bredacted+SSN+ending+6789%5D" in record.body
    assert Lead.objects.get().date_of_birth == date(1980, 1, 2)


def test_xml_post_refused_for_a_bad_key_is_still_redacted(client, vendor_source):
    xml = (
        '<?xml version="1.0"?><Lead id="FRU-1"><Borrower SSN="123-45-6789"><FirstName>Maya</FirstName>'
        "<DateOfBirth>1980-01-02</DateOfBirth><CreditCard>4111111111111111</CreditCard></Borrower></Lead>"
    )
    response = client.post(
        f"/hooks/post/{vendor_source.pk}/", data=xml, content_type="application/xml",
        headers={"X-Api-Key": "wrong"},
    )  # fmt: skip
    assert response.status_code == 401
    record = IntakeRecord.objects.get()
    assert_nothing_in_clear(stored_text_of(record))
    assert '<Borrower SSN="[redacted SSN ending 6789]">' in record.body
    assert "<FirstName>Maya</FirstName>" in record.body


def test_csv_file_and_its_rows_are_kept_redacted(client, admin_user, organisation, django_capture_on_commit_callbacks,
                                                  run_worker):  # fmt: skip
    source, _ = create_source(organisation, channel="csv", name="Old CRM")
    content = (
        b"First Name,Last Name,Email,SSN,Date of Birth,Notes\n"
        b"Ana,Lopez,ana@example.com,123-45-6789,01/02/1980,card 4111111111111111\n"
    )
    client.force_login(admin_user)
    csv_import, _ = csv_services.upload_csv(source, uploaded_by=admin_user, file_name="x.csv", raw=content)
    assert_nothing_in_clear(CsvImport.objects.get().content)
    mapping = {"First Name": "first_name", "Last Name": "last_name", "Email": "email"}
    data = {f"column_{index}": mapping.get(header, "") for index, header in enumerate(csv_import.headers)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/sources/{source.pk}/import/{csv_import.pk}/mapping/", data)
    run_worker()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.ACCEPTED
    assert_nothing_in_clear(stored_text_of(record))
    assert_nothing_in_clear(raw_column("intake_csvimport", "birth_dates", csv_import.pk))
    # The kept file is redacted, but each row's date of birth reaches its lead encrypted, as a vendor post's does.
    assert record.date_of_birth == "1980-01-02"
    assert Lead.objects.get().date_of_birth == date(1980, 1, 2)
    assert "1980" not in raw_column("leads_lead", "date_of_birth", Lead.objects.get().pk)


def test_csv_rows_keep_each_borrowers_own_date_of_birth(
    client, admin_user, organisation, django_capture_on_commit_callbacks, run_worker, settings
):
    source, _ = create_source(organisation, channel="csv", name="Old CRM")
    content = (
        b"First Name,Email,DOB,Notes\n"
        b"Ana,ana@example.com,1975-03-04,\n"
        b"Ben,,,no date of birth\n"
        b"Cara,cara@example.com,not a date,\n"
        b"Dev,dev@example.com,12/31/1990,\n"
    )
    client.force_login(admin_user)
    csv_import, _ = csv_services.upload_csv(source, uploaded_by=admin_user, file_name="y.csv", raw=content)
    assert CsvImport.objects.get().birth_dates == {"2": "1975-03-04", "5": "1990-12-31"}
    mapping = {"First Name": "first_name", "Email": "email"}
    data = {f"column_{index}": mapping.get(header, "") for index, header in enumerate(csv_import.headers)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/sources/{source.pk}/import/{csv_import.pk}/mapping/", data)
    run_worker()
    births = dict(Lead.objects.values_list("first_name", "date_of_birth"))
    assert births == {"Ana": date(1975, 3, 4), "Cara": None, "Dev": date(1990, 12, 31)}
    # Past the retention period the kept file and its birth dates go; the leads keep theirs.
    with time_machine.travel(timezone.now() + timedelta(days=settings.INTAKE_RETENTION_DAYS + 1), tick=False):
        purge_expired_intake()
    kept = CsvImport.objects.get()
    assert (kept.content, kept.birth_dates) == ("", None)
    assert Lead.objects.get(first_name="Ana").date_of_birth == date(1975, 3, 4)


def test_raw_bodies_past_the_retention_period_are_emptied_by_the_sweep(
    client, api_source, borrower_payload, settings, monkeypatch
):
    monkeypatch.setattr("firstcall.sweeps.close_old_connections", lambda: None)  # keep the test's transaction
    settings.INTAKE_RETENTION_DAYS = 90
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post("/api/v1/leads", data=json.dumps(borrower_payload), content_type="application/json",
                    headers={"X-Api-Key": api_source.raw_api_key})  # fmt: skip
    with time_machine.travel(start + timedelta(days=60), tick=False):
        borrower_payload["external_id"] = "VENDOR-2"
        client.post("/api/v1/leads", data=json.dumps(borrower_payload), content_type="application/json",
                    headers={"X-Api-Key": api_source.raw_api_key})  # fmt: skip
    old, recent = IntakeRecord.objects.order_by("received_at")
    with time_machine.travel(start + timedelta(days=91), tick=False):
        assert run_sweeps()["firstcall.intake.services.purge_expired_intake"] == 1
        assert purge_expired_intake() == 0  # already done: the sweep is safe to run again
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.body, old.headers, old.unknown_fields) == ("", {}, {})
    assert old.body_purged_at is not None and old.lead_id is not None and old.status == "accepted"
    assert "Ana" in recent.body and recent.body_purged_at is None
    old.status = IntakeRecord.Status.REJECTED
    assert replay_refusal(old).startswith("The body was emptied")


def test_erasing_a_lead_empties_its_row_of_a_kept_spreadsheet_and_its_birth_date(
    client, admin_user, organisation, django_capture_on_commit_callbacks, run_worker
):
    source, _ = create_source(organisation, channel="csv", name="Old CRM")
    content = b'First Name,Email,DOB\nAna,ana@example.com,1975-03-04\n"Dev, Jr.",dev@example.com,12/31/1990\n'
    client.force_login(admin_user)
    csv_import, _ = csv_services.upload_csv(source, uploaded_by=admin_user, file_name="z.csv", raw=content)
    data = {f"column_{index}": {"First Name": "first_name", "Email": "email"}.get(header, "")
            for index, header in enumerate(csv_import.headers)}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/sources/{source.pk}/import/{csv_import.pk}/mapping/", data)
    run_worker()
    ana = Lead.objects.get(first_name="Ana")

    erase_lead(ana, actor=admin_user, reason="borrower's request")

    kept = CsvImport.objects.get()
    assert "ana@example.com" not in kept.content and "Ana" not in kept.content
    assert kept.birth_dates == {"3": "1990-12-31"}
    # The other borrower's row keeps its number and its data, so the file still reads as before for them.
    assert [values["Email"] for _, values in iter_rows(kept.content, kept.delimiter, kept.headers)] == [
        "dev@example.com"
    ]
    assert dict(iter_rows(kept.content, kept.delimiter, kept.headers))[3]["First Name"] == "Dev, Jr."
    # Running the import again brings nobody back.
    csv_services.run_import(kept.pk)
    assert list(Lead.objects.values_list("first_name", flat=True)) == ["Dev, Jr."]
