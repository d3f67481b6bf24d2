import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


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
        for _ in range(workers):
            worker = [sys.executable, "-m", "firstcall.cli", "worker"]
            children.append(subprocess.Popen(worker))  # noqa: S603
        if not quiet:
            self.stdout.write(f"FirstCall is serving on http://{host}:{port}/ with {workers} worker(s).")

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            # If any child dies, stop them all: a web server without its worker would silently queue forever.
            while True:
                for child in children:
                    try:
                        child.wait(timeout=0.5)
                    except subprocess.TimeoutExpired:
                        continue
                    stop(None, None)
                    for other in children:
                        try:
                            other.wait(timeout=15)
                        except subprocess.TimeoutExpired:
                            other.kill()
                    return
        except KeyboardInterrupt:
            stop(None, None)
