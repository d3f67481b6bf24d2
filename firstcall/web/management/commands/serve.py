import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

RESTART_LIMIT = 5  # worker restarts within a minute before serve gives up and stops


class Command(BaseCommand):
    help = "Run the production web server (gunicorn) together with background workers."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("FIRSTCALL_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("FIRSTCALL_PORT", "8000")))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("FIRSTCALL_WEB_WORKERS", "3"))
        )
        parser.add_argument("--threads", type=int, default=int(os.environ.get("FIRSTCALL_WEB_THREADS", "4")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("FIRSTCALL_WORKERS", "1")),
                            help="Background task workers to start beside the web server (0 for none)")  # fmt: skip
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, host, port, web_workers, threads, workers, quiet, **options):
        children: list[subprocess.Popen] = []
        web = [
            sys.executable, "-m", "gunicorn", "firstcall.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", str(threads),
            "--worker-class", "gthread", "--timeout", "60", "--graceful-timeout", "10",
            "--error-logfile", "-", "--log-level", "warning",
        ]  # fmt: skip
        children.append(subprocess.Popen(web))  # noqa: S603 - our own interpreter and module
        worker = [sys.executable, "-m", "firstcall.cli", "worker"]
        for _ in range(workers):
            children.append(subprocess.Popen(worker))  # noqa: S603
        if not quiet:
            self.stdout.write(f"FirstCall is serving on http://{host}:{port}/ with {workers} worker(s).")

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        stopping = False

        def stop_all(signum=None, frame=None):
            nonlocal stopping
            stopping = True
            stop(signum, frame)

        signal.signal(signal.SIGTERM, stop_all)
        signal.signal(signal.SIGINT, stop_all)
        restarts: list[float] = []
        try:
            # The web server dying stops everything. A worker dying is restarted, as a supervisor would; only a
            # worker that keeps dying (RESTART_LIMIT times within a minute) stops everything, because a web server
            # without a worker would silently queue forever.
            while not stopping:
                for index, child in enumerate(children):
                    try:
                        child.wait(timeout=0.5)
                    except subprocess.TimeoutExpired:
                        continue
                    now = time.monotonic()
                    restarts[:] = [moment for moment in restarts if now - moment < 60]
                    if stopping or index == 0 or len(restarts) >= RESTART_LIMIT:
                        stop_all()
                        break
                    restarts.append(now)
                    self.stderr.write(f"A worker exited with {child.returncode}; starting another.")
                    children[index] = subprocess.Popen(worker)  # noqa: S603
            for other in children:
                try:
                    other.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    other.kill()
        except KeyboardInterrupt:
            stop(None, None)
