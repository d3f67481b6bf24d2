"""Documents on a lead: upload, storage, the worker reading them, bad input, access, API and review."""

import hashlib
import io
import json
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from firstcall.accounts.models import ApiKey, AuditEvent
from firstcall.accounts.services import create_api_key
from firstcall.documents import storage
from firstcall.documents.corpus.generate import one
from firstcall.documents.demo import seed_documents
from firstcall.documents.models import Document, ExtractedField, FieldReview
from firstcall.documents.needs import needs_for, upload_token
from firstcall.eligibility.models import Assessment
from firstcall.events.models import Event
from firstcall.flows.document_request import request_documents
from firstcall.leads.models import TimelineEvent
from firstcall.messaging.models import Message
from tests.outside_services import tampa_borrower


@pytest.fixture(autouse=True)
def _document_storage(settings, tmp_path):
    settings.DOCUMENTS_DIR = str(tmp_path / "documents")
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"


@pytest.fixture
def lead(organisation, owner):
    return tampa_borrower(
        organisation,
        owner=owner,
        first_name="Dana",
        last_name="Whitfield",
        purchase_price=Decimal("400000"),
        down_payment=Decimal("40000"),
        credit_score_low=720,
        credit_score_high=739,
        property_type="single_family",
        property_use="primary",
        annual_income=Decimal("30000"),
        monthly_debts=Decimal("400"),
    )


def _upload(client, lead, *files, capture):
    with capture(execute=True):
        return client.post(f"/leads/{lead.pk}/documents/upload/", {"files": list(files)})


