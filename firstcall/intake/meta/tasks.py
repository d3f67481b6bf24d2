"""Background work for Meta leads: the Graph fetch (enqueued on commit by the webhook and by the sweep)."""

from datetime import datetime

from django_tasks import task

from firstcall.intake.meta import services


@task()
def fetch_meta_lead(record_id: int, lease: str) -> str:
    """Fetch and capture one leadgen. Safe to run twice or late: only the holder of the lease proceeds."""
    return services.process_fetch(record_id, lease=datetime.fromisoformat(lease))


def sweep_pending_fetches() -> int:
    """Registered in firstcall/sweeps.py: re-enqueue every due fetch. Returns how many were enqueued."""
    return services.sweep_pending_fetches()
