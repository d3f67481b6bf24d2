import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
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
                resilient_worker_class()(
                    queue_names=["*"],
                    interval=settings.WORKER_POLL_INTERVAL,
                    batch=batch,
                    backend_name="default",
                    startup_delay=False,
                    max_tasks=None,
                    worker_id=get_random_string(32),
                    excluded_queue_names=[],
                ).run()
        finally:
            stop.set()

    def _sweep_forever(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            try:
                run_sweeps()
            finally:
                close_old_connections()
            stop.wait(interval)
            time.sleep(0)
