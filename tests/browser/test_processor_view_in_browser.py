"""A processor's lead page and lead list by allow-list: the loan file is there; the lead's source, score, routing
and first-response clock are not. At 1366 px and 375 px."""

from datetime import timedelta

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, LeadScore, LeadSource, Pipeline
from firstcall.leads.stages import first_stage
from firstcall.pipeline.models import Task
from firstcall.routing.models import RoutingDecisionLog

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_processor_sees_the_loan_file_and_not_the_sales_side(browser, server_url, organisation):
    olivia = person(organisation, "olivia", first_name="Olivia")
    pat = person(organisation, "pat", role=User.Role.PROCESSOR, first_name="Pat")
    source = LeadSource.objects.create(organisation=organisation, name="Zillow Premier", channel="api")
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia, processor=pat,
        source=source, utm_campaign="spring-promo", first_name="Zoe", last_name="Campbell", phone="+15125550190",
        email="zoe@example.com", state="TX", purpose="purchase", loan_type="fha", purchase_price="350000",
        credit_score_low=721, score=87, score_tier="hot", respond_by=timezone.now() + timedelta(minutes=4),
        sla_status="pending",
    )  # fmt: skip
    LeadScore.objects.create(lead=lead, points=87, tier="hot", trigger="capture",
                             reasons=[{"factor": "credit", "points": 20, "detail": "credit 721 (good)"}])  # fmt: skip
    RoutingDecisionLog.objects.create(organisation=organisation, lead=lead, rule_name="Texas", strategy="round_robin",
                                      chosen_user=olivia, reason="next in turn")  # fmt: skip
    Task.objects.create(organisation=organisation, lead=lead, title="Order the appraisal", assignee=pat,
                        due_at=timezone.now() + timedelta(days=1))  # fmt: skip

    for page, label, width in both_sizes(browser, server_url):
        sign_in(page, pat, server_url)
        page.goto(f"/leads/{lead.pk}/")
        main = page.locator("main").evaluate("element => element.textContent")
        for shown in ("Zoe Campbell", "zoe@example.com", "350,000", "721", "Olivia", "Order the appraisal"):
            assert shown in main, (label, shown)
        for hidden in (
            "Zillow Premier",
            "spring-promo",
            "Why this score",
            "next in turn",
            "Respond by",
            "87",
        ):
            assert hidden not in main, (label, hidden)
        assert "Next: Order the appraisal" in page.locator("#next-action").inner_text()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"processor-lead-page-{label}")
        page.goto("/leads/")
        listing = page.locator("main").inner_text()
        assert "Zoe Campbell" in listing and "Zillow Premier" not in listing
        assert page.locator("main .tier-hot").count() == 0
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"processor-lead-list-{label}")
