"""The lead page in sections: the summary and the next action within the first screen of a phone, every section a
<details> that is open without JavaScript (nothing lost), background sections closed on a phone with JavaScript and
opened by their links, and the htmx panels still loading inside them. At 1366 px and 375 px."""

from datetime import timedelta

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import NARROW, WIDE, assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage
from firstcall.pipeline.models import Task

pytestmark = pytest.mark.django_db(transaction=True)

SECTIONS = [
    "section-reach",
    "section-details",
    "section-why",
    "section-tasks",
    "section-timeline",
    "section-more",
]


def _lead(organisation, owner) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    now = timezone.now()
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=owner,
        first_name="Zoe", last_name="Campbell", phone="+15125550190", email="zoe@example.com", state="TX",
        zip_code="78701", time_zone="America/Chicago", purpose="purchase", loan_type="fha",
        purchase_price="350000", down_payment="12250", consent_sms=True, consent_email=True,
        score=74, score_tier="warm", respond_by=now + timedelta(minutes=4), sla_status="pending",
    )  # fmt: skip
    Task.objects.create(
        organisation=organisation,
        lead=lead,
        title="Send the fee sheet",
        assignee=owner,
        due_at=now + timedelta(days=1),
    )
    return lead


def _in_first_screen(page, selector, height) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_the_summary_and_next_action_are_on_the_first_screen_and_sections_fold(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia", time_zone="America/Chicago")
    lead = _lead(organisation, olivia)

    for page, label, width in both_sizes(browser, server_url):
        height = (NARROW if label == "phone" else WIDE)["height"]
        sign_in(page, olivia, server_url)
        page.goto(f"/leads/{lead.pk}/")
        page.wait_for_load_state("networkidle")
        for selector in ("#lead-name", "#next-action", ".quick-actions"):
            assert _in_first_screen(page, selector, height), (label, selector)
        assert "call Zoe before" in page.locator("#next-action").inner_text()
        details_open = page.locator("#section-details").evaluate("element => element.open")
        # On a phone the background sections start closed; on a laptop everything is open.
        assert details_open is (label == "desktop")
        assert page.locator("#section-timeline").evaluate("element => element.open")
        more_open = page.locator("#section-more").evaluate("element => element.open")
        assert more_open is (label == "desktop")
        # The htmx panels load inside their section, closed or not.
        assert "Loading…" not in page.locator("#section-more").evaluate("element => element.textContent")
        assert page.locator("#section-more #documents").count() == 1
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"lead-sections-{label}")
        # A section's link opens it.
        page.get_by_role("navigation", name="Sections of this lead").get_by_role(
            "link", name="Details"
        ).click()
        assert page.locator("#section-details").evaluate("element => element.open")
        assert page.get_by_role("heading", name="Contact and consent").is_visible()
        assert page.get_by_role("heading", name="Scenario").is_visible()
        page.get_by_role("navigation", name="Sections of this lead").get_by_role("link", name="More").click()
        assert page.locator("#section-more").evaluate("element => element.open")
        assert page.get_by_role("heading", name="Documents").first.is_visible()


def test_without_javascript_every_section_is_open_and_nothing_is_lost(browser, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia", time_zone="America/Chicago")
    lead = _lead(organisation, olivia)
    context = browser.new_context(
        base_url=server_url, viewport=NARROW, java_script_enabled=False, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        sign_in(page, olivia, server_url)
        page.goto(f"/leads/{lead.pk}/")
        assert _in_first_screen(page, "#next-action", NARROW["height"])
        for section in SECTIONS:
            assert page.locator(f"#{section}").evaluate("element => element.open"), section
        for heading in ("Log a call", "Contact and consent", "Scenario", "Why this score", "Owner and why",
                        "Tasks", "Timeline"):  # fmt: skip
            assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
        assert page.get_by_text("Send the fee sheet").first.is_visible()
        # The panels htmx would load keep a plain link.
        assert page.get_by_role("link", name="Open the assessment").is_visible()
        assert_no_sideways_scroll(page, NARROW["width"])
        screenshot(page, "lead-sections-phone-without-javascript")
    finally:
        context.close()
