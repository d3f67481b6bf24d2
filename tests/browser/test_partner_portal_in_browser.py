"""A referral partner on a 375 px phone against the real server: signs in by link, refers a borrower (no consent is recorded for them), sees the
milestones of a borrower who shares them (and nothing of one who does not), and downloads the pre-approval
letter, read back from the PDF."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from pypdf import PdfReader

from firstcall.accounts.models import User
from firstcall.leads.models import Lead
from firstcall.messaging.models import Message
from firstcall.portals import partners
from firstcall.portals.models import PartnerReferral
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db(transaction=True)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_partner_refers_follows_milestones_and_downloads_the_letter_on_a_phone(phone_page, organisation):
    olivia = User.objects.create_user(
        username="olivia", password="correct horse battery staple", organisation=organisation,
        role=User.Role.LOAN_OFFICER, first_name="Olivia", last_name="Reyes", nmls_id="100001",
        phone="+18135550101",
    )  # fmt: skip
    rita = User.objects.create_user(
        username="rita", organisation=organisation, role=User.Role.PARTNER, first_name="Rita", last_name="Realtor",
        email="rita.browser@realty.example",
    )  # fmt: skip
    ana = tampa_borrower(organisation, owner=olivia, referral_partner=rita, stage_name="Application",
                         annual_income=Decimal("187654"), credit_score_low=612)  # fmt: skip
    tampa_borrower(organisation, owner=olivia, referral_partner=rita, first_name="Noah", email="noah@example.com",
                   phone="+18135550178", stage_name="Underwriting")  # fmt: skip
    partners.grant_sharing(ana, rita, how="borrower portal")
    request = partners.LetterRequest(Decimal("425000"), "FHA", timezone.localdate() + timedelta(days=60), "")
    partners.issue_letter(ana, request, officer=olivia)

    phone_page.goto(f"/portal/{organisation.slug}/sign-in/")
    phone_page.get_by_label("Email or mobile number").fill("rita.browser@realty.example")
    phone_page.get_by_role("button", name="Send me a link").click()
    phone_page.get_by_role("status").wait_for()
    message = Message.objects.get(recipient_user=rita, body__contains="/portal/link/")
    link = re.search(r"https?://\S+(/portal/link/\S+/)", message.body).group(1)
    phone_page.goto(link)
    phone_page.get_by_role("button", name="Continue to your portal").click()

    phone_page.get_by_role("heading", name="Your referrals").wait_for()
    ana_card = phone_page.get_by_role("region", name="Ana L.")
    reached = [text.split("\n")[0].strip() for text in ana_card.locator("li.reached").all_inner_texts()]
    assert [text.removeprefix("✓ ").split(" ")[0] for text in reached] == ["Pre-approved", "Application"]
    noah_card = phone_page.get_by_role("region", name="Noah L.")
    assert "has not chosen to share" in noah_card.inner_text()
    page_text = phone_page.content()
    for secret in ("187654", "187,654", "612"):
        assert secret not in page_text
    assert _fits_the_phone(phone_page)
    screenshot(phone_page, "partner-portal-referrals-375")

    with phone_page.expect_download() as download:
        ana_card.get_by_role("link", name="Download pre-approval letter (PDF)").click()
    data = open(download.value.path(), "rb").read()
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)
    assert (
        "Pre-Approval Letter" in text and "$425,000.00" in text and "FHA" in text and "NMLS ID 100001" in text
    )

    phone_page.get_by_role("link", name="Refer a borrower").first.click()
    phone_page.get_by_label("Borrower's first name").fill("Maya")
    phone_page.get_by_label("Last name").fill("Brooks")
    phone_page.get_by_label("Mobile number").fill("(813) 555-0190")
    phone_page.get_by_label("Email address").fill("maya.brooks@example.com")
    phone_page.get_by_label("They need").select_option("purchase")
    phone_page.get_by_role("checkbox", name=re.compile("expects a call")).check()
    assert _fits_the_phone(phone_page)
    screenshot(phone_page, "partner-portal-refer-375")
    phone_page.get_by_role("button", name="Send referral").click()
    phone_page.get_by_text("your referral is in").wait_for()
    maya = Lead.objects.get(first_name="Maya")
    # The tick is a note for the loan officer, never the borrower's consent (47 CFR 64.1200(f)(9)).
    assert maya.referral_partner == rita and not (
        maya.consent_sms or maya.consent_email or maya.consent_calls
    )
    assert PartnerReferral.objects.get(partner=rita, lead=maya).borrower_expects_call
    phone_page.get_by_role("region", name="Maya B.").wait_for()
    assert _fits_the_phone(phone_page)
