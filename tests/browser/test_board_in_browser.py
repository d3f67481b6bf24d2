"""The workspace in a real browser (production server + Chromium): a new lead appears live on My day, a card
is dragged to another stage, the same move is made with the keyboard (with the lost-reason dialog), and
without JavaScript at all. Screenshots go to test-output/screenshots/."""

import re

import pytest
from browser_helpers import screenshot
from playwright.sync_api import expect
from workspace_browser import person, seed_pipeline, sign_in

from firstcall.compliance.calling import call_advice
from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.leads.models import IntakeRecord, Lead, Stage
from firstcall.leads.submission import ConsentInput, LeadSubmission

pytestmark = pytest.mark.django_db(transaction=True)
LIVE_TIMEOUT = 20_000  # the pages poll every 5 s


def column(page, stage_name):
    return page.locator(f'section.board-column[data-stage-name="{stage_name}"]')


def test_a_new_lead_appears_live_on_my_day(page, server_url, organisation, team):
    olivia = person(organisation, "olivia", first_name="Olivia", licensed_states=["FL"], phone="+18135550101")
    olivia.teams.add(team)
    sign_in(page, olivia, server_url)
    page.goto("/")
    expect(page.get_by_role("heading", name="My day")).to_be_visible()
    expect(page.get_by_role("link", name="Maya Torres")).to_have_count(0)

    record = IntakeRecord.objects.create(organisation=organisation, channel="api")
    result = capture(
        LeadSubmission(
            first_name="Maya",
            last_name="Torres",
            email="maya.torres@example.com",
            phone="(813) 555-0177",
            zip="33602",
            purpose="purchase",
            loan_type="fha",
            purchase_price="340000",
            down_payment="11900",
            consent=ConsentInput(sms=True, email=True, calls=True, text="I agree to be contacted."),
        ),
        organisation=organisation,
        intake_record=record,
    )
    assert result.outcome == "created"
    assert Lead.objects.get(pk=result.lead.pk).owner == olivia

    new_leads = page.locator("section[aria-labelledby=new-h]")
    expect(new_leads.get_by_role("link", name="Maya Torres")).to_be_visible(timeout=LIVE_TIMEOUT)
    if call_advice(Lead.objects.get(pk=result.lead.pk)).may_call:
        expect(new_leads.get_by_role("link", name="Call")).to_have_attribute("href", "tel:+18135550177")
    else:  # outside Florida's calling window at the hour the test runs: the card says when it opens
        expect(new_leads.locator("[data-call=hold]")).to_be_visible()
    expect(new_leads.locator(".clock")).to_have_text(
        re.compile(r"(\d+:\d\d|\d+ h \d\d min|\d+ d) left|Overdue")
    )
    screenshot(page, "my-day-new-lead-live")


