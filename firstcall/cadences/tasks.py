"""Background tasks (Django Tasks API). Each takes an id, reloads state, and is safe to run twice or late: the
step run's claim decides whether anything happens."""

from django_tasks import task

from firstcall.cadences import services


@task()
def run_due_step(step_run_id: int) -> str:
    return services.run_step(step_run_id)
