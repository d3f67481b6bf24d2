"""`firstcall worker`: the task loop outlives a lost database (a PostgreSQL restart, a failover)."""

from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet

from firstcall.messaging.tasks import deliver_message
from firstcall.web.management.commands import worker as worker_command


def test_worker_goes_on_with_its_tasks_after_losing_the_database(transactional_db, monkeypatch):
    monkeypatch.setattr(worker_command, "RECONNECT_DELAYS_SECONDS", (0,))
    real_ready = DBTaskResultQuerySet.ready
    polls = []

    def ready(queryset):
        polls.append(1)
        if len(polls) <= 2:  # the database is restarting: the worker's queries fail
            raise OperationalError("terminating connection due to administrator command")
        return real_ready(queryset)

    monkeypatch.setattr(DBTaskResultQuerySet, "ready", ready)
    deliver_message.enqueue(123456)  # no such message: the task finishes with "not claimed"

    call_command("worker", "--batch", "--no-sweep")

    task = DBTaskResult.objects.get()
    assert task.status == "SUCCESSFUL" and task.return_value == "not claimed"
    assert len(polls) >= 3
