# ruff: noqa: F811
"""A pre-approval letter at a lower purchase price: the loan officer, or a partner the borrower shares with, makes
a copy of an issued, valid letter for a lower price (never above the approved amount), with the same program,
expiry, NMLS IDs and disclaimers; the copy is a new letter linked to the issued one, on the timeline and audited,
and the PDF read back shows the new price."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from firstcall.accounts.models import AuditEvent
from firstcall.portals import partners
from firstcall.portals.models import PreApprovalLetter

# The fixtures (ana, rita) and helpers are the letter tests' own.
from tests.portals.test_letters_and_branding import ana, issue, partner, pdf_text, rita, staff  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(owner, ana):
    issue(staff(owner), ana)  # $425,000, FHA, valid 90 days
    return PreApprovalLetter.objects.get(lead=ana)


def lower_path(lead, letter):
    return f"/portal/partner/borrowers/{lead.pk}/letters/{letter.pk}/lower-price/"


def test_a_sharing_partner_gets_the_letter_at_a_lower_price(organisation, owner, ana, rita, letter):
    partners.grant_sharing(ana, rita, how="borrower portal")
    rita_portal = partner(rita)
    response = rita_portal.post(lower_path(ana, letter), {"amount": "$389,500"})
    copy = PreApprovalLetter.objects.exclude(pk=letter.pk).get()
    assert response.status_code == 302 and response["Location"].endswith(f"/letters/{copy.pk}/")
    assert copy.original == letter and copy.requested_by == rita and copy.amount == Decimal("389500.00")
    assert (copy.program, copy.expires_on, copy.officer_nmls_id, copy.company_nmls_id) == (
        letter.program, letter.expires_on, letter.officer_nmls_id, letter.company_nmls_id,
    )  # fmt: skip
    download = rita_portal.get(response["Location"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    text = pdf_text(download.content)
    expires = letter.expires_on
    for expected in ["$389,500.00", "FHA", f"Valid until: {expires:%B} {expires.day}, {expires:%Y}",
                     "NMLS ID 100001", "NMLS ID 1234567", "not a commitment to lend", "Equal Housing Opportunity"]:  # fmt: skip
        assert expected in text, expected
    assert "425,000" not in text
    # The original is unchanged, the copy is on the timeline and in the audit log.
    assert "$425,000.00" in pdf_text(partners.letter_pdf(letter))
    assert ana.timeline.filter(summary__contains=f"made from letter {letter.pk} at $389,500.00").exists()
    audit = AuditEvent.objects.get(action="letter.lower_price")
    assert (
        audit.actor == rita
        and audit.detail["original_id"] == letter.pk
        and audit.detail["party"] == "partner"
    )
    # The partner's list now offers the newest letter: the copy.
    assert f"/letters/{copy.pk}/" in rita_portal.get("/portal/").content.decode()


def test_above_the_approved_amount_is_refused_with_a_reason(organisation, owner, ana, rita, letter):
    partners.grant_sharing(ana, rita, how="borrower portal")
    response = partner(rita).post(lower_path(ana, letter), {"amount": "425,000.01"})
    assert response.status_code == 400
    assert "cannot show more than the approved $425,000.00" in response.content.decode()
    # A copy cannot climb back above the approval either.
    copy = partners.letter_at_lower_price(letter, "300000", requested_by=rita, party="partner")
    with pytest.raises(partners.PartnerRefused, match="approved"):
        partners.letter_at_lower_price(copy, "430000", requested_by=rita, party="partner")
    assert PreApprovalLetter.objects.count() == 2


def test_a_partner_without_sharing_gets_404_and_no_letter(organisation, owner, ana, rita, letter):
    assert partner(rita).post(lower_path(ana, letter), {"amount": "300000"}).status_code == 404
    partners.grant_sharing(ana, rita, how="borrower portal")
    partners.revoke_sharing(ana, rita, how="borrower portal")
    assert partner(rita).post(lower_path(ana, letter), {"amount": "300000"}).status_code == 404
    assert PreApprovalLetter.objects.count() == 1


def test_the_loan_officer_makes_a_copy_and_withdrawing_the_letter_withdraws_its_copies(
    organisation, owner, ana, letter
):
    client = staff(owner)
    response = client.post(f"/leads/{ana.pk}/portal/lower-letter/", {"letter_id": letter.pk, "amount": "350000"},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 200
    copy = PreApprovalLetter.objects.get(original=letter)
    assert "$350,000.00" in pdf_text(client.get(f"/leads/{ana.pk}/letters/{copy.pk}/").content)
    refused = client.post(f"/leads/{ana.pk}/portal/lower-letter/", {"letter_id": letter.pk, "amount": "500000"},
                          HTTP_HX_REQUEST="true")  # fmt: skip
    assert refused.status_code == 400 and "approved $425,000.00" in refused.content.decode()
    client.post(f"/leads/{ana.pk}/portal/revoke-letter/", {"letter_id": letter.pk}, HTTP_HX_REQUEST="true")
    copy.refresh_from_db()
    letter.refresh_from_db()
    assert copy.revoked_at is not None
    with pytest.raises(partners.PartnerRefused, match="withdrawn or has expired"):
        partners.letter_at_lower_price(letter, "300000", requested_by=owner, party="staff")


def test_an_expired_letter_cannot_be_copied(organisation, owner, ana, rita, letter):
    PreApprovalLetter.objects.filter(pk=letter.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    letter.refresh_from_db()
    with pytest.raises(partners.PartnerRefused, match="expired"):
        partners.letter_at_lower_price(letter, "300000", requested_by=owner, party="staff")
