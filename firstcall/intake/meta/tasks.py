"""Background work for Meta leads: the Graph fetch (enqueued on commit by the webhook and by the sweep)."""

import logging
from datetime import datetime

from django_tasks import task

from firstcall.intake.meta import services

logger = logging.getLogger(__name__)


@task()
def fetch_meta_lead(record_id: int, lease: str) -> str:
    """Fetch and capture one leadgen. Safe to run twice or late: only the holder of the lease proceeds."""
    return services.process_fetch(record_id, lease=datetime.fromisoformat(lease))


def enqueue_fetch(record_id: int, lease: datetime) -> None:
    try:
        fetch_meta_lead.enqueue(record_id, lease.isoformat())
    except Exception:  # the sweep takes the record over when its lease ends
        logger.exception("Could not enqueue the Meta lead fetch for intake record %s", record_id)


def sweep_pending_fetches() -> int:
    """Registered in firstcall/sweeps.py: re-enqueue every due fetch. Returns how many were enqueued."""
    return services.sweep_pending_fetches(enqueue_fetch)
