"""Bulk enrolment from the lead list's selection: tick leads, choose a published cadence, enrol; the leads the
enrolment service refuses are named with the reason. At 1366 px and 375 px."""

import pytest
from browser_helpers import screenshot
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, seed_pipeline, sign_in

from firstcall.cadences.enrolment import enrol
from firstcall.cadences.models import Enrolment
from tests.cadences.cadence_helpers import build_cadence, sms, wait

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_loan_officer_enrols_the_ticked_leads_and_sees_who_was_not_enrolled(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia")
    leads = seed_pipeline(organisation, olivia)
    nurture = build_cadence(organisation, [wait(1), sms("Hi {first_name}")], name="Nurture")
    build_cadence(organisation, [sms("Hi")], name="Unpublished plan", publish=False)
    enrol(leads["Marcus"], nurture)

    for page, label, width in both_sizes(browser, server_url):
        Enrolment.objects.filter(lead__in=[leads["Ana"], leads["Omar"]]).delete()
        sign_in(page, olivia, server_url)
        page.goto("/leads/")
        for first in ("Ana", "Marcus", "Omar"):
            page.get_by_label(f"Select {first} {leads[first].last_name}").check()
        page.get_by_text("Bulk actions: assign, enrol, change stage, export").click()
        page.locator("#bulk-action").select_option("enrol")
        cadence_choice = page.locator("#bulk-form").get_by_label("Cadence")
        assert "Unpublished plan" not in cadence_choice.inner_text()
        cadence_choice.select_option(label="Nurture")
        page.get_by_role("button", name="Apply to selected").click()
        main = page.locator("main").inner_text()
        assert "1 lead enrolled in Nurture." in main
        assert "2 not enrolled in Nurture." in main
        assert "Marcus Reed: The lead is already in Nurture" in main
        assert "Omar Haddad: The lead is lost; Nurture stops for closed leads" in main
        assert Enrolment.objects.filter(cadence=nurture, lead=leads["Ana"]).exists()
        assert not Enrolment.objects.filter(lead=leads["Omar"]).exists()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"bulk-enrolment-{label}")
