"""A borrower books a call on a loan officer's public page in a real browser, against the real server; the
invitation linked from the confirmation page is parsed back. Screenshots go to test-output/screenshots/."""

import urllib.request

import pytest
from browser_helpers import screenshot
from icalendar import Calendar

from firstcall.accounts.models import Organisation, User
from firstcall.integrations.models import Appointment
from firstcall.leads.stages import ensure_default_pipelines

pytestmark = [pytest.mark.django_db(transaction=True)]
EVERY_DAY = {day: ["07:00", "21:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_a_borrower_books_a_call_and_downloads_the_invitation(server_url, page):
    organisation = Organisation.objects.create(name="Acme Home Loans", slug="acme-booking")
    ensure_default_pipelines(organisation)
    officer = User.objects.create_user(
        username="olga-booking", password="correct horse battery staple", organisation=organisation,
        role=User.Role.LOAN_OFFICER, first_name="Olga", last_name="Officer", email="olga@acme.test",
        working_hours=EVERY_DAY, time_zone="America/New_York",
    )  # fmt: skip
    page.goto(f"{server_url}/book/{officer.pk}/?tz=America/Los_Angeles")
    assert "Book a call with Olga Officer" in page.content()
    first_slot = page.locator("input[name=slot]").first
    chosen = first_slot.get_attribute("value")
    first_slot.check()
    page.fill("#first_name", "Ana")
    page.fill("#last_name", "Lopez")
    page.fill("#email", "ana.lopez@example.com")
    page.fill("#phone", "(813) 555-0199")
    screenshot(page, "booking-page")
    page.click("text=Book this time")
    try:
        page.wait_for_selector("text=Your call is booked", timeout=30000)
    except Exception:
        screenshot(page, "booking-not-confirmed")
        raise AssertionError(
            page.inner_text("main") if page.locator("main").count() else page.content()[:2000]
        )
    screenshot(page, "booking-confirmed")
    assert "America/Los_Angeles" in page.content()
    appointment = Appointment.objects.get()
    assert appointment.loan_officer == officer and appointment.lead.email == "ana.lopez@example.com"
    assert appointment.starts_at.isoformat() == chosen
    href = page.get_attribute("#add-to-calendar", "href")
    with urllib.request.urlopen(f"{server_url}{href}") as response:  # noqa: S310 - the test server
        invite = Calendar.from_ical(response.read())
    [event] = invite.walk("VEVENT")
    assert str(invite["METHOD"]) == "REQUEST" and str(event["UID"]) == appointment.uid
    assert event.decoded("DTSTART") == appointment.starts_at
