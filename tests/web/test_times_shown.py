"""Times in the viewer's zone with the zone's abbreviation, through one filter; borrower-local times labelled."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.utils import timezone

from firstcall.pipeline.models import Task

MOMENT = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)


def render(source: str, zone: str, **context) -> str:
    with timezone.override(ZoneInfo(zone)):
        return Template("{% load when %}" + source).render(Context(context))


def test_the_filter_shows_the_viewers_zone_and_its_abbreviation():
    assert ">Dec 7, 5:30 PM EST</time>" in render("{{ t|when }}", "America/New_York", t=MOMENT)
    assert ">2:30 PM PST</time>" in render('{{ t|when:"time" }}', "America/Los_Angeles", t=MOMENT)
    assert 'datetime="2026-12-07T22:30:00+00:00"' in render("{{ t|when }}", "UTC", t=MOMENT)
    # Times kept as text in an event's data are read the same way.
    assert "5:30 PM EST" in render("{{ t|when }}", "America/New_York", t=MOMENT.isoformat())


def test_a_borrowers_local_time_is_labelled_as_theirs():
    lead = SimpleNamespace(time_zone="America/Chicago")
    assert ">4:30 PM CST, their time</time>" in render("{{ t|when_theirs:lead }}", "America/New_York", t=MOMENT,
                                                        lead=lead)  # fmt: skip


def test_a_task_typed_in_local_time_is_stored_as_that_moment_and_shown_in_each_zone(
    organisation, owner, make_lead, signed_in, admin_user
):
    owner.time_zone = "America/New_York"
    owner.save()
    lead = make_lead(owner)
    response = signed_in(owner).post(
        "/tasks/new/",
        {"title": "Send the fee sheet", "kind": "follow_up", "due_at": "2026-12-10T17:30", "lead": lead.pk,
         "assignee": owner.pk},
    )  # fmt: skip
    assert response.status_code in (200, 302)
    task = Task.objects.get(title="Send the fee sheet")
    assert task.due_at == datetime(2026, 12, 10, 22, 30, tzinfo=UTC)
    page = signed_in(owner).get(f"/leads/{lead.pk}/").content.decode()
    assert "Thu Dec 10, 2026, 5:30 PM EST" in page
    admin_user.time_zone = "America/Los_Angeles"
    admin_user.save()
    page = signed_in(admin_user).get(f"/leads/{lead.pk}/").content.decode()
    assert "Thu Dec 10, 2026, 2:30 PM PST" in page
    assert " UTC" not in page
