"""Tasks: create, assign inside the organisation only, complete, overdue, mine vs team, reminders, and the
cadence call tasks shown in the same list."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from firstcall.accounts.models import Notification, User
from firstcall.cadences.models import CallTask
from firstcall.flows.task_falls_due import sweep_tasks_falling_due
from firstcall.leads.models import TimelineEvent
from firstcall.pipeline.models import Task
from firstcall.pipeline.tasks_service import (
    TaskRefused,
    complete_task,
    create_task,
    update_task,
)
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_task_on_a_lead_for_a_teammate_who_can_see_it_notifies_them_and_goes_on_the_timeline(
    organisation, make_lead, owner, teammate, signed_in
):
    lead = make_lead(owner)
    lead.shared_with.add(teammate)

    response = signed_in(owner).post(
        reverse("task_create"),
        {
            "title": "Collect  W-2s",
            "kind": "document",
            "assignee": teammate.pk,
            "lead": lead.pk,
            "due_at": "2026-03-12T10:00",
            "next": reverse("lead_detail", args=[lead.pk]) + "#tasks",
        },
    )

    assert response.status_code == 302 and response["Location"].endswith(f"/leads/{lead.pk}/#tasks")
    task = Task.objects.get()
    assert (task.title, task.kind, task.assignee, task.created_by, task.lead) == (
        "Collect W-2s",
        "document",
        teammate,
        owner,
        lead,
    )
    # Olivia works in New York time: 10:00 there is 14:00 UTC in March (EDT).
    assert task.due_at == datetime(2026, 3, 12, 14, 0, tzinfo=UTC)
    assert Notification.objects.get(user=teammate).title == "Olivia gave you a task: Collect W-2s (Ana Lopez)"
    event = TimelineEvent.objects.get(lead=lead, kind="task")
    # The due time is kept as a moment; each reader sees it in their own zone.
    assert event.summary == "Task for Theo: Collect W-2s"
    assert event.data["due_at"] == "2026-03-12T14:00:00+00:00"


def test_task_on_a_lead_cannot_go_to_someone_who_cannot_see_that_lead(make_lead, owner, teammate, signed_in):
    lead = make_lead(owner)

    response = signed_in(owner).post(
        reverse("task_create"),
        {"title": "Call her", "kind": "call", "assignee": teammate.pk, "lead": lead.pk},
    )

    assert response.status_code == 302
    assert not Task.objects.exists() and not Notification.objects.exists()


def test_task_cannot_be_assigned_to_a_person_of_another_organisation(owner, outsider, signed_in):
    response = signed_in(owner).post(
        reverse("task_create"), {"title": "Follow up", "kind": "other", "assignee": outsider.pk}
    )

    assert response.status_code == 302
    assert not Task.objects.exists()
    with pytest.raises(TaskRefused):
        create_task(owner.organisation, title="Follow up", created_by=owner, assignee=outsider)


def test_task_on_a_lead_the_creator_cannot_see_is_refused(make_lead, owner, teammate, signed_in):
    lead = make_lead(owner)

    signed_in(teammate).post(reverse("task_create"), {"title": "Sneak", "kind": "other", "lead": lead.pk})

    assert not Task.objects.exists()


def test_completing_a_task_once_records_who_and_when_and_a_second_click_changes_nothing(
    make_lead, owner, signed_in
):
    lead = make_lead(owner)
    task = create_task(
        owner.organisation, title="Send disclosures", created_by=owner, assignee=owner, lead=lead
    )
    client = signed_in(owner)

    with time_machine.travel(NOW, tick=False):
        client.post(reverse("task_complete", args=[task.pk]))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        client.post(reverse("task_complete", args=[task.pk]))

    task.refresh_from_db()
    assert task.completed_at == NOW and task.completed_by == owner
    assert (
        TimelineEvent.objects.filter(lead=lead, kind="task", summary="Task done: Send disclosures").count()
        == 1
    )


def test_loan_officer_cannot_complete_a_task_they_cannot_see(owner, teammate, signed_in):
    task = create_task(owner.organisation, title="Private", created_by=owner, assignee=owner)

    response = signed_in(teammate).post(reverse("task_complete", args=[task.pk]))

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.completed_at is None


@time_machine.travel(NOW, tick=False)
def test_overdue_tasks_are_highlighted_on_the_tasks_page(owner, signed_in):
    create_task(
        owner.organisation,
        title="Late one",
        created_by=owner,
        assignee=owner,
        due_at=NOW - timedelta(hours=2),
    )
    create_task(
        owner.organisation,
        title="Future one",
        created_by=owner,
        assignee=owner,
        due_at=NOW + timedelta(days=1),
    )

    content = signed_in(owner).get(reverse("tasks")).content.decode()

    assert "1 overdue" in content
    late = content[content.index("Late one") - 200 : content.index("Late one")]
    future = content[content.index("Future one") - 200 : content.index("Future one")]
    assert "task-card overdue" in late and "overdue" not in future
    assert content.index("Late one") < content.index("Future one")


def test_my_tasks_for_a_loan_officer_and_the_team_view_for_their_manager(
    organisation, owner, teammate, manager, signed_in
):
    outsider_in_org = make_user(organisation, "nina")  # not in the manager's team
    create_task(organisation, title="Olivia's", created_by=owner, assignee=owner)
    create_task(organisation, title="Theo's", created_by=teammate, assignee=teammate)
    create_task(organisation, title="Nina's", created_by=outsider_in_org, assignee=outsider_in_org)

    olivia_team = signed_in(owner).get(reverse("tasks"), {"view": "team"}).context["open_tasks"]
    maria_mine = signed_in(manager).get(reverse("tasks")).context["open_tasks"]
    maria_team = signed_in(manager).get(reverse("tasks"), {"view": "team"}).context["open_tasks"]

    assert [task.title for task in olivia_team] == ["Olivia's"]
    assert maria_mine == []
    assert sorted(task.title for task in maria_team) == ["Olivia's", "Theo's"]


def test_referral_partners_have_no_tasks_page(organisation, signed_in):
    partner = make_user(organisation, "rita", role=User.Role.PARTNER)

    assert signed_in(partner).get(reverse("tasks")).url == "/portal/partner/"
    response = signed_in(partner).post(reverse("task_create"), {"title": "x", "kind": "other"})
    assert response.status_code == 403 and not Task.objects.exists()


def test_reassigning_a_task_notifies_the_new_assignee_and_resets_its_reminder(organisation, owner, teammate):
    task = create_task(organisation, title="Call back", created_by=owner, assignee=owner, due_at=NOW)
    Task.objects.filter(pk=task.pk).update(reminder_sent_at=NOW)
    task.refresh_from_db()

    changed = update_task(task, actor=owner, assignee=teammate, due_at=NOW + timedelta(days=1))

    task.refresh_from_db()
    assert changed == ["assignee", "due date"]
    assert task.assignee == teammate and task.reminder_sent_at is None
    assert Notification.objects.get(user=teammate).title == "Olivia gave you a task: Call back"


def test_reminder_sweep_notifies_each_assignee_once_for_tasks_coming_due(organisation, owner, teammate):
    soon = create_task(
        organisation, title="Soon", created_by=owner, assignee=owner, due_at=NOW + timedelta(minutes=10)
    )
    late = create_task(
        organisation, title="Late", created_by=owner, assignee=teammate, due_at=NOW - timedelta(hours=1)
    )
    create_task(
        organisation, title="Tomorrow", created_by=owner, assignee=owner, due_at=NOW + timedelta(days=1)
    )
    create_task(
        organisation, title="Ancient", created_by=owner, assignee=owner, due_at=NOW - timedelta(days=3)
    )
    create_task(organisation, title="Nobody's", created_by=owner, due_at=NOW)
    done = create_task(organisation, title="Done", created_by=owner, assignee=owner, due_at=NOW)
    complete_task(done, actor=owner)

    first = sweep_tasks_falling_due(now=NOW)
    second = sweep_tasks_falling_due(now=NOW + timedelta(minutes=1))

    assert (first, second) == (2, 0)
    assert sorted(Notification.objects.filter(kind="task_due").values_list("title", flat=True)) == [
        "Due soon: Soon",
        "Overdue: Late",
    ]
    assert (
        Task.objects.get(pk=soon.pk).reminder_sent_at == NOW
        and Task.objects.get(pk=late.pk).reminder_sent_at == NOW
    )


def _call_task(lead, owner, *, due_at):
    return CallTask.objects.create(
        organisation=lead.organisation,
        lead=lead,
        owner=owner,
        due_at=due_at,
        title="Call Ana (cadence step 2)",
    )


def test_cadence_call_tasks_are_in_the_same_list_and_completing_one_there_stops_the_sla_clock(
    make_lead, owner, signed_in
):
    lead = make_lead(owner, respond_by=datetime.now(UTC) + timedelta(minutes=5), sla_status="pending")
    call_task = _call_task(lead, owner, due_at=datetime.now(UTC) - timedelta(minutes=1))
    client = signed_in(owner)

    page = client.get(reverse("tasks"))
    response = client.post(reverse("call_task_complete", args=[call_task.pk]), {"outcome": "connected"})

    assert [task.pk for task in page.context["call_tasks"]] == [call_task.pk]
    assert "Call Ana (cadence step 2)" in page.content.decode() and "1 overdue" in page.content.decode()
    assert response.status_code == 302
    call_task.refresh_from_db()
    lead.refresh_from_db()
    assert call_task.status == "done" and call_task.done_by == owner
    assert lead.sla_status == "met"


def test_loan_officer_cannot_complete_another_officers_cadence_call_task(
    make_lead, owner, teammate, signed_in
):
    lead = make_lead(owner)
    call_task = _call_task(lead, owner, due_at=datetime.now(UTC))

    response = signed_in(teammate).post(
        reverse("call_task_complete", args=[call_task.pk]), {"outcome": "connected"}
    )

    assert response.status_code == 404
    call_task.refresh_from_db()
    assert call_task.status == "open"


def test_completing_from_the_tasks_page_only_follows_a_local_next_address(owner, signed_in):
    task = create_task(owner.organisation, title="Redirect", created_by=owner, assignee=owner)

    response = signed_in(owner).post(
        reverse("task_complete", args=[task.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("tasks")
