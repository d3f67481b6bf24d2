"""A borrower on a 375 px phone against the real server: signs in by link, sees the loan's status and the loan
officer's card, uploads a document from the needs list, and writes to the loan officer on the text thread."""

import re
from decimal import Decimal

import pytest
from browser_helpers import screenshot

from firstcall.accounts.models import User
from firstcall.documents.corpus.generate import one
from firstcall.documents.models import Document
from firstcall.messaging.models import Message
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db(transaction=True)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_borrower_uploads_and_messages_from_a_phone(phone_page, organisation, tmp_path):
    olivia = User.objects.create_user(
        username="olivia", password="correct horse battery staple", organisation=organisation,
        role=User.Role.LOAN_OFFICER, first_name="Olivia", last_name="Reyes", nmls_id="100001",
        phone="+18135550101",
    )  # fmt: skip
    borrower = tampa_borrower(
        organisation, owner=olivia, email="ana.portal@example.com", stage_name="Processing",
        purchase_price=Decimal("400000"), down_payment=Decimal("40000"),
    )  # fmt: skip
    Message.objects.create(
        organisation=organisation, lead=borrower, channel="sms", direction="outbound", purpose="manual",
        body="Hi Ana, please send your W-2s.", status="delivered", idempotency_key="olivia-1",
        to_address=borrower.phone,
    )  # fmt: skip

    phone_page.goto(f"/portal/{organisation.slug}/sign-in/")
    phone_page.get_by_label("Email or mobile number").fill("ana.portal@example.com")
    phone_page.get_by_role("button", name="Send me a link").click()
    phone_page.get_by_role("status").wait_for()
    message = Message.objects.get(lead=borrower, channel="email", body__contains="/portal/link/")
    link = re.search(r"https?://\S+(/portal/link/\S+/)", message.body).group(1)
    phone_page.goto(link)
    phone_page.get_by_role("button", name="Continue to your portal").click()

    phone_page.get_by_role("heading", name="Where your loan is").wait_for()
    assert phone_page.locator('li[aria-current="step"]').inner_text().startswith("Processing")
    assert phone_page.get_by_role("link", name="Call", exact=True).get_attribute("href") == "tel:+18135550101"
    assert phone_page.get_by_role("link", name="Text", exact=True).get_attribute("href") == "sms:+18135550101"
    assert "NMLS ID 100001" in phone_page.content()
    assert _fits_the_phone(phone_page)
    screenshot(phone_page, "borrower-portal-home-375")

    phone_page.get_by_role("link", name="Documents", exact=True).click()
    picker = phone_page.locator('input[type="file"]')
    assert picker.get_attribute("capture") == "environment"
    w2 = tmp_path / "w2-2025.pdf"
    w2.write_bytes(one("w2", 0, seed=12).pdf)
    picker.set_input_files(str(w2))
    phone_page.get_by_role("button", name="Upload", exact=True).click()
    phone_page.get_by_text("Received w2-2025.pdf. Thank you.").wait_for()
    assert Document.objects.get(lead=borrower).file_name == "w2-2025.pdf"
    assert _fits_the_phone(phone_page)
    screenshot(phone_page, "borrower-portal-documents-375")

    phone_page.get_by_role("link", name="Messages", exact=True).click()
    phone_page.get_by_text("Hi Ana, please send your W-2s.").wait_for()
    phone_page.get_by_label("Write to your loan officer").fill("Uploaded it just now <b>thanks</b>")
    phone_page.get_by_role("button", name="Send", exact=True).click()
    phone_page.get_by_text("Uploaded it just now <b>thanks</b>").wait_for()
    sent = Message.objects.get(lead=borrower, channel="portal")
    assert sent.direction == "inbound" and sent.body == "Uploaded it just now <b>thanks</b>"
    assert _fits_the_phone(phone_page)
    screenshot(phone_page, "borrower-portal-messages-375")

    for name in ("Figures", "Preferences"):
        phone_page.get_by_role("link", name=name, exact=True).click()
        phone_page.wait_for_load_state()
        assert _fits_the_phone(phone_page), name
