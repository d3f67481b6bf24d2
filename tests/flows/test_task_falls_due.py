"""A task falls due: the assignee is reminded once, in their own zone, and a call task says whether the borrower
may be called now (the compliance gate's calling window in the borrower's local time) or from when."""

from datetime import timedelta

import time_machine

from firstcall.accounts.models import Notification
from firstcall.events.models import Event
from firstcall.flows.task_falls_due import sweep_tasks_falling_due
from firstcall.pipeline.models import Task
from firstcall.pipeline.tasks_service import complete_task, create_task
from tests.outside_services import eastern, tampa_borrower

MONDAY_10AM = eastern(2026, 12, 7, 10, 0)
MONDAY_7_50AM = eastern(2026, 12, 7, 7, 50)  # Florida calls may start at 8 a.m. (Fla. Stat. 501.059(8)(a))


def reminders(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(user=user, kind="task_due").values_list("title", "body"))


def call_task(organisation, owner, lead, *, due_at) -> Task:
    return create_task(organisation, title="Call Ana back", created_by=owner, assignee=owner, lead=lead,
                       due_at=due_at, kind=Task.Kind.CALL)  # fmt: skip


def test_a_call_task_due_inside_the_borrowers_calling_window_says_call_now_once(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner, consent_calls=True)
    task = call_task(organisation, owner, lead, due_at=MONDAY_10AM + timedelta(minutes=10))
    with time_machine.travel(MONDAY_10AM, tick=False):
        assert sweep_tasks_falling_due() == 1
    with time_machine.travel(MONDAY_10AM + timedelta(minutes=1), tick=False):
        assert sweep_tasks_falling_due() == 0
    assert reminders(owner) == [
        ("Due soon: Call Ana back (Ana Lopez)", "Due Dec 7, 10:10 AM EST. The borrower may be called now.")
    ]
    task.refresh_from_db()
    assert task.reminder_sent_at == MONDAY_10AM
    assert [event.payload for event in Event.objects.filter(name="task.due")] == [
        {"task_id": task.pk, "lead_id": lead.pk, "assigned_to_id": owner.pk}
    ]


def test_a_call_task_due_before_the_borrowers_calling_hours_says_from_when_in_the_assignees_zone(
    organisation, owner
):
    owner.time_zone = "America/Chicago"
    owner.save(update_fields=["time_zone"])
    lead = tampa_borrower(organisation, owner=owner, consent_calls=True)
    call_task(organisation, owner, lead, due_at=MONDAY_7_50AM + timedelta(minutes=5))
    with time_machine.travel(MONDAY_7_50AM, tick=False):
        assert sweep_tasks_falling_due() == 1
    assert reminders(owner) == [
        (
            "Due soon: Call Ana back (Ana Lopez)",
            "Due Dec 7, 6:55 AM CST. The borrower may be called from Dec 7, 7:00 AM CST.",
        )
    ]


def test_a_call_task_for_a_borrower_without_call_consent_says_not_to_call(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner)  # consent to texts and email, not calls
    call_task(organisation, owner, lead, due_at=MONDAY_10AM)
    with time_machine.travel(MONDAY_10AM, tick=False):
        assert sweep_tasks_falling_due() == 1
    [(title, body)] = reminders(owner)
    assert title == "Due soon: Call Ana back (Ana Lopez)"
    assert body.startswith("Due Dec 7, 10:00 AM EST. Do not call the borrower: ")


def test_other_tasks_are_reminded_without_calling_advice_and_stale_or_done_ones_not_at_all(
    organisation, owner, manager
):
    lead = tampa_borrower(organisation, owner=owner, consent_calls=True)
    create_task(organisation, title="Collect pay stubs", created_by=owner, assignee=manager, lead=lead,
                due_at=MONDAY_10AM - timedelta(hours=1), kind=Task.Kind.DOCUMENT)  # fmt: skip
    create_task(organisation, title="Long forgotten", created_by=owner, assignee=owner,
                due_at=MONDAY_10AM - timedelta(days=2))  # fmt: skip
    done = call_task(organisation, owner, lead, due_at=MONDAY_10AM)
    complete_task(done, actor=owner)
    with time_machine.travel(MONDAY_10AM, tick=False):
        assert sweep_tasks_falling_due() == 1
    assert reminders(manager) == [("Overdue: Collect pay stubs (Ana Lopez)", "Due Dec 7, 9:00 AM EST")]
    assert reminders(owner) == []
