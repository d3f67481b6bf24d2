"""Background tasks (Django Tasks API). Each takes an id, reloads state and is safe to run twice or late."""

from django_tasks import task

from firstcall.messaging import services

# Workers take the highest priority first (django-tasks-db orders by priority, then time). A message is a person
# waiting (the borrower's first touch, the loan officer's alert); event subscribers, rollups and documents can
# wait behind it.
DELIVERY_PRIORITY = 50


@task(priority=DELIVERY_PRIORITY)
def deliver_message(message_id: int) -> str:
    return services.deliver(message_id)


@task(priority=DELIVERY_PRIORITY)
def deliver_messages(message_ids: list[int]) -> dict:
    return {str(message_id): outcome for message_id, outcome in services.deliver_batch(message_ids).items()}