def _file(name, data):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_an_uploaded_paystub_is_stored_encrypted_and_read_by_the_worker(
    client, owner, lead, run_worker, django_capture_on_commit_callbacks
):
    sample = one("paystub", 0, seed=4, name="Dana Whitfield")
    client.force_login(owner)
    response = _upload(
        client, lead, _file("stub.pdf", sample.pdf), capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    document = Document.objects.get(lead=lead)
    assert document.status == Document.Status.RECEIVED  # nothing was read in the request
    assert document.sha256 == hashlib.sha256(sample.pdf).hexdigest()
    on_disk = (storage.conf.storage_directory() / document.storage_name).read_bytes()
    assert b"%PDF" not in on_disk and on_disk.startswith(b"FCD1")
    run_worker()
    document.refresh_from_db()
    assert document.status == Document.Status.NEEDS_REVIEW
    assert document.document_type == "paystub"
    gross = document.fields.get(name="paystub.gross_current")
    assert gross.value == str(sample.truth["paystub.gross_current"]) and gross.method == "text_layer"
    assert gross.page == 1 and len(gross.bbox) == 4
    assert {"name": "name_matches_borrower", "passed": True}.items() <= next(
        c for c in document.checks if c["name"] == "name_matches_borrower"
    ).items()
    assert AuditEvent.objects.filter(action="document.uploaded").count() == 1


def test_an_identical_reupload_is_recognised_and_not_stored_twice(
    client, owner, lead, django_capture_on_commit_callbacks
):
    data = one("w2", 1, seed=2).pdf
    client.force_login(owner)
    _upload(client, lead, _file("w2.pdf", data), capture=django_capture_on_commit_callbacks)
    response = _upload(
        client, lead, _file("copy of w2.pdf", data), capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    assert Document.objects.filter(lead=lead).count() == 1
    assert AuditEvent.objects.filter(action="document.duplicate_upload").count() == 1


def _encrypted(data: bytes, password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_bad_files_get_a_clear_state_and_are_kept(
    client, owner, lead, run_worker, django_capture_on_commit_callbacks
):
    good = one("w2", 0, seed=8).pdf
    files = {
        "empty.pdf": b"",
        "invoice.pdf": b"MZ\x90\x00" + b"\x00" * 300,
        "truncated.pdf": good[: len(good) // 3],
        "locked.pdf": _encrypted(one("w2", 1, seed=9).pdf, "hunter2"),
    }
    client.force_login(owner)
    _upload(
        client,
        lead,
        *[_file(name, data) for name, data in files.items()],
        capture=django_capture_on_commit_callbacks,
    )
    run_worker()
    states = {d.file_name: (d.status, d.failure_code) for d in Document.objects.filter(lead=lead)}
    assert states == {
        "empty.pdf": ("failed", "empty"),
        "invoice.pdf": ("failed", "unsupported_type"),
        "truncated.pdf": ("failed", "corrupt"),
        "locked.pdf": ("needs_password", "needs_password"),
    }
    lead.refresh_from_db()
    assert lead.annual_income == Decimal("30000")  # nothing else on the lead changed
    locked = Document.objects.get(file_name="locked.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/{locked.pk}/password/", {"password": "hunter2"})
    run_worker()
    locked.refresh_from_db()
    assert locked.status == Document.Status.NEEDS_REVIEW and locked.password_encrypted == ""
    assert locked.document_type == "w2"


def test_an_upload_over_the_size_limit_gets_413_naming_the_limit(client, owner, lead, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    client.force_login(owner)
    response = client.post(
        f"/leads/{lead.pk}/documents/upload/",
        {"files": [_file("big.pdf", b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024))]},
    )
    assert response.status_code == 413
    assert "upload limit of 2 MB" in response.content.decode()
    assert not Document.objects.exists()


def test_people_who_cannot_work_the_lead_see_none_of_its_documents(
    client, owner, teammate, outsider, lead, run_worker, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    _upload(
        client, lead, _file("w2.pdf", one("w2", 0, seed=3).pdf), capture=django_capture_on_commit_callbacks
    )
    run_worker()
    document = Document.objects.get()
    field = document.fields.first()
    for person in (teammate, outsider):
        client.force_login(person)
        for url in (
            f"/leads/{lead.pk}/documents/",
            f"/documents/{document.pk}/",
            f"/documents/{document.pk}/file/",
            f"/documents/{document.pk}/pages/1.png",
        ):
            assert client.get(url).status_code == 404, (person.username, url)
        assert (
            client.post(f"/documents/{document.pk}/fields/{field.pk}/", {"action": "accepted"}).status_code
            == 404
        )
        assert (
            client.post(
                f"/leads/{lead.pk}/documents/upload/", {"files": [_file("x.pdf", b"%PDF-1.4")]}
            ).status_code
            == 404
        )
    assert Document.objects.count() == 1
    assert ExtractedField.objects.exclude(status="pending").count() == 0
    client.force_login(owner)
    assert client.get(f"/documents/{document.pk}/pages/1.png")["Content-Type"] == "image/png"
    assert client.get(f"/documents/{document.pk}/file/").content == one("w2", 0, seed=3).pdf
    assert set(
        AuditEvent.objects.filter(action__startswith="document.").values_list("action", flat=True)
    ) >= {"document.uploaded", "document.downloaded"}


def test_the_api_uploads_with_a_write_key_and_refuses_other_keys_and_leads(
    client, organisation, other_organisation, lead, run_worker, django_capture_on_commit_callbacks
):
    _, write_key = create_api_key(organisation, name="LOS", scopes=[ApiKey.SCOPE_LEADS_WRITE])
    _, read_key = create_api_key(organisation, name="Reports", scopes=[ApiKey.SCOPE_LEADS_READ])
    _, foreign_key = create_api_key(other_organisation, name="Other", scopes=[ApiKey.SCOPE_LEADS_WRITE])
    data = one("bank_statement", 1, seed=5).pdf
    url = f"/api/v1/leads/{lead.pk}/documents"
    assert (
        client.post(url, {"file": _file("s.pdf", data)}, headers={"X-Api-Key": read_key}).status_code == 403
    )
    assert (
        client.post(url, {"file": _file("s.pdf", data)}, headers={"X-Api-Key": foreign_key}).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": _file("s.pdf", data)}, headers={"X-Api-Key": write_key})
    assert response.status_code == 201
    (created,) = response.json()
    assert created["status"] == "received" and created["duplicate"] is False
    again = client.post(url, {"file": _file("again.pdf", data)}, headers={"X-Api-Key": write_key})
    assert again.status_code == 200 and again.json()[0]["duplicate"] is True
    run_worker()
    body = client.get(f"/api/v1/documents/{created['id']}", headers={"X-Api-Key": read_key}).json()
    assert body["status"] == "needs_review" and body["document_type"] == "bank_statement"
    assert body["fields"]["bank.account_last4"]["value"].isdigit()
    assert len(body["fields"]["bank.account_last4"]["value"]) == 4


def test_the_api_413_names_the_limit(client, organisation, lead, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024 * 1024
    _, key = create_api_key(organisation, name="LOS", scopes=[ApiKey.SCOPE_LEADS_WRITE])
    response = client.post(
        f"/api/v1/leads/{lead.pk}/documents",
        {"file": _file("big.pdf", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024))},
        headers={"X-Api-Key": key},
    )
    assert response.status_code == 413
    assert "upload limit of 1 MB" in json.dumps(response.json())


def test_reviewing_a_paystub_applies_its_income_to_the_scenario_and_reruns_the_assessment(
    client, owner, lead, run_worker, django_capture_on_commit_callbacks
):
    sample = one("paystub", 0, seed=4, name="Dana Whitfield")
    client.force_login(owner)
    _upload(client, lead, _file("stub.pdf", sample.pdf), capture=django_capture_on_commit_callbacks)
    run_worker()
    document = Document.objects.get()
    net = document.fields.get(name="paystub.net_pay")
    response = client.post(
        f"/documents/{document.pk}/fields/{net.pk}/", {"action": "corrected", "value": "1,234.50"}
    )
    assert response.status_code == 302
    net.refresh_from_db()
    assert net.status == "corrected" and net.corrected_value == "1234.50"
    review = FieldReview.objects.get(field=net)
    assert review.actor == owner and review.new_value == "1234.50"
    assert client.post(f"/documents/{document.pk}/complete/").status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.NEEDS_REVIEW  # fields still pending: refused
    client.post(f"/documents/{document.pk}/accept-all/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/documents/{document.pk}/complete/")
    document.refresh_from_db()
    assert document.status == Document.Status.REVIEWED and document.reviewed_by == owner
    lead.refresh_from_db()
    assert lead.annual_income != Decimal("30000")
    event = TimelineEvent.objects.filter(lead=lead, kind="field_changed").first()
    assert f"document #{document.pk}" in event.data.get("reason", "") + event.summary + json.dumps(event.data)
    assert Assessment.objects.filter(lead=lead).exists()
    assert Event.objects.filter(name="document.reviewed", payload__document_id=document.pk).exists()


def test_rotating_the_key_re_encrypts_stored_documents(
    client, owner, lead, settings, django_capture_on_commit_callbacks
):
    data = one("w2", 2, seed=6).pdf
    client.force_login(owner)
    _upload(client, lead, _file("w2.pdf", data), capture=django_capture_on_commit_callbacks)
    document = Document.objects.get()
    settings.DOCUMENT_ENCRYPTION_KEY = "the-new-key"
    settings.DOCUMENT_PREVIOUS_ENCRYPTION_KEYS = "test-document-key"
    assert storage.load(document.storage_name) == data  # still readable with the previous key
    call_command("rotate_document_key")
    document.refresh_from_db()
    assert document.key_id == storage.current_key_id()
    settings.DOCUMENT_PREVIOUS_ENCRYPTION_KEYS = ""
    assert storage.load(document.storage_name) == data


def test_the_review_screen_shows_boxes_checks_and_figures_and_works_by_htmx(
    client, owner, lead, run_worker, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    _upload(
        client,
        lead,
        _file("stub.pdf", one("paystub", 2, seed=11).pdf),
        capture=django_capture_on_commit_callbacks,
    )
    run_worker()
    document = Document.objects.get()
    page = client.get(f"/documents/{document.pk}/").content.decode()
    assert page.count('class="field-box"') >= 5
    assert "paystub.ytd_consistent" in page and "Monthly base income" in page and "B3-3.1-01" in page
    field = document.fields.get(name="paystub.gross_current")
    row = client.post(
        f"/documents/{document.pk}/fields/{field.pk}/",
        {"action": "corrected", "value": "abc"},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200 and "Enter an amount" in row.content.decode()
    field.refresh_from_db()
    assert field.status == "pending"
    assert AuditEvent.objects.filter(action="document.viewed").count() == 1


def test_the_needs_list_and_a_borrower_link_for_one_lead(
    client, owner, lead, organisation, run_worker, django_capture_on_commit_callbacks, settings
):
    settings.FIRSTCALL_EMAIL_PROVIDER = "demo"
    assert [need.key for need in needs_for(lead) if not need.met] == [
        "w2",
        "paystubs",
        "bank_statements",
        "photo_id",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        message = request_documents(lead, channel="email", actor=owner)
    assert "/upload/" in message.body and "W-2s for the last two years" in message.body
    assert Message.objects.filter(lead=lead).count() == 1
    link = f"/upload/{upload_token(lead)}/"
    assert client.get(link).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"files": [_file("photo.pdf", one("w2", 0, seed=12).pdf)]})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    run_worker()
    document = Document.objects.get(lead=lead)
    assert document.source == "borrower_link" and document.status == "needs_review"
    assert next(need for need in needs_for(lead) if need.key == "w2").have == 1
    assert client.get("/upload/not-a-token/").status_code == 410


def test_demo_seeding_puts_documents_in_every_state(organisation, owner):
    leads = [
        tampa_borrower(organisation, owner=owner, first_name=name, phone=f"+1813555{index:04d}")
        for index, name in enumerate(["Ana", "Ben", "Cara", "Dev"])
    ]
    seed_documents(organisation, leads=leads, actor=owner)
    states = set(Document.objects.values_list("status", flat=True))
    assert states == {"received", "processing", "needs_review", "reviewed", "failed", "needs_password"}


def test_a_borrower_link_expires_after_seven_days(client, lead):
    link = f"/upload/{upload_token(lead)}/"
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
