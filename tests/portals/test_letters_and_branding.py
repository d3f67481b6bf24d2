"""Pre-approval letters (issued by the loan officer from the lead page, read back from the PDF), who may download
them (the borrower, a partner only with sharing), the loan officer's portal panel and partners page, and the
organisation's branding on portal pages and letters (escaped, with defaults)."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from firstcall.accounts.models import AuditEvent, User
from firstcall.messaging.models import Message
from firstcall.portals import branding, partners
from firstcall.portals import services as portals
from firstcall.portals.models import (
    Branding,
    PartnerReferral,
    PreApprovalLetter,
    SharingAuthorisation,
    SignInLink,
)
from tests.conftest import make_user
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def rita(organisation):
    return make_user(organisation, "rita", role=User.Role.PARTNER, email="rita@realty.example",
                     first_name="Rita", last_name="Realtor")  # fmt: skip


@pytest.fixture
def ana(organisation, owner, rita):
    lead = tampa_borrower(organisation, owner=owner, referral_partner=rita, stage_name="Pre-approved",
                          annual_income=Decimal("187654"))  # fmt: skip
    partners.record_referral(rita, lead)
    return lead


def staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signed_in(party_recipient, organisation) -> Client:
    client = Client()
    token = portals.issue_link(organisation, party_recipient)
    assert client.post(f"/portal/link/{token}/").status_code == 302
    return client


def borrower(lead) -> Client:
    return signed_in(
        portals.Recipient(SignInLink.Party.BORROWER, "email", lead.email, lead=lead), lead.organisation
    )


def partner(user) -> Client:
    return signed_in(
        portals.Recipient(SignInLink.Party.PARTNER, "email", user.email, user=user), user.organisation
    )


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def issue(client, lead, **fields):
    values = {"amount": "425,000", "program": "FHA", "expires_on": (timezone.localdate() + timedelta(days=90)).isoformat(),
              "property_address": ""}  # fmt: skip
    values.update(fields)
    return client.post(f"/leads/{lead.pk}/portal/issue-letter/", values, HTTP_HX_REQUEST="true")


def test_officer_issues_a_letter_and_the_pdf_says_what_it_must(organisation, owner, ana):
    response = issue(staff(owner), ana)
    assert response.status_code == 200 and "Pre-approval letter" in response.content.decode()
    letter = PreApprovalLetter.objects.get(lead=ana)
    assert letter.amount == Decimal("425000.00") and letter.officer_nmls_id == "100001"
    text = pdf_text(staff(owner).get(f"/leads/{ana.pk}/letters/{letter.pk}/").content)
    expires = letter.expires_on
    for expected in [
        "Pre-Approval Letter", "Acme Home Loans", "Ana Lopez", "$425,000.00", "FHA", "Property: TBD",
        f"Valid until: {expires:%B} {expires.day}, {expires:%Y}", "NMLS ID 100001", "NMLS ID 1234567",
        "not a commitment to lend", "Equal Housing Opportunity", "www.nmlsconsumeraccess.org",
        "1 Main St, Tampa, FL 33602",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "187654" not in text and "187,654" not in text
    assert ana.timeline.filter(summary__startswith=f"Pre-approval letter {letter.pk} issued").exists()


def test_letter_prints_the_property_address_when_given(organisation, owner, ana):
    issue(staff(owner), ana, property_address="12 Palm Ave, Tampa, FL 33602", program="Conventional")
    letter = PreApprovalLetter.objects.get(lead=ana)
    text = pdf_text(partners.letter_pdf(letter))
    assert "Property: 12 Palm Ave, Tampa, FL 33602" in text and "Conventional" in text and "TBD" not in text


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"amount": "abc"}, "The amount must be a number"),
        ({"program": "Crypto"}, "Choose a loan program"),
        ({"expires_on": "2001-01-01"}, "must expire after today"),
    ],
)
def test_bad_letter_values_are_refused_with_a_reason(organisation, owner, ana, fields, message):
    response = issue(staff(owner), ana, **fields)
    assert response.status_code == 400 and message in response.content.decode()
    assert not PreApprovalLetter.objects.exists()


def test_a_letter_needs_both_nmls_ids(organisation, owner, ana):
    organisation.nmls_id = ""
    organisation.save(update_fields=["nmls_id"])
    response = issue(staff(owner), ana)
    assert response.status_code == 400 and "NMLS ID is missing" in response.content.decode()


def test_borrower_downloads_their_letter_and_the_partner_only_with_sharing(organisation, owner, ana, rita):
    issue(staff(owner), ana)
    letter = PreApprovalLetter.objects.get(lead=ana)
    lead = ana
    ana_portal = borrower(ana)
    assert f"/portal/letters/{letter.pk}/" in ana_portal.get("/portal/").content.decode()
    response = ana_portal.get(f"/portal/letters/{letter.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "Ana Lopez" in pdf_text(response.content)

    partner_path = f"/portal/partner/borrowers/{lead.pk}/letters/{letter.pk}/"
    rita_portal = partner(rita)
    assert rita_portal.get(partner_path).status_code == 404
    assert partner_path not in rita_portal.get("/portal/").content.decode()
    partners.grant_sharing(ana, rita, how="borrower portal")
    assert partner_path in rita_portal.get("/portal/").content.decode()
    response = rita_portal.get(partner_path)
    assert response.status_code == 200 and "$425,000.00" in pdf_text(response.content)
    downloads = AuditEvent.objects.filter(action="letter.downloaded", detail__letter_id=letter.pk)
    assert sorted(downloads.values_list("detail__party", flat=True)) == ["borrower", "partner"]

    # Withdrawn: nobody downloads it any more.
    staff(owner).post(
        f"/leads/{ana.pk}/portal/revoke-letter/", {"letter_id": letter.pk}, HTTP_HX_REQUEST="true"
    )
    assert rita_portal.get(partner_path).status_code == 404
    assert ana_portal.get(f"/portal/letters/{letter.pk}/").status_code == 404


def test_another_borrowers_letter_answers_404(organisation, owner, ana):
    ben = tampa_borrower(
        organisation, owner=owner, first_name="Ben", email="ben@example.com", phone="+18135550177"
    )
    issue(staff(owner), ben)
    letter = PreApprovalLetter.objects.get(lead=ben)
    assert borrower(ana).get(f"/portal/letters/{letter.pk}/").status_code == 404


def test_officer_panel_shows_portal_activity_and_sends_the_link(organisation, owner, ana, rita, teammate):
    borrower(ana).get("/portal/")
    officer = staff(owner)
    html = officer.get(f"/leads/{ana.pk}/portal/").content.decode()
    assert "Last sign-in" in html and "never" not in html.split("Last sign-in")[1].split("</dd>")[0]
    assert "Rita Realtor" in html and "sees nothing" in html

    response = officer.post(f"/leads/{ana.pk}/portal/send-link/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Portal link by email" in response.content.decode()
    message = Message.objects.filter(lead=ana, channel="email", body__contains="/portal/link/").latest("pk")
    assert "sign in" in message.body.lower() and message.recipient_user is None
    assert AuditEvent.objects.filter(action=portals.PORTAL_LINK_SENT, actor=owner).exists()

    # The officer records the borrower's authorisation with how it was given, and withdraws it.
    assert officer.post(f"/leads/{ana.pk}/portal/share/", {"partner_id": rita.pk, "how": ""},
                        HTTP_HX_REQUEST="true").status_code == 400  # fmt: skip
    officer.post(f"/leads/{ana.pk}/portal/share/", {"partner_id": rita.pk, "how": "email of May 3"},
                 HTTP_HX_REQUEST="true")  # fmt: skip
    row = SharingAuthorisation.objects.get(lead=ana)
    assert row.is_granted and row.recorded_by == owner and row.how == "told the loan officer: email of May 3"
    officer.post(f"/leads/{ana.pk}/portal/unshare/", {"partner_id": rita.pk}, HTTP_HX_REQUEST="true")
    assert not partners.is_shared(ana, rita)

    officer.post(f"/leads/{ana.pk}/portal/contract/", {"contract_date": "2026-11-20"}, HTTP_HX_REQUEST="true")
    assert partners.under_contract(ana).contract_date == date(2026, 11, 20)

    # Another loan officer who does not see the lead gets 404; a partner has no workspace.
    assert staff(teammate).get(f"/leads/{ana.pk}/portal/").status_code == 404
    assert staff(teammate).post(f"/leads/{ana.pk}/portal/send-link/").status_code == 404
    assert staff(rita).get(f"/leads/{ana.pk}/portal/", HTTP_HX_REQUEST="true").status_code == 403


def test_partners_page_invites_a_partner_and_lists_referrals(organisation, owner, ana, rita):
    officer = staff(owner)
    html = officer.get("/partners/").content.decode()
    assert "Rita Realtor" in html and "Ana Lopez" in html
    response = officer.post(
        "/partners/", {"first_name": "Pia", "last_name": "Agent", "email": "pia@realty.example"}
    )
    assert response.status_code == 302
    pia = User.objects.get(email="pia@realty.example")
    assert pia.role == User.Role.PARTNER and not pia.has_usable_password()
    assert Message.objects.filter(recipient_user=pia, body__contains="/portal/link/").exists()
    again = officer.post("/partners/", {"first_name": "Pia", "email": "PIA@realty.example"})
    assert again.status_code == 400 and "already has that email" in again.content.decode()
    assert staff(rita).get("/partners/").url == "/portal/partner/"


def test_branding_is_set_by_an_admin_escaped_and_shown_on_portal_and_letter(
    organisation, owner, admin_user, ana
):
    assert staff(owner).get("/settings/branding/").status_code == 403
    admin = staff(admin_user)
    logo = io.BytesIO(PNG)
    logo.name = "logo.png"
    response = admin.post("/settings/branding/", {"display_name": "Acme <script>alert(1)</script> Loans",
                                                  "colour": "#1756A9", "logo": logo})  # fmt: skip
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="settings.branding.updated").exists()
    page = Client().get(f"/portal/{organisation.slug}/sign-in/").content.decode()
    assert "Acme &lt;script&gt;alert(1)&lt;/script&gt; Loans" in page and "<script>alert" not in page
    assert "--brand: #1756a9" in page and f"/portal/{organisation.slug}/logo/" in page
    # Under the brand, the lender's legal identity as on its public forms: legal name, NMLS ID, Equal Housing.
    notice = page[page.index('<footer class="lender-notice">') :]
    assert organisation.name in notice and "Equal Housing Opportunity" in notice
    assert (f"NMLS ID {organisation.nmls_id}" in notice) == bool(organisation.nmls_id)
    logo_response = Client().get(f"/portal/{organisation.slug}/logo/")
    assert logo_response.status_code == 200 and logo_response.content == PNG
    assert logo_response["Content-Type"] == "image/png"

    issue(staff(owner), ana)
    text = pdf_text(partners.letter_pdf(PreApprovalLetter.objects.get(lead=ana)))
    assert "Acme <script>alert(1)</script> Loans" in text  # printed as text on the PDF, never run


def test_bad_branding_is_refused_and_defaults_apply(organisation, admin_user):
    assert branding.for_organisation(organisation).name == "Acme Home Loans"
    assert branding.for_organisation(organisation).colour == branding.DEFAULT_COLOUR
    admin = staff(admin_user)
    response = admin.post("/settings/branding/", {"display_name": "", "colour": "red;}</style><script>"})
    assert response.status_code == 400 and "six hexadecimal digits" in response.content.decode()
    not_an_image = io.BytesIO(b"<svg onload=alert(1)>")
    not_an_image.name = "logo.png"
    response = admin.post("/settings/branding/", {"colour": "#123456", "logo": not_an_image})
    assert response.status_code == 400 and "PNG or JPEG" in response.content.decode()
    assert not Branding.objects.filter(organisation=organisation).exclude(logo=b"").exists()
    assert Client().get(f"/portal/{organisation.slug}/logo/").status_code == 404


def test_a_borrowers_letters_referrals_and_sharing_are_in_their_export_and_go_with_erasure(
    organisation, owner, ana, rita
):
    from firstcall.leads.privacy import erase_lead, export_lead

    issue(staff(owner), ana)
    partners.grant_sharing(ana, rita, how="borrower portal")
    related = export_lead(ana)["related"]
    assert related["portals.preapprovalletter:lead"][0]["borrower_name"] == "Ana Lopez"
    assert related["portals.sharingauthorisation:lead"][0]["is_granted"] is True
    assert related["portals.partnerreferral:lead"][0]["partner_id"] == rita.pk
    erase_lead(ana)
    assert not PreApprovalLetter.objects.exists() and not SharingAuthorisation.objects.exists()
    assert not PartnerReferral.objects.exists()
