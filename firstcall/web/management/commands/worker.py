import contextlib
import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from django.utils.crypto import get_random_string

from firstcall.sweeps import run_sweeps

logger = logging.getLogger(__name__)


def resilient_worker_class():
    """django-tasks-db's worker, except that a task whose queue row disappears while it runs (purged by an
    operator, or a test database emptied under a running server) is logged and skipped: the worker records a
    result by updating that row, and without it the update fails and the whole worker process would exit."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    class ResilientWorker(Worker):
        def run_task(self, db_task_result) -> None:
            try:
                super().run_task(db_task_result)
            except DatabaseError:
                if DBTaskResult.objects.filter(pk=db_task_result.pk).exists():
                    raise
                logger.warning("Task %s was removed from the queue while it ran; its result is not kept",
                               db_task_result.pk)  # fmt: skip
            finally:
                self.running_task = False

    return ResilientWorker


# Waits before the task loop tries the database again after losing it (a restart, a failover); the last repeats.
RECONNECT_DELAYS_SECONDS = (0.5, 1, 2, 5)


class Command(BaseCommand):
    help = "Run a background worker: executes queued tasks and sweeps overdue work (retries, SLA, cadences)."

    def add_arguments(self, parser):
        parser.add_argument("--sweep-interval", type=float, default=5.0, help="Seconds between sweeps")
        parser.add_argument("--no-sweep", action="store_true", help="Only execute tasks")
        parser.add_argument("--batch", action="store_true", help="Exit when the queue is empty (for scripts)")

    def handle(self, *args, sweep_interval: float, no_sweep: bool, batch: bool, **options):
        stop = threading.Event()
        if not no_sweep:
            threading.Thread(target=self._sweep_forever, args=(stop, sweep_interval), daemon=True).start()
        try:
            if settings.TASK_BACKEND == "rq":
                call_command("rqworker", "default", burst=batch)
            else:
                self._run_database_worker(batch)
        finally:
            stop.set()

    def _run_database_worker(self, batch: bool) -> None:
        """The database task loop, resumed when the database goes away and comes back: a restarted PostgreSQL
        must not stop the worker (and `firstcall serve` with it). A task cut off mid-run is not lost: what it
        was doing is recorded in the domain tables, and the sweeps resume it (a text left "sending" is
        retried with its idempotency key once its lease runs out)."""
        worker_class = resilient_worker_class()
        failures, last_failure = 0, 0.0
        while True:
            worker = worker_class(
                queue_names=["*"],
                interval=settings.WORKER_POLL_INTERVAL,
                batch=batch,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=get_random_string(32),
                excluded_queue_names=[],
            )
            try:
                worker.run()
                return
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - last_failure > 60:
                    failures = 0  # a new outage starts with the short wait again
                delay = RECONNECT_DELAYS_SECONDS[min(failures, len(RECONNECT_DELAYS_SECONDS) - 1)]
                failures, last_failure = failures + 1, time.monotonic()
                logger.warning("Task worker lost the database (%s); retrying in %s s", error, delay)
                with contextlib.suppress(DatabaseError):
                    connections.close_all()
                time.sleep(delay)

    def _sweep_forever(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                run_sweeps()
            finally:
                close_old_connections()
            stop.wait(interval)
            time.sleep(0)
