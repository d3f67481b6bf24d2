"""Every time in the viewer's own zone with its abbreviation, borrower-local times labelled as theirs, and a task
typed in local time stored as that moment. At 1366 px and 375 px."""

from datetime import UTC, datetime, timedelta

import pytest
from browser_helpers import screenshot
from django.utils import timezone
from workspace_browser import assert_no_sideways_scroll, both_sizes, person, sign_in

from firstcall.leads.models import Lead, Pipeline
from firstcall.leads.stages import first_stage
from firstcall.messaging.models import Message
from firstcall.pipeline.models import Task

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_task_typed_at_half_past_five_eastern_is_shown_in_each_viewers_zone(
    browser, server_url, organisation
):
    olivia = person(organisation, "olivia", first_name="Olivia", time_zone="America/New_York")
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    lead = Lead.objects.create(
        organisation=organisation, pipeline=pipeline, stage=first_stage(pipeline), owner=olivia,
        first_name="Zoe", last_name="Campbell", phone="+15125550190", state="TX", time_zone="America/Chicago",
        purpose="purchase", loan_type="fha", consent_sms=True,
    )  # fmt: skip
    Message.objects.create(
        organisation=organisation, lead=lead, channel="sms", purpose="manual", status="sent", body="Hello Zoe",
        to_address=lead.phone, sent_by=olivia, created_at=datetime(2026, 12, 1, 21, 5, tzinfo=UTC),
    )  # fmt: skip
    day = (timezone.now() + timedelta(days=3)).astimezone(UTC).date()

    for page, label, width in both_sizes(browser, server_url):
        sign_in(page, olivia, server_url)
        page.goto(f"/leads/{lead.pk}/")
        page.get_by_text("Add a task").click()
        page.get_by_label("Task", exact=True).fill(f"Send the fee sheet ({label})")
        assert page.get_by_text("your time, EST").is_visible()
        page.get_by_label("Due (your time").fill(f"{day.isoformat()}T17:30")
        page.get_by_role("button", name="Add task").click()
        page.wait_for_load_state("networkidle")
        task = Task.objects.get(title=f"Send the fee sheet ({label})")
        assert task.due_at == datetime(day.year, day.month, day.day, 22, 30, tzinfo=UTC)
        page.goto(f"/leads/{lead.pk}/")
        timeline = page.locator("#timeline").inner_text()
        assert "5:30 PM EST" in timeline and "UTC" not in page.locator("main").inner_text()
        assert "their time" in page.locator(".borrower-time").inner_text()
        assert "CST" in page.locator(".borrower-time").inner_text()
        assert_no_sideways_scroll(page, width)
        screenshot(page, f"times-lead-page-{label}")
        page.goto("/outbox/")
        assert "Dec 1, 2026, 4:05:00 PM EST" in page.locator("main").inner_text()
        screenshot(page, f"times-outbox-{label}")

    # The same task, read by a manager in California.
    from firstcall.accounts.models import User

    pia = person(organisation, "pia", role=User.Role.ADMIN, first_name="Pia", time_zone="America/Los_Angeles")
    for page, label, _width in both_sizes(browser, server_url, only="desktop"):
        sign_in(page, pia, server_url)
        page.goto(f"/leads/{lead.pk}/")
        assert "2:30 PM PST" in page.locator("#timeline").inner_text()
