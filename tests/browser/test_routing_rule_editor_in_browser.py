"""The routing-rule editor in the workspace: an admin adds a rule, tests it against past leads (nothing saved),
saves it, moves it and pauses it, at 1366 px and 375 px."""

import pytest
from browser_helpers import screenshot
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, seed_pipeline, sign_in

from firstcall.accounts.models import AuditEvent, User
from firstcall.routing.models import RoutingRule

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_tests_a_rule_against_past_leads_then_saves_moves_and_pauses_it(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia", licensed_states=["FL"])
    person(organisation, "ben", first_name="Ben", licensed_states=["FL", "TX"])
    ada = person(organisation, "ada", role=User.Role.ADMIN, first_name="Ada")
    seed_pipeline(organisation, olivia)
    RoutingRule.objects.create(organisation=organisation, name="Everyone", position=10).candidates.set(
        [olivia]
    )

    for page, label, width in both_sizes(browser, server_url):
        sign_in(page, ada, server_url)
        page.goto("/settings/routing/")
        page.get_by_role("link", name="Add a rule").click()
        name = f"Florida to Ben ({label})"
        page.get_by_label("Name").fill(name)
        page.get_by_label("Property states").fill("FL")
        page.get_by_role("checkbox", name="Ben", exact=True).first.check()
        page.get_by_role("button", name="Test against past leads").click()
        preview = page.locator("#rule-preview")
        assert "Nothing was saved." in preview.inner_text()
        # A new rule goes below "Everyone", which takes every lead first: nobody would change hands.
        assert "0 of 8 leads would go to someone else" in preview.inner_text()
        assert not RoutingRule.objects.filter(name=name).exists()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"routing-rule-preview-{label}")

        page.get_by_role("button", name="Save rule").click()
        assert page.get_by_text(f"Rule “{name}” saved.").is_visible()
        page.get_by_role("button", name=f"Move {name} up").click()
        rows = page.locator("#routing-rules tbody tr.rule-row")
        assert rows.first.get_attribute("data-rule") == name
        # Tested again from the editor, now first: every Florida lead would go to Ben.
        page.get_by_role("link", name=name).click()
        page.get_by_role("button", name="Test against past leads").click()
        assert "8 of 8 leads would go to someone else" in page.locator("#rule-preview").inner_text()
        page.goto("/settings/routing/")
        page.get_by_role("button", name=f"Pause {name}").click()
        assert page.locator(f'tr[data-rule="{name}"]').get_by_text("Paused").is_visible()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"routing-rule-list-{label}")
        rule = RoutingRule.objects.get(name=name)
        assert rule.position == 10 and not rule.is_active
        RoutingRule.objects.filter(pk=rule.pk).delete()
        RoutingRule.objects.filter(name="Everyone").update(position=10)

    actions = set(AuditEvent.objects.filter(actor=ada).values_list("action", flat=True))
    assert {"routing.rule.created", "routing.rule.moved", "routing.rule.paused"} <= actions
