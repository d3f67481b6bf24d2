"""Background tasks (Django Tasks API). Each takes an id, reloads state and is safe to run twice or late."""

from django_tasks import task

from firstcall.messaging import services


@task()
def deliver_message(message_id: int) -> str:
    return services.deliver(message_id)


@task()
def deliver_messages(message_ids: list[int]) -> dict:
    return {str(message_id): outcome for message_id, outcome in services.deliver_batch(message_ids).items()}
