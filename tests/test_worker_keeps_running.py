"""The background worker outlives a task whose queue row disappears while it runs (an operator's purge, or a
database emptied under a running server): it logs it and goes on with the next task."""

import pytest
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from firstcall.web.management.commands.worker import resilient_worker_class


@task(takes_context=True)
def remove_own_queue_row(context):
    DBTaskResult.objects.filter(pk=context.task_result.id).delete()
    return "gone"


@task()
def next_in_line():
    return "ran"


@pytest.mark.django_db(transaction=True)  # as in production: each task's writes commit on their own
def test_a_task_whose_queue_row_vanishes_does_not_stop_the_worker(caplog):
    vanishing = remove_own_queue_row.enqueue()
    following = next_in_line.enqueue()

    resilient_worker_class()(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False, max_tasks=None,
        worker_id="resilience-test", excluded_queue_names=[],
    ).run()  # fmt: skip

    assert not DBTaskResult.objects.filter(pk=vanishing.id).exists()
    assert DBTaskResult.objects.get(pk=following.id).return_value == "ran"
    assert f"Task {vanishing.id} was removed from the queue while it ran" in caplog.text
