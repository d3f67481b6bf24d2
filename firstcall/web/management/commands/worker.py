import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from firstcall.sweeps import run_sweeps


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
                from django_tasks_db.management.commands.db_worker import Worker

                Worker(
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
