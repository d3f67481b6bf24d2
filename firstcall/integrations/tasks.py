"""Background tasks: each takes ids, reloads state, and is safe to run twice or late."""

from django_tasks import task

from firstcall.integrations import los
from firstcall.integrations.calendar import services as calendar
from firstcall.integrations.webhooks import services as webhooks


@task()
def deliver_webhook(message_id: int) -> str:
    return webhooks.deliver(message_id)


@task()
def fetch_los_loan(los_event_id: int) -> str:
    return los.fetch(los_event_id)


@task()
def send_officer_invitation(appointment_id: int) -> str:
    return calendar.send_officer_invitation(appointment_id)
