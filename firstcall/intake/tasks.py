"""Background capture of JSON API requests accepted with `Prefer: respond-async` (see intake/deferred.py)."""

from datetime import datetime

from django_tasks import task

from firstcall.intake import deferred


@task(priority=40)  # a lead accepted with 202 is captured before other background work, after messages
def capture_deferred(record_id: int, lease: str) -> str:
    """Capture one accepted request. Safe to run twice or late: only the holder of the lease proceeds."""
    return deferred.process(record_id, lease=datetime.fromisoformat(lease))


def enqueue_capture(record_id: int, lease: str) -> None:
    capture_deferred.enqueue(record_id, lease)


def sweep_deferred_captures() -> int:
    """Registered in firstcall/sweeps.py: re-enqueue every deferred capture whose lease has ended."""
    return deferred.sweep(enqueue_capture)