def test_dragging_a_card_to_another_stage_moves_the_lead(page, server_url, organisation, team):
    olivia = person(organisation, "olivia", first_name="Olivia")
    leads = seed_pipeline(organisation, olivia)
    ana = leads["Ana"]
    sign_in(page, olivia, server_url)
    page.goto("/board/purchase/")
    expect(column(page, "New").locator(".column-count")).to_have_text("2 leads")
    screenshot(page, "board-desktop")

    page.locator(f"#card-{ana.pk}").drag_to(column(page, "Contacted"))

    expect(column(page, "Contacted").locator(f"#card-{ana.pk}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text("Ana Lopez moved to Contacted.")
    expect(column(page, "New").locator(".column-count")).to_have_text("1 lead")
    expect(column(page, "Contacted").locator(".column-count")).to_have_text("2 leads")
    ana.refresh_from_db()
    assert ana.stage.name == "Contacted"
    assert ana.timeline.get(kind="stage_changed").actor == olivia
    screenshot(page, "board-after-drag")


def test_a_lead_arriving_or_moving_elsewhere_shows_up_on_an_open_board(page, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    leads = seed_pipeline(organisation, olivia)
    sign_in(page, olivia, server_url)
    page.goto("/board/purchase/")
    expect(column(page, "Qualified").locator(f"#card-{leads['Marcus'].pk}")).to_have_count(0)

    # Someone else (another tab, a cadence) moves Marcus.
    from firstcall.pipeline.services import move_stage

    move_stage(
        leads["Marcus"], Stage.objects.get(pipeline=leads["Marcus"].pipeline, name="Qualified"), olivia
    )

    expect(column(page, "Qualified").locator(f"#card-{leads['Marcus'].pk}")).to_be_visible(
        timeout=LIVE_TIMEOUT
    )


def test_moving_to_lost_with_the_keyboard_asks_why(page, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    tom = seed_pipeline(organisation, olivia)["Tom"]
    lost = Stage.objects.get(pipeline=tom.pipeline, name="Lost")
    sign_in(page, olivia, server_url)
    page.goto("/board/purchase/")
    select = page.get_by_label("Move to (stage for Tom Becker)")

    # First time: Escape closes the dialog and nothing moves.
    select.focus()
    page.keyboard.type("Lost")
    expect(select).to_have_value(str(lost.pk))
    page.keyboard.press("Tab")
    expect(page.locator(f"#card-{tom.pk} button")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Why was this lead lost?")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Lost reason")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#board-status")).to_have_text("Not moved.")
    expect(column(page, "Qualified").locator(f"#card-{tom.pk}")).to_be_visible()
    tom.refresh_from_db()
    assert tom.stage.name == "Qualified"

    # Then with a reason typed in the dialog.
    select.focus()
    page.keyboard.type("Lost")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    screenshot(page, "board-lost-reason-dialog")
    page.keyboard.type("Just shopping rates")
    page.keyboard.press("Enter")

    expect(column(page, "Lost").locator(f"#card-{tom.pk}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text("Tom Becker moved to Lost.")
    expect(page.get_by_label("Move to (stage for Tom Becker)")).to_be_focused()
    tom.refresh_from_db()
    assert (tom.stage.name, tom.lost_reason) == ("Lost", "Just shopping rates")


def test_a_card_moves_without_javascript_too(browser, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    priya = seed_pipeline(organisation, olivia)["Priya"]
    context = browser.new_context(base_url=server_url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, olivia, server_url)
        page.goto("/board/purchase/")
        page.get_by_label("Move to (stage for Priya Natarajan)").select_option(label="Lost")
        page.locator(f"#card-{priya.pk}").get_by_role("button", name="Move").click()

        expect(page.get_by_role("alert")).to_have_text("Say why the lead was lost.")
        page.get_by_label("Why was it lost?").fill("Went with another lender")
        page.get_by_role("button", name="Move").click()

        page.wait_for_url(f"{server_url}/board/purchase/")
        expect(column(page, "Lost").locator(f"#card-{priya.pk}")).to_be_visible()
        priya.refresh_from_db()
        assert (priya.stage.name, priya.lost_reason) == ("Lost", "Went with another lender")
    finally:
        context.close()


def test_a_loan_officer_cannot_drag_a_lead_that_is_only_shared_with_them(page, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    theo = person(organisation, "theo", first_name="Theo")
    grace = seed_pipeline(organisation, theo)["Grace"]
    grace.shared_with.add(olivia)
    sign_in(page, olivia, server_url)
    page.goto("/board/purchase/")

    card = page.locator(f"#card-{grace.pk}")
    expect(card).to_be_visible()
    expect(card).not_to_have_attribute("draggable", "true")
    expect(card.get_by_role("combobox")).to_have_count(0)
    card.drag_to(column(page, "Underwriting"))
    expect(column(page, "Processing").locator(f"#card-{grace.pk}")).to_be_visible()
    grace.refresh_from_db()
    assert grace.stage.name == "Processing"
