"""Background tasks (Django Tasks API). Each takes an id, reloads state and is safe to run twice or late."""

from django_tasks import task

from firstcall.messaging import services


@task()
def deliver_message(message_id: int) -> str:
    return services.deliver(message_id)
