"""Every report at 1280 px and on a phone (375 px): its chart and its table are on screen and the page never
scrolls sideways (the tables scroll inside their own box). Screenshots in test-output/screenshots/."""

import pytest
from browser_helpers import screenshot
from playwright.sync_api import expect
from workspace_browser import person, seed_pipeline, sign_in

from firstcall.accounts.models import User
from firstcall.reports.rollups import rebuild

pytestmark = pytest.mark.django_db(transaction=True)

# Each report page, and whether it draws a chart above its table.
REPORTS = [("funnel", True), ("speed", True), ("roi", True), ("cadences", False), ("activity", True)]


@pytest.fixture
def admin_with_numbers(organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    seed_pipeline(organisation, olivia)
    rebuild(organisation)
    return person(organisation, "adele", role=User.Role.ADMIN, first_name="Adele")


def check_report(page, name: str, has_chart: bool, width: int, label: str) -> None:
    page.goto(f"/reports/{name}/?by=source")
    expect(page.locator("main h1")).to_be_visible()
    if has_chart:
        chart = page.locator("main svg[role=img]").first
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] <= width
    expect(page.locator("main .table-wrap table").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"/reports/{name}/ is {overflow} px wide at {width} px"
    screenshot(page, f"report-{name}-{label}")


def test_every_report_at_desktop_size(page, server_url, admin_with_numbers):
    sign_in(page, admin_with_numbers, server_url)
    for name, has_chart in REPORTS:
        check_report(page, name, has_chart, 1280, "desktop")


def test_every_report_on_a_phone(phone_page, server_url, admin_with_numbers):
    sign_in(phone_page, admin_with_numbers, server_url)
    for name, has_chart in REPORTS:
        check_report(phone_page, name, has_chart, 375, "phone")


def test_the_report_settings_on_a_phone(phone_page, server_url, admin_with_numbers, organisation):
    person(organisation, "maria", role=User.Role.MANAGER, first_name="Maria")
    sign_in(phone_page, admin_with_numbers, server_url)
    phone_page.goto("/settings/reports/")
    expect(phone_page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(phone_page.get_by_label("Maria: weekly digest")).to_be_visible()
    overflow = phone_page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 375, f"/settings/reports/ is {overflow} px wide on a phone"
    screenshot(phone_page, "report-settings-phone")
