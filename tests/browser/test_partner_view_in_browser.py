"""A referral partner has no staff workspace. Signing in with a password at /login/ lands them on the partner
portal, which shows the milestones of the borrowers who share with them and nothing of anyone else. The password
session ends there, so My day, the Outbox, the lead list, the board and a lead page only ask for a staff sign-in.
They never see a stage name, a lost file, the borrower's texts or finances. At 1366 px and 375 px."""

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import PASSWORD, assert_no_sideways_scroll, both_sizes, person

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, Pipeline, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message
from firstcall.portals import partners

pytestmark = pytest.mark.django_db(transaction=True)
PRIVATE_TEXT = "Can we talk after 6? My hours got cut"


def test_a_partner_signing_in_with_a_password_lands_on_the_portal_and_sees_only_shared_milestones(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia", last_name="Park", licensed_states=["FL"])
    rita = person(organisation, "rita", role=User.Role.PARTNER, first_name="Rita", last_name="Realtor")
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)

    def referral(first_name, last_name, stage_name, **fields):
        lead = Lead.objects.create(
            organisation=organisation, pipeline=pipeline, stage=pipeline.stages.get(name=stage_name),
            owner=olivia, referral_partner=rita, first_name=first_name, last_name=last_name, state="FL",
            purpose="purchase", loan_type="fha", purchase_price="385000", annual_income="187654",
            credit_score_low=612, credit_score_high=619, **fields,
        )  # fmt: skip
        record_event(lead, TimelineEvent.Kind.STAGE_CHANGED, f"Stage changed to {stage_name}",
                     data={"to": stage_name})  # fmt: skip
        return lead

    zoe = referral("Zoe", "Campbell", "Application", phone="+18135550190", consent_sms=True)
    message = Message.objects.create(
        organisation=organisation, lead=zoe, channel="sms", direction="inbound", purpose="reply",
        status="received", body=PRIVATE_TEXT, from_address=zoe.phone, to_address="+18135550100",
        created_at=timezone.now(),
    )  # fmt: skip
    record_event(zoe, TimelineEvent.Kind.MESSAGE, "Text from the borrower",
                 data={"direction": "inbound", "message_id": message.pk})  # fmt: skip
    partners.grant_sharing(zoe, rita, how="borrower portal")
    # Ben does not share with Rita, and his file is lost: she sees his name and nothing else.
    ben = referral("Ben", "Ortiz", "Lost", lost_reason="Credit too low")

    for page, label, width in both_sizes(browser, server_url):
        page.goto("/login/")
        page.get_by_label("Username").fill("rita")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/portal/partner/")
        zoe_card = page.get_by_role("region", name="Zoe C.")
        assert "Application in" in zoe_card.inner_text() and "Pre-approved" in zoe_card.inner_text()
        ben_card = page.get_by_role("region", name="Ben O.").inner_text()
        assert "has not chosen to share" in ben_card and "Application in" not in ben_card
        text = page.locator("body").inner_text()
        for secret in (PRIVATE_TEXT, "Lost", "Credit too low", "187,654", "612", "385,000", "Campbell"):
            assert secret not in text, secret
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"partner-portal-after-password-{label}")

        for path in (
            "/",
            "/outbox/",
            "/leads/",
            "/board/purchase/",
            f"/leads/{zoe.pk}/",
            f"/leads/{ben.pk}/",
        ):
            page.goto(path)
            page.wait_for_load_state("networkidle")
            # The password session ended when the portal's began: the workspace asks for a staff sign-in.
            assert "/login/" in page.url, path
            text = page.locator("body").inner_text()
            assert PRIVATE_TEXT not in text and "Lost" not in text and "Credit too low" not in text, path
