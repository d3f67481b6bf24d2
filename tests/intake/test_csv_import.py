"""CSV import: upload, column mapping with a preview, the background import through capture(), the error
report, re-uploads, retries after a mapping fix, and who may import."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from firstcall.accounts.models import AuditEvent
from firstcall.intake.csv_import import services, tasks
from firstcall.intake.csv_import.mapping import suggest_mapping
from firstcall.intake.csv_import.parsing import CsvUnreadable, iter_rows, parse_upload
from firstcall.intake.models import CsvImport, CsvImportRow
from firstcall.leads.models import IntakeRecord, Lead
from firstcall.leads.sources import create_source

EXPORT = (
    b"First Name,Last Name,Email Address,Mobile,Zip Code,Purpose,Credit,Purchase Price,Lead ID,"
    b"Favourite colour\n"
    b'Ana,Lopez,ana@example.com,(813) 555-0199,33602,Purchase,Good,"$350,000",CRM-1,blue\n'
    b"Ben,Ng,not-an-email,,33602,Refinance,Excellent,,CRM-2,\n"
    b",,,,,,,,,\n"
    b"Cara,Diaz,cara@example.com,813-555-0123,9999,purchase,,,CRM-3,\n"
    b"Dev,Patel,DEV@example.com,813 555 0177,33602,heloc,Fair,,CRM-4,\n"
)
EXPECTED_MAPPING = {
    "First Name": "first_name", "Last Name": "last_name", "Email Address": "email", "Mobile": "phone",
    "Zip Code": "zip", "Purpose": "purpose", "Credit": "credit_band", "Purchase Price": "purchase_price",
    "Lead ID": "external_id",
}  # fmt: skip


@pytest.fixture
def worker(run_worker):
    return run_worker


@pytest.fixture
def csv_source(organisation):
    source, _ = create_source(organisation, channel="csv", name="Old CRM export")
    return source


@pytest.fixture
def returning_borrower(client, api_source):
    """Dev already came in through the API, so the spreadsheet row merges into his lead."""
    response = client.post(
        "/api/v1/leads",
        data=json.dumps(
            {"first_name": "Dev", "last_name": "Patel", "email": "dev@example.com", "zip": "33602"}
        ),
        content_type="application/json",
        headers={"X-Api-Key": api_source.raw_api_key},
    )
    assert response.status_code == 201
    return Lead.objects.get(pk=response.json()["id"])


def upload(client, source, content: bytes = EXPORT, name: str = "leads.csv"):
    return client.post(
        f"/sources/{source.pk}/import/", {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    )


def confirm(client, csv_import: CsvImport, mapping: dict, capture_callbacks):
    data = {
        f"column_{index}": mapping.get(header, "") for index, header in enumerate(csv_import.headers)
    }  # fmt: skip
    with capture_callbacks(execute=True):
        return client.post(f"/sources/{csv_import.source_id}/import/{csv_import.pk}/mapping/", data)


def import_file(client, source, capture_callbacks, worker, content: bytes = EXPORT) -> CsvImport:
    response = upload(client, source, content)
    assert response.status_code == 302, response.content
    csv_import = CsvImport.objects.get(source=source, sha256=services.file_sha256(content))
    assert confirm(client, csv_import, csv_import.mapping, capture_callbacks).status_code == 302
    worker()
    csv_import.refresh_from_db()
    return csv_import


def report_lines(client, csv_import) -> list[list[str]]:
    response = client.get(f"/sources/{csv_import.source_id}/import/{csv_import.pk}/errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{csv_import.pk}-errors.csv"'
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_upload_suggests_a_mapping_and_shows_a_preview_of_the_first_rows(client, admin_user, csv_source):
    client.force_login(admin_user)
    assert client.get(f"/sources/{csv_source.pk}/import/").status_code == 200
    response = upload(client, csv_source)
    csv_import = CsvImport.objects.get()
    assert response["Location"] == f"/sources/{csv_source.pk}/import/{csv_import.pk}/"
    assert (csv_import.status, csv_import.rows_total, csv_import.file_name) == ("mapping", 4, "leads.csv")
    assert csv_import.mapping == EXPECTED_MAPPING
    assert csv_import.uploaded_by == admin_user
    mapping_page = client.get(response["Location"], follow=True)
    html = mapping_page.content.decode()
    assert mapping_page.redirect_chain[-1][0].endswith("/mapping/")
    assert '<option value="first_name" selected>First name</option>' in html
    assert '<option value="credit_band" selected>Credit band</option>' in html
    assert "<td>ana@example.com</td>" in html and "<td>Dev</td>" in html  # first rows, one column per line
    assert (
        "<td>Cara</td>" in html and ">Row 6</th>" in html
    )  # spreadsheet row numbers: the blank row 4 counts
    assert not Lead.objects.exists() and not IntakeRecord.objects.filter(channel="csv").exists()


def test_import_runs_each_row_through_capture_in_the_background(
    client, admin_user, csv_source, returning_borrower, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    csv_import = import_file(client, csv_source, django_capture_on_commit_callbacks, worker)
    assert csv_import.status == CsvImport.Status.FINISHED and csv_import.finished_at is not None
    assert (csv_import.rows_total, csv_import.rows_done) == (4, 4)
    counts = (
        csv_import.created_count,
        csv_import.merged_count,
        csv_import.duplicate_count,
        csv_import.rejected_count,
    )
    assert counts == (2, 1, 0, 1)

    ana = Lead.objects.get(email="ana@example.com")
    assert (ana.phone, ana.state, ana.purpose, ana.credit_band) == ("+18135550199", "FL", "purchase", "good")
    assert (
        str(ana.purchase_price) == "350000.00" and ana.vendor_lead_id == "CRM-1" and ana.source == csv_source
    )
    assert not ana.consent_sms and not ana.consents.exists()  # a spreadsheet is not proof of consent
    returning_borrower.refresh_from_db()
    assert returning_borrower.inquiry_count == 2 and returning_borrower.purpose == "heloc"
    # Cara's ZIP has four digits: she is reachable, so she is kept, with the ZIP as a warning.
    cara = Lead.objects.get(email="cara@example.com")
    assert cara.zip_code == "" and cara.intake_warnings[0]["field"] == "zip"
    assert cara.intake_warnings[0]["value"] == "9999"
    assert Lead.objects.count() == 3

    records = IntakeRecord.objects.filter(channel="csv").order_by("pk")
    assert [r.status for r in records] == ["accepted", "rejected", "accepted", "merged"]
    first_body = json.loads(records[0].body)
    assert first_body["import_id"] == csv_import.pk and first_body["row_number"] == 2
    assert first_body["row"]["First Name"] == "Ana"
    assert records[0].unknown_fields == {"Favourite colour": "blue"}
    assert list(CsvImportRow.objects.values_list("row_number", "outcome")) == [
        (2, "created"), (3, "rejected"), (5, "created"), (6, "merged"),
    ]  # fmt: skip

    status = client.get(
        f"/sources/{csv_source.pk}/import/{csv_import.pk}/status/", headers={"HX-Request": "true"}
    )
    assert status.status_code == 286  # htmx: the import is over, stop polling
    assert "4 of 4 rows done" in status.content.decode()


def test_error_report_lists_each_problem_with_the_row_and_its_original_values(
    client, admin_user, csv_source, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    csv_import = import_file(client, csv_source, django_capture_on_commit_callbacks, worker)
    lines = report_lines(client, csv_import)
    assert lines[0] == ["row_number", "field", "message", *csv_import.headers]
    assert [line[:2] for line in lines[1:]] == [["3", "Email Address"]]
    assert "not-an-email" in lines[1][2]
    assert lines[1][3:] == [
        "Ben",
        "Ng",
        "not-an-email",
        "",
        "33602",
        "Refinance",
        "Excellent",
        "",
        "CRM-2",
        "",
    ]
    assert (
        AuditEvent.objects.filter(action="csv_import.error_report_downloaded", actor=admin_user).count() == 1
    )


def test_error_report_defuses_spreadsheet_formulas(
    client, admin_user, csv_source, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    content = b'Name,Email\n"=HYPERLINK(""http://evil.test"",""x"")",not-an-email\n'
    csv_import = import_file(client, csv_source, django_capture_on_commit_callbacks, worker, content)
    lines = report_lines(client, csv_import)
    assert lines[1][3] == '\'=HYPERLINK("http://evil.test","x")'


def test_uploading_the_same_file_again_imports_nothing_new(
    client, admin_user, csv_source, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    first = import_file(client, csv_source, django_capture_on_commit_callbacks, worker)
    leads, records = Lead.objects.count(), IntakeRecord.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, csv_source, name="leads (1).csv")
    worker()
    assert again["Location"] == f"/sources/{csv_source.pk}/import/{first.pk}/"
    page = client.get(again["Location"])
    assert "already uploaded" in page.content.decode()
    assert CsvImport.objects.count() == 1
    assert (Lead.objects.count(), IntakeRecord.objects.count()) == (leads, records)


def test_rows_already_imported_from_another_file_are_not_imported_twice(
    client, admin_user, csv_source, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    import_file(client, csv_source, django_capture_on_commit_callbacks, worker)
    # The next export from the same CRM: Ana again (same lead id, edited notes) and one new borrower.
    next_export = (
        b"Lead ID,First Name,Last Name,Email Address,Mobile,Zip Code,Notes\n"
        b"CRM-1,Ana,Lopez,ana@example.com,(813) 555-0199,33602,called twice\n"
        b"CRM-9,Eve,Stone,eve@example.com,(813) 555-0142,33602,\n"
    )
    second = import_file(client, csv_source, django_capture_on_commit_callbacks, worker, next_export)
    assert (second.created_count, second.duplicate_count, second.merged_count) == (1, 1, 0)
    assert Lead.objects.filter(email="ana@example.com").count() == 1
    assert Lead.objects.filter(email="eve@example.com").count() == 1


def test_fixing_the_mapping_retries_only_the_rejected_rows_through_replay(
    client, admin_user, csv_source, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    content = (
        b"Name,E-mail,Tel\n"
        b"Gia Romano,gia@example.com,813-555-0110\n"
        b"Hal Brooks,,813-555-0111\n"
        b"Ivy Chen,,813-555-0112\n"
    )
    csv_import = import_file(client, csv_source, django_capture_on_commit_callbacks, worker, content)
    assert csv_import.mapping == {"Name": "full_name", "E-mail": "email"}  # "Tel" was not recognised
    assert (csv_import.created_count, csv_import.rejected_count) == (1, 2)
    gia_record = IntakeRecord.objects.get(lead__email="gia@example.com")

    fixed = {**csv_import.mapping, "Tel": "phone"}
    assert confirm(client, csv_import, fixed, django_capture_on_commit_callbacks).status_code == 302
    worker()
    csv_import.refresh_from_db()
    assert csv_import.status == CsvImport.Status.FINISHED and csv_import.mapping_version == 2
    assert (csv_import.rows_done, csv_import.created_count, csv_import.rejected_count) == (3, 3, 0)
    hal = Lead.objects.get(first_name="Hal")
    assert hal.last_name == "Brooks" and hal.phone == "+18135550111"
    assert IntakeRecord.objects.filter(channel="csv").count() == 3  # replayed in place, no new records
    assert set(IntakeRecord.objects.filter(channel="csv").values_list("attempts", flat=True)) == {0, 1}
    gia_record.refresh_from_db()
    assert gia_record.attempts == 0  # rows that were fine are left alone
    assert Lead.objects.filter(email="gia@example.com").count() == 1


def test_mapping_without_a_name_or_contact_column_is_refused(client, admin_user, csv_source):
    client.force_login(admin_user)
    upload(client, csv_source)
    csv_import = CsvImport.objects.get()
    response = client.post(
        f"/sources/{csv_source.pk}/import/{csv_import.pk}/mapping/", {"column_0": "first_name"}
    )
    assert response.status_code == 400
    assert "Choose the column with the phone number or the email address." in response.content.decode()
    duplicate = client.post(
        f"/sources/{csv_source.pk}/import/{csv_import.pk}/mapping/",
        {"column_0": "first_name", "column_1": "first_name", "column_2": "email"},
    )
    assert "First name is chosen for more than one column" in duplicate.content.decode()
    csv_import.refresh_from_db()
    assert csv_import.status == CsvImport.Status.MAPPING and csv_import.mapping_version == 0


def test_unreadable_files_are_refused_with_a_reason(client, admin_user, csv_source, settings):
    client.force_login(admin_user)
    binary = upload(client, csv_source, b"PK\x03\x04\x00\x00binary-xlsx", name="leads.xlsx")
    assert binary.status_code == 400 and "Save it as CSV" in binary.content.decode()
    header_only = upload(client, csv_source, b"First Name,Email\n")
    assert header_only.status_code == 400 and "no rows to import" in header_only.content.decode()
    settings.CSV_IMPORT_MAX_BYTES = 100
    too_big = upload(client, csv_source, EXPORT)
    assert too_big.status_code == 400 and "larger than" in too_big.content.decode()
    assert not CsvImport.objects.exists()


def test_loan_officer_cannot_import_and_nothing_changes(
    client, owner, admin_user, csv_source, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    upload(client, csv_source)
    csv_import = CsvImport.objects.get()
    audit_before = AuditEvent.objects.count()
    client.force_login(owner)
    base = f"/sources/{csv_source.pk}/import/"
    assert client.get(base).status_code == 403
    assert upload(client, csv_source, b"Name,Email\nZed Zed,zed@example.com\n").status_code == 403
    assert (
        confirm(client, csv_import, EXPECTED_MAPPING, django_capture_on_commit_callbacks).status_code == 403
    )
    for path in ["", "mapping/", "status/", "errors.csv"]:
        assert client.get(f"{base}{csv_import.pk}/{path}").status_code == 403
    csv_import.refresh_from_db()
    assert csv_import.status == CsvImport.Status.MAPPING and csv_import.mapping_version == 0
    assert CsvImport.objects.count() == 1
    assert AuditEvent.objects.count() == audit_before
    assert not Lead.objects.exists()


def test_manager_may_import_but_not_into_another_organisations_source(
    client, manager, outsider, csv_source, other_organisation
):
    client.force_login(manager)
    assert upload(client, csv_source).status_code == 302
    foreign, _ = create_source(other_organisation, channel="csv", name="Their CRM")
    assert upload(client, foreign).status_code == 404
    client.force_login(outsider)  # a loan officer elsewhere
    assert client.get(f"/sources/{csv_source.pk}/import/").status_code == 403


def test_import_page_needs_a_csv_source(client, admin_user, api_source):
    client.force_login(admin_user)
    assert client.get(f"/sources/{api_source.pk}/import/").status_code == 404
    client.logout()
    assert client.get(f"/sources/{api_source.pk}/import/").status_code == 302  # to the sign-in page


def test_progress_page_polls_while_the_import_runs(
    client, admin_user, csv_source, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    upload(client, csv_source)
    csv_import = CsvImport.objects.get()
    confirm(client, csv_import, csv_import.mapping, django_capture_on_commit_callbacks)
    page = client.get(f"/sources/{csv_source.pk}/import/{csv_import.pk}/")
    html = page.content.decode()
    assert f'hx-get="/sources/{csv_source.pk}/import/{csv_import.pk}/status/"' in html
    assert 'hx-trigger="every 1s"' in html and "htmx-2.min.js" in html
    assert "0 of 4 rows done" in html
    fragment = client.get(
        f"/sources/{csv_source.pk}/import/{csv_import.pk}/status/", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200


def test_a_lost_worker_is_taken_over_and_rows_already_done_are_not_repeated(
    client, admin_user, csv_source, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    upload(client, csv_source)
    csv_import = CsvImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        confirm_without_enqueue = {
            f"column_{i}": EXPECTED_MAPPING.get(h, "") for i, h in enumerate(csv_import.headers)
        }
        client.post(f"/sources/{csv_source.pk}/import/{csv_import.pk}/mapping/", confirm_without_enqueue)
    csv_import.refresh_from_db()
    # A worker claimed the import, did the first row, then died: its heartbeat went quiet.
    row_number, values = next(iter_rows(csv_import.content, csv_import.delimiter, csv_import.headers))
    services._import_row(csv_import, row_number, values)
    CsvImport.objects.filter(pk=csv_import.pk).update(
        status=CsvImport.Status.RUNNING, heartbeat_at=timezone.now()
    )
    assert services.run_import(csv_import.pk) == "not claimed"  # still alive as far as anyone can tell
    CsvImport.objects.filter(pk=csv_import.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert services.run_import(csv_import.pk) == "finished"
    assert services.run_import(csv_import.pk) == "not claimed"  # a late duplicate task does nothing
    csv_import.refresh_from_db()
    assert (csv_import.rows_done, csv_import.created_count, csv_import.rejected_count) == (4, 3, 1)
    assert CsvImportRow.objects.filter(csv_import=csv_import).count() == 4
    assert IntakeRecord.objects.filter(channel="csv").count() == 4


def test_sweep_re_enqueues_an_import_whose_task_was_lost(
    client, admin_user, csv_source, django_capture_on_commit_callbacks, worker
):
    client.force_login(admin_user)
    upload(client, csv_source)
    csv_import = CsvImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue never happens
        client.post(
            f"/sources/{csv_source.pk}/import/{csv_import.pk}/mapping/",
            {f"column_{i}": EXPECTED_MAPPING.get(h, "") for i, h in enumerate(csv_import.headers)},
        )
    worker()
    csv_import.refresh_from_db()
    assert csv_import.status == CsvImport.Status.QUEUED
    assert tasks.sweep_stalled_imports() == 0  # not stale yet
    CsvImport.objects.filter(pk=csv_import.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=6))
    assert tasks.sweep_stalled_imports() == 1
    worker()
    csv_import.refresh_from_db()
    assert csv_import.status == CsvImport.Status.FINISHED and csv_import.rows_done == 4


# --- Reading files: pure functions ----------------------------------------------------------------------


def test_excel_exports_with_a_bom_semicolons_or_windows_encoding_are_read():
    parsed = parse_upload("\ufeffNom;Email;Zip\r\nJosé Núñez;jose@example.com;33602\r\n".encode())
    assert parsed.delimiter == ";" and parsed.headers == ["Nom", "Email", "Zip"]
    assert parsed.preview == [{"Nom": "José Núñez", "Email": "jose@example.com", "Zip": "33602"}]
    windows = parse_upload("Name,Email\r\nRenée Müller,renee@example.com\r\n".encode("cp1252"))
    assert windows.preview[0]["Name"] == "Renée Müller"
    tabs = parse_upload(b"Name\tEmail\nAna Lopez\tana@example.com\n")
    assert tabs.delimiter == "\t"


def test_rows_keep_spreadsheet_numbers_across_quoted_line_breaks_and_blank_rows():
    text = 'Name,Notes,Name\nAna,"line one\nline two",dup\n,,\nBen,,,extra\n'
    parsed = parse_upload(text.encode())
    assert parsed.headers == ["Name", "Notes", "Name (2)"]
    rows = list(iter_rows(parsed.text, parsed.delimiter, parsed.headers))
    assert [number for number, _ in rows] == [2, 4]
    assert rows[0][1]["Notes"] == "line one\nline two"
    assert rows[1][1] == {"Name": "Ben", "Notes": "", "Name (2)": "", "Column 4": "extra"}


def test_unreadable_inputs_raise_a_reason():
    for raw, reason in [
        (b"", "empty"), (b"\n\n", "empty"), (b",,\nAna,x,y\n", "name the columns"),
        (",".join(f"c{i}" for i in range(201)).encode() + b"\n1\n", "at most 200"),
    ]:  # fmt: skip
        with pytest.raises(CsvUnreadable, match=reason):
            parse_upload(raw)


def test_suggestions_prefer_the_sources_previous_mapping_and_use_each_field_once():
    headers = ["Name", "Cell", "Phone", "Contact #", "Credit Score"]
    assert suggest_mapping(headers) == {"Name": "full_name", "Cell": "phone", "Credit Score": "credit_score"}
    assert suggest_mapping(headers, previous={"Contact #": "phone"}) == {
        "Contact #": "phone", "Name": "full_name", "Credit Score": "credit_score",
    }  # fmt: skip
