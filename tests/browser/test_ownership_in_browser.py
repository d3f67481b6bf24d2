"""A missed response time never leaves a lead without an owner: the lead is offered to the next loan officer, the
owner keeps it until that person accepts, every alert link still opens a page that makes sense, and the borrower
hears from the new officer by name before anything else. At 1366 px and 375 px."""

from datetime import timedelta

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.accounts.models import Notification, Team, User
from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage
from firstcall.messaging.models import Message
from firstcall.routing import services

pytestmark = pytest.mark.django_db(transaction=True)


def _overdue_lead(organisation, owner, first_name) -> Lead:
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    received = timezone.now() - timedelta(minutes=25)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=owner,
        first_name=first_name, last_name="Campbell", phone="+18135550190", state="FL", zip_code="33602",
        purpose="purchase", loan_type="fha", consent_sms=True, created_at=received, assigned_at=received,
        respond_by=received + timedelta(minutes=5), sla_status="pending",
    )  # fmt: skip
    Message.objects.create(
        organisation=organisation, lead=lead, channel="sms", purpose="first_touch", status="sent",
        to_address=lead.phone, body=f"Hi {first_name}, this is {owner.first_name}. My direct line is ...",
    )  # fmt: skip
    return lead


def _escalate_to_handover(lead) -> None:
    # Step 1 re-alerts the owner, step 2 (10 minutes after the deadline) offers the lead on. The server's own
    # worker may run a step first; each step is claimed once, so the outcome is the same.
    services.sweep_sla_breaches()
    services.sweep_sla_breaches()
    lead.refresh_from_db()
    assert lead.sla_escalation_step >= 2


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_missed_response_time_offers_the_lead_on_and_every_alert_link_resolves(
    browser, server_url, organisation, size
):
    olivia = person(organisation, "olivia", first_name="Olivia", last_name="Park", licensed_states=["FL"],
                    nmls_id="100001", phone="+18135550101")  # fmt: skip
    theo = person(organisation, "theo", first_name="Theo", last_name="Grant", licensed_states=["FL"],
                  nmls_id="100002", phone="+18135550102")  # fmt: skip
    lead = _overdue_lead(organisation, olivia, "Zoe")
    _escalate_to_handover(lead)
    assert lead.owner == olivia  # the owner keeps it until someone accepts

    for page, label, width in both_sizes(browser, server_url, only=size):
        # Theo is offered the lead: his alert opens the offer, and he takes it over.
        sign_in(page, theo, server_url)
        page.goto("/")
        alert = page.locator(".alert", has_text="Can you take Zoe now?")
        alert.get_by_role("link", name="Open").click()
        assert page.get_by_role("heading", name="Can you take Zoe now? (FL)").is_visible()
        assert page.get_by_text("Olivia Park has not reached them within the response time").is_visible()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"handover-offer-{label}")
        page.get_by_role("button", name="Take over this lead").click()
        assert page.get_by_role("heading", name="Zoe Campbell").is_visible()
        lead.refresh_from_db()
        assert lead.owner == theo
        introduction = Message.objects.get(lead=lead, sent_by=theo)
        assert introduction.body.startswith("Hi Zoe, this is Theo Grant")
        assert "from Olivia Park" in introduction.body

        # Olivia's alert about the lead still opens a page: who has it now, not "Not Found". (Her "overdue"
        # alert cleared itself: Theo's introduction reached the borrower.)
        page.context.clear_cookies()
        sign_in(page, olivia, server_url)
        page.goto("/")
        took_over = page.locator(".alert", has_text="Theo Grant took over Zoe Campbell")
        took_over.get_by_role("link", name="Open").click()
        assert page.get_by_role("heading", name="Zoe C. is with Theo Grant now").is_visible()
        assert "Not Found" not in page.content() and "555-0190" not in page.content()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"handover-moved-{label}")
    assert Notification.objects.filter(user=olivia, kind="handover_done").exists()


def test_without_another_licensed_officer_the_manager_is_told_and_the_owner_keeps_the_lead(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia", last_name="Park", licensed_states=["FL"])
    person(organisation, "tex", first_name="Tex", licensed_states=["TX"])
    maria = person(organisation, "maria", role=User.Role.MANAGER, first_name="Maria")
    team = Team.objects.create(organisation=organisation, name="Tampa branch")
    maria.managed_teams.add(team)
    olivia.teams.add(team)
    lead = _overdue_lead(organisation, olivia, "Zoe")
    _escalate_to_handover(lead)
    assert lead.owner == olivia
    for page, label, width in both_sizes(browser, server_url):
        sign_in(page, maria, server_url)
        page.goto("/")
        alert = page.locator(".alert", has_text="Nobody else can take Zoe Campbell")
        alert.wait_for()  # the alerts arrive by htmx after the page loads
        assert "The lead stays with Olivia Park" in alert.inner_text()
        alert.get_by_role("link", name="Open").click()
        assert page.get_by_role("heading", name="Zoe Campbell").is_visible()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"handover-nobody-eligible-{label}")
