"""A borrower signs in to the portal by link on a 375 px phone through the real server: asks for a link, opens
it, lands on the portal; the used link then shows a clear page with a way to ask for a new one."""

import re

import pytest
from browser_helpers import screenshot

from firstcall.messaging.models import Message
from tests.outside_services import tampa_borrower

pytestmark = pytest.mark.django_db(transaction=True)


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_borrower_signs_in_by_link_on_a_phone(phone_page, organisation):
    borrower = tampa_borrower(organisation, email="ana.portal@example.com")

    phone_page.goto(f"/portal/{organisation.slug}/sign-in/")
    assert _fits_the_phone(phone_page)
    phone_page.get_by_label("Email or mobile number").fill("ana.portal@example.com")
    phone_page.get_by_role("button", name="Send me a link").click()
    phone_page.get_by_role("status").wait_for()
    assert "sign-in link is on its way" in phone_page.get_by_role("status").inner_text()

    message = Message.objects.get(lead=borrower, channel="email")
    link = re.search(r"https?://\S+(/portal/link/\S+/)", message.body).group(1)
    phone_page.goto(link)
    phone_page.get_by_role("button", name="Continue to your portal").click()
    phone_page.get_by_role("heading", name="Where your loan is").wait_for()
    assert _fits_the_phone(phone_page)
    screenshot(phone_page, "portal-signed-in-375")

    phone_page.goto(link)
    phone_page.get_by_role("button", name="Continue to your portal").click()
    phone_page.get_by_role("heading", name="This sign-in link has already been used.").wait_for()
    phone_page.get_by_role("link", name="Send me a new link").click()
    phone_page.get_by_role("button", name="Send me a link").wait_for()
