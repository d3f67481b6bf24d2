"""The borrower portal: each borrower sees only their own file (status, documents, messages, figures, consent),
through the services that own each part, with every page audited and every POST protected by CSRF."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from firstcall.accounts.models import AuditEvent, Notification, User
from firstcall.documents.corpus.generate import one
from firstcall.documents.models import Document
from firstcall.events.models import Event
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Consent, TimelineEvent
from firstcall.messaging.models import Message, Suppression
from firstcall.portals import services as portals
from firstcall.portals.models import SignInLink
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db

BORROWER_PAGES = [
    "/portal/",
    "/portal/documents/",
    "/portal/messages/",
    "/portal/figures/",
    "/portal/preferences/",
]


@pytest.fixture(autouse=True)
def _document_storage(settings, tmp_path):
    settings.DOCUMENTS_DIR = str(tmp_path / "documents")
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"


@pytest.fixture
def ana(organisation, owner):
    owner.photo_url = "https://photos.example/olivia.jpg"
    owner.save(update_fields=["photo_url"])
    return tampa_borrower(
        organisation,
        owner=owner,
        stage_name="Processing",
        notes="Internal: credit 612, watch the DTI",
        purchase_price=Decimal("400000"),
        down_payment=Decimal("40000"),
        credit_score_low=612,
        credit_score_high=619,
        property_type="single_family",
        property_use="primary",
        annual_income=Decimal("120000"),
        monthly_debts=Decimal("400"),
    )


@pytest.fixture
def ben(organisation, teammate):
    return tampa_borrower(
        organisation, owner=teammate, first_name="Ben", email="ben@example.com", phone="+18135550177"
    )


def sign_in(client, lead):
    recipient = portals.Recipient(SignInLink.Party.BORROWER, "email", lead.email, lead=lead)
    token = portals.issue_link(lead.organisation, recipient)
    response = client.post(f"/portal/link/{token}/")
    assert response.status_code == 302
    return client


def pdf_file(name="w2.pdf", data=None):
    handle = io.BytesIO(data if data is not None else one("w2", 0, seed=12).pdf)
    handle.name = name
    return handle


# --- Access, per role -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", BORROWER_PAGES)
def test_every_borrower_page_opens_only_with_a_borrower_session(client, organisation, ana, owner, path):
    assert client.get(path).status_code == 404  # nobody signed in
    client.force_login(owner)
    assert client.get(path).status_code == 404  # staff are not borrowers
    partner = make_user(organisation, "rita", role=User.Role.PARTNER)
    partner_client = Client()
    token = portals.issue_link(
        organisation, portals.Recipient(SignInLink.Party.PARTNER, "email", partner.email, user=partner)
    )
    partner_client.post(f"/portal/link/{token}/")
    if path != "/portal/":  # the partner's own home
        assert partner_client.get(path).status_code == 404
    borrower = sign_in(Client(), ana)
    response = borrower.get(path)
    assert response.status_code == 200
    page = path.strip("/").split("/")[-1]
    page = "home" if page == "portal" else page
    assert AuditEvent.objects.filter(
        action=portals.PORTAL_VIEW, detail__page=page, detail__lead_id=ana.pk
    ).exists()


def test_a_borrowers_document_and_forms_answer_only_to_that_borrower(organisation, ana, ben, owner):
    borrower = sign_in(Client(), ana)
    borrower.post("/portal/documents/", {"files": [pdf_file()]})
    document = Document.objects.get(lead=ana)
    staff = Client()
    staff.force_login(owner)
    partner = make_user(organisation, "rita", role=User.Role.PARTNER)
    partner_client = Client()
    token = portals.issue_link(
        organisation, portals.Recipient(SignInLink.Party.PARTNER, "email", partner.email, user=partner)
    )
    partner_client.post(f"/portal/link/{token}/")
    others = {"nobody": Client(), "staff": staff, "partner": partner_client}
    for who, other in others.items():
        assert other.get(f"/portal/documents/{document.pk}/").status_code == 404, who
        assert other.post("/portal/messages/", {"body": "Hi"}).status_code == 404, who
        assert other.post("/portal/documents/", {"files": [pdf_file("x.pdf")]}).status_code == 404, who
        assert (
            other.post("/portal/preferences/", {"channel": "sms", "action": "withdraw"}).status_code == 404
        ), who
    assert not Message.objects.filter(channel="portal").exists() and Document.objects.count() == 1
    assert Lead_consent(ana, "sms")
    # borrower B's own forms act on B's file only
    ben_client = sign_in(Client(), ben)
    assert ben_client.get(f"/portal/documents/{document.pk}/").status_code == 404
    ben_client.post("/portal/messages/", {"body": "Hi"})
    ben_client.post("/portal/preferences/", {"channel": "sms", "action": "withdraw"})
    assert Message.objects.get(channel="portal").lead == ben
    assert Lead_consent(ana, "sms") and not Lead_consent(ben, "sms")
    assert borrower.get(f"/portal/documents/{document.pk}/").status_code == 200


def test_borrower_a_never_sees_borrower_b(client, ana, ben):
    theirs = Document.objects.create(
        organisation=ben.organisation, lead=ben, file_name="ben-w2.pdf", size_bytes=1, sha256="x",
        storage_name="none", key_id="k",
    )  # fmt: skip
    Message.objects.create(
        organisation=ben.organisation, lead=ben, channel="sms", direction="inbound", purpose="reply",
        body="Ben's private text", status="received", idempotency_key="ben-1",
    )  # fmt: skip
    sign_in(client, ana)
    assert client.get(f"/portal/documents/{theirs.pk}/").status_code == 404
    for path in BORROWER_PAGES:
        body = client.get(path).content.decode()
        assert "Ben" not in body and "ben-w2.pdf" not in body and "Ben's private text" not in body
        assert "Ana" in body or path != "/portal/"


def test_a_portal_session_reaches_no_staff_page(client, ana):
    sign_in(client, ana)
    for path in ["/", "/leads/", f"/leads/{ana.pk}/", f"/leads/{ana.pk}/documents/", "/settings/"]:
        response = client.get(path)
        assert response.status_code in (302, 404), path
        if response.status_code == 302:
            assert "/login" in response.url or "/accounts/" in response.url, path


def test_every_borrower_post_needs_the_csrf_token(ana):
    client = Client(enforce_csrf_checks=True)
    client.cookies = sign_in(Client(), ana).cookies  # the borrower's session, on a client that checks CSRF
    assert client.get("/portal/messages/").status_code == 200
    assert client.post("/portal/messages/", {"body": "Hello"}).status_code == 403
    assert client.post("/portal/documents/", {"files": [pdf_file()]}).status_code == 403
    assert client.post("/portal/preferences/", {"channel": "sms", "action": "withdraw"}).status_code == 403
    assert not Message.objects.filter(lead=ana).exists() and not Document.objects.exists()
    assert Lead_consent(ana, "sms")


def Lead_consent(lead, channel):  # noqa: N802 - reads as a sentence in the assertion
    lead.refresh_from_db()
    return getattr(lead, f"consent_{channel}")


# --- Home -------------------------------------------------------------------------------------------------------


def test_home_shows_the_loan_in_the_borrowers_words_and_the_officer_to_reach(client, ana, owner):
    LoanApplication.objects.create(
        organisation=ana.organisation, lead=ana, los_milestone="approved", los_milestone_at=timezone.now()
    )
    body = sign_in(client, ana).get("/portal/").content.decode()
    assert "Processing ✓" in body and "Underwriting ✓" in body
    assert 'aria-current="step"' in body and "Approved with conditions" in body
    assert "Clear to close" in body and "Lost" not in body
    assert "Olivia" in body and "NMLS ID 100001" in body
    assert 'href="tel:+18135550101"' in body and 'href="sms:+18135550101"' in body
    assert "https://photos.example/olivia.jpg" in body
    assert "Internal" not in body and "612" not in body and "619" not in body
    assert "W-2s for the last two years" in body  # what is still needed


def test_a_lost_file_shows_no_reason_and_no_current_step(client, ana):
    lost = ana.pipeline.stages.get(name="Lost")
    ana.stage, ana.lost_reason = lost, "Credit too low after pull"
    ana.save(update_fields=["stage", "lost_reason"])
    body = sign_in(client, ana).get("/portal/").content.decode()
    assert "Credit too low" not in body and "Lost" not in body and 'aria-current="step"' not in body
    assert "not active right now" in body


def test_the_booking_link_shows_when_the_officer_takes_bookings(client, ana, owner):
    owner.working_hours = {"mon": [["09:00", "17:00"]]}
    owner.save(update_fields=["working_hours"])
    body = sign_in(client, ana).get("/portal/").content.decode()
    assert f"/book/{owner.pk}/?lead=" in body and "Book a call" in body


# --- Documents --------------------------------------------------------------------------------------------------


def test_an_upload_from_the_phone_goes_through_the_document_pipeline(client, ana, owner, settings):
    sign_in(client, ana)
    page = client.get("/portal/documents/").content.decode()
    assert 'accept="image/*,application/pdf" capture="environment"' in page
    data = one("w2", 0, seed=12).pdf
    response = client.post("/portal/documents/", {"files": [pdf_file(data=data)]})
    assert response.status_code == 200 and "Received w2.pdf. Thank you." in response.content.decode()
    document = Document.objects.get(lead=ana)
    assert document.source == Document.Source.BORROWER_LINK and document.media_type == "application/pdf"
    stored = (Path(settings.DOCUMENTS_DIR)).rglob("*")
    assert all(data not in path.read_bytes() for path in stored if path.is_file())  # encrypted at rest
    assert AuditEvent.objects.filter(action="document.uploaded", detail__document_id=document.pk).exists()
    # the loan officer sees it on the lead as any upload
    staff = Client()
    staff.force_login(owner)
    assert "w2.pdf" in staff.get(f"/leads/{ana.pk}/documents/").content.decode()
    # the borrower can open their own upload again
    download = client.get(f"/portal/documents/{document.pk}/")
    assert download.status_code == 200 and download.content == data
    assert download["Content-Type"] == "application/octet-stream"
    assert AuditEvent.objects.filter(
        action="document.portal_download", detail__document_id=document.pk
    ).exists()


def test_a_file_over_the_limit_or_of_another_type_is_refused_with_a_clear_message(client, ana, settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 1024 * 1024
    sign_in(client, ana)
    response = client.post(
        "/portal/documents/", {"files": [pdf_file("big.pdf", b"%PDF-1.4" + b"0" * 1024 * 1024)]}
    )
    assert (
        response.status_code == 400 and "big.pdf is too large: the limit is 1 MB" in response.content.decode()
    )
    response = client.post("/portal/documents/", {"files": [pdf_file("notes.txt", b"just some words")]})
    assert response.status_code == 400
    assert "notes.txt: The file is not a PDF, JPEG, PNG or TIFF" in response.content.decode()
    response = client.post("/portal/documents/", {})
    assert response.status_code == 400 and "Choose a photo or a file first." in response.content.decode()
    assert not Document.objects.exists()


# --- Messages ---------------------------------------------------------------------------------------------------


def test_a_portal_message_joins_the_text_thread_and_alerts_the_officer(client, ana, owner):
    Message.objects.create(
        organisation=ana.organisation, lead=ana, channel="sms", direction="outbound", purpose="manual",
        body="Hi Ana, <b>send</b> your W-2s", status="delivered", idempotency_key="lo-1", to_address=ana.phone,
    )  # fmt: skip
    Message.objects.create(
        organisation=ana.organisation, lead=ana, channel="sms", direction="outbound", purpose="cadence",
        body="Never sent", status="suppressed", idempotency_key="lo-2", to_address=ana.phone,
    )  # fmt: skip
    Message.objects.create(
        organisation=ana.organisation, lead=ana, recipient_user=owner, channel="sms", direction="outbound",
        purpose="alert", body="Staff alert about Ana", status="sent", idempotency_key="lo-3",
    )  # fmt: skip
    sign_in(client, ana)
    response = client.post("/portal/messages/", {"body": "Here they come <script>alert(1)</script>"})
    assert response.status_code == 302
    message = Message.objects.get(lead=ana, channel="portal")
    assert message.direction == "inbound" and message.status == "received" and message.purpose == "reply"
    assert TimelineEvent.objects.filter(lead=ana, data__message_id=message.pk).exists()
    assert Event.objects.filter(name="message.received", payload__message_id=message.pk).exists()
    alert = Notification.objects.get(user=owner, lead=ana, kind="reply")
    assert alert.title == "Ana Lopez replied by portal message"
    body = client.get("/portal/messages/").content.decode()
    assert "Hi Ana, &lt;b&gt;send&lt;/b&gt; your W-2s" in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "Never sent" not in body and "Staff alert" not in body
    assert client.post("/portal/messages/", {"body": "   "}).status_code == 400
    staff = Client()
    staff.force_login(owner)
    lead_page = staff.get(f"/leads/{ana.pk}/").content.decode()
    assert "Portal message from the borrower" in lead_page and "Here they come &lt;script&gt;" in lead_page


def test_a_portal_message_that_may_withdraw_consent_is_flagged_for_a_person(client, ana):
    sign_in(client, ana).post("/portal/messages/", {"body": "STOP"})
    message = Message.objects.get(lead=ana, channel="portal")
    assert message.needs_review and message.keyword == "possible_opt_out"
    assert Lead_consent(ana, "sms")  # consent is changed on the preferences page or by a person, not silently


# --- Figures ----------------------------------------------------------------------------------------------------


def test_figures_come_from_the_leads_scenario_without_the_credit_score(client, ana):
    sign_in(client, ana)
    response = client.get("/portal/figures/")
    body = response.content.decode()
    assert response.status_code == 200 and "Monthly payment" in body and "Conventional" in body
    assert "612" not in body and "619" not in body and "credit" not in body.lower()
    assert "<h2>VA</h2>" not in body  # the lead does not say the borrower is a veteran
    assert 'value="400000.00"' in body and 'value="40000.00"' in body
    cheaper = client.get("/portal/figures/", {"purchase_price": "300,000", "down_payment": "$60000"})
    assert 'value="300000.00"' in cheaper.content.decode()
    assert cheaper.content.decode().count("Monthly payment") >= 1
    bad = client.get("/portal/figures/", {"purchase_price": "lots", "interest_rate": "95"})
    assert bad.status_code == 400
    assert (
        "Price must be a number" in bad.content.decode() and "Interest rate must be" in bad.content.decode()
    )


def test_the_what_if_figures_are_decimals_and_change_with_the_price(ana):
    from firstcall.flows.borrower_portal import parse_what_if, prequalification

    values, errors = parse_what_if({"purchase_price": "300,000", "interest_rate": "6.25", "term_years": "30"})
    assert errors == [] and values == {"purchase_price": Decimal("300000.00"), "interest_rate": Decimal("6.25"),
                                       "term_years": 30}  # fmt: skip
    high = next(program for program in prequalification(ana).programs if program.program == "FHA")
    low = next(program for program in prequalification(ana, values).programs if program.program == "FHA")
    assert isinstance(high.monthly_total, Decimal) and low.monthly_total < high.monthly_total


# --- Preferences ------------------------------------------------------------------------------------------------


def test_withdrawing_texts_in_the_portal_is_the_same_opt_out_as_stop(client, ana):
    sign_in(client, ana)
    body = client.get("/portal/preferences/").content.decode()
    assert ana.phone in body and "you agreed" in body
    response = client.post("/portal/preferences/", {"channel": "sms", "action": "withdraw"})
    assert response.status_code == 200 and "no more text messages" in response.content.decode()
    entry = Suppression.objects.get(address=ana.phone, lifted_at__isnull=True)
    assert entry.reason == Suppression.Reason.STOP_KEYWORD and "borrower portal" in entry.note
    assert not Lead_consent(ana, "sms")
    assert Consent.objects.filter(lead=ana, channel="sms", is_granted=False).exists()
    assert Event.objects.filter(name="address.opted_out", payload__lead_ids=[ana.pk]).exists()
    assert Event.objects.filter(
        name="consent.revoked", payload__lead_id=ana.pk, payload__channel="sms"
    ).exists()


def test_giving_consent_in_the_portal_keeps_the_text_time_and_ip_as_proof(client, ana):
    ana.consent_calls = False
    ana.save(update_fields=["consent_calls"])
    sign_in(client, ana)
    client.post("/portal/preferences/", {"channel": "sms", "action": "withdraw"})
    response = client.post(
        "/portal/preferences/", {"channel": "sms", "action": "give"}, REMOTE_ADDR="203.0.113.7"
    )
    assert "recorded your consent for text messages" in response.content.decode()
    consent = Consent.objects.filter(lead=ana, channel="sms").order_by("-recorded_at", "-pk").first()
    assert consent.is_granted and consent.how == "borrower portal" and consent.ip_address == "203.0.113.7"
    assert consent.address == ana.phone and "Acme Home Loans may contact me" in consent.disclosure_text
    assert consent.page_url.endswith("/portal/preferences/")
    assert Lead_consent(ana, "sms") and not Suppression.objects.filter(lifted_at__isnull=True).exists()
    client.post("/portal/preferences/", {"channel": "calls", "action": "give"})
    assert Lead_consent(ana, "calls")
    body = client.get("/portal/preferences/").content.decode()
    assert "borrower portal" in body and "withdrawn" in body


def test_the_organisations_own_do_not_contact_entry_stays(client, ana):
    Suppression.objects.create(
        organisation=ana.organisation, channel="sms", address=ana.phone, reason=Suppression.Reason.MANUAL
    )
    ana.consent_sms = False
    ana.save(update_fields=["consent_sms"])
    sign_in(client, ana)
    client.post("/portal/preferences/", {"channel": "sms", "action": "give"})
    assert Suppression.objects.filter(reason="manual", lifted_at__isnull=True).exists()
    assert "does not contact this address" in client.get("/portal/preferences/").content.decode()


def test_an_unknown_preference_choice_changes_nothing(client, ana):
    sign_in(client, ana)
    assert client.post("/portal/preferences/", {"channel": "fax", "action": "give"}).status_code == 400
    assert client.post("/portal/preferences/", {"channel": "sms", "action": "drop"}).status_code == 400
    assert not Consent.objects.filter(lead=ana).exists() and Lead_consent(ana, "sms")
