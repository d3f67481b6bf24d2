"""The workspace on a phone (375×812): My day, the board and the list fit the screen without sideways
scrolling, and a card can be moved with its "Move to" menu by touch. Screenshots in test-output/screenshots/."""

import pytest
from browser_helpers import screenshot
from playwright.sync_api import expect
from workspace_browser import assert_no_sideways_scroll, person, seed_pipeline, sign_in

from firstcall.accounts.models import User
from firstcall.compliance.calling import call_advice

pytestmark = pytest.mark.django_db(transaction=True)


def test_my_day_on_a_phone(phone_page, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    leads = seed_pipeline(organisation, olivia)
    sign_in(phone_page, olivia, server_url)

    phone_page.goto("/")

    expect(phone_page.get_by_role("heading", name="My day")).to_be_visible()
    expect(phone_page.get_by_role("link", name="Ana Lopez")).to_be_visible()
    new_leads = phone_page.locator("section[aria-labelledby=new-h]")
    if call_advice(leads["Ana"]).may_call:
        call = new_leads.get_by_role("link", name="Call").first
        expect(call).to_be_visible()
        assert call.bounding_box()["height"] >= 44  # a thumb-sized target
    else:  # outside Florida's calling window at the hour the test runs: the card says when it opens
        expect(new_leads.locator("[data-call=hold]").first).to_be_visible()
    assert_no_sideways_scroll(phone_page)
    screenshot(phone_page, "my-day-phone")


def test_the_board_on_a_phone_scrolls_its_columns_not_the_page(phone_page, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    lucia = seed_pipeline(organisation, olivia)["Lucia"]
    sign_in(phone_page, olivia, server_url)

    phone_page.goto("/board/purchase/")

    expect(phone_page.get_by_role("heading", name="Purchase pipeline")).to_be_visible()
    assert_no_sideways_scroll(phone_page)
    columns = phone_page.locator(".board-columns")
    assert columns.evaluate("element => element.scrollWidth > element.clientWidth")
    screenshot(phone_page, "board-phone")

    # No drag and drop on a touch screen: the card's menu does the move.
    card = phone_page.locator(f"#card-{lucia.pk}")
    card.scroll_into_view_if_needed()
    card.get_by_label("Move to (stage for Lucia Ferreira)").select_option(label="Application")
    card.get_by_role("button", name="Move").tap()
    expect(
        phone_page.locator('section[data-stage-name="Application"]').locator(f"#card-{lucia.pk}")
    ).to_be_attached()
    expect(phone_page.locator("#board-status")).to_have_text("Lucia Ferreira moved to Application.")
    lucia.refresh_from_db()
    assert lucia.stage.name == "Application"


def test_the_list_and_team_pages_on_a_phone(phone_page, server_url, organisation, team):
    olivia = person(organisation, "olivia", first_name="Olivia")
    olivia.teams.add(team)
    seed_pipeline(organisation, olivia)
    maria = person(organisation, "maria", User.Role.MANAGER, first_name="Maria")
    maria.managed_teams.add(team)
    sign_in(phone_page, maria, server_url)

    phone_page.goto("/leads/?sort=amount")
    expect(phone_page.get_by_role("heading", name="Leads")).to_be_visible()
    expect(phone_page.get_by_role("link", name="Grace Kim")).to_be_visible()
    assert_no_sideways_scroll(phone_page)
    screenshot(phone_page, "lead-list-phone")

    phone_page.get_by_label("Search name, email or phone").fill("ferreira")
    phone_page.get_by_role("button", name="Search").click()
    expect(phone_page.get_by_role("link", name="Lucia Ferreira")).to_be_visible()
    expect(phone_page.get_by_role("link", name="Grace Kim")).to_have_count(0)

    phone_page.goto("/team/")
    expect(phone_page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    assert_no_sideways_scroll(phone_page)
    screenshot(phone_page, "team-phone")
