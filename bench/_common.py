"""Shared helpers for the benchmark scripts: the real server as a subprocess, databases, percentiles, output.

Every benchmark runs the product the way an operator would (`firstcall serve`, `firstcall migrate`, ...)
in a fresh data directory, so numbers measure FirstCall and not a test harness. Nothing here imports Django:
the scripts stay free to configure Django differently per database in subprocesses.
"""

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/firstcall_bench"


# --- output -------------------------------------------------------------------------------------------------


def setup_django() -> None:
    """For a benchmark's in-process phase: FirstCall's settings, from the environment the phase was started
    with (its own database and data directory)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firstcall.settings")
    import django

    django.setup()


def say(message: str = "") -> None:
    """Human-readable progress goes to stdout before the final JSON line (flushed: runs are watched live)."""
    print(message, flush=True)


def print_result(result: dict) -> None:
    """The last line of every benchmark: one JSON object, for scripts and checks to parse."""
    print(json.dumps(result, sort_keys=False, default=str), flush=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear-interpolated percentile (fraction in 0..1) of unsorted values; NaN for an empty list."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return ordered[lower]
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def latency_summary(latencies_seconds: Sequence[float]) -> dict:
    """p50/p95/p99/max in milliseconds, rounded for reading."""
    return {
        "p50_ms": round(percentile(latencies_seconds, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies_seconds, 0.95) * 1000, 2),
        "p99_ms": round(percentile(latencies_seconds, 0.99) * 1000, 2),
        "max_ms": round(max(latencies_seconds) * 1000, 2) if latencies_seconds else math.nan,
    }


@contextlib.contextmanager
def stopwatch() -> Iterator[dict]:
    """`with stopwatch() as elapsed: ...` then elapsed["seconds"]."""
    holder = {"seconds": 0.0}
    started = time.perf_counter()
    try:
        yield holder
    finally:
        holder["seconds"] = time.perf_counter() - started


# --- running the product ------------------------------------------------------------------------------------


def firstcall_command() -> list[str]:
    """This checkout's FirstCall, run by this interpreter (with cwd=REPO_ROOT and REPO_ROOT first on
    PYTHONPATH, see product_env): never an installed `firstcall` script, which may belong to another copy."""
    return [sys.executable, "-m", "firstcall.cli"]


def product_env(database_url: str | None, data_dir: Path, **extra: str) -> dict:
    """Environment for a product process: a database, a data directory, and nothing inherited that could leak
    another database in (DATABASE_URL is removed when None so SQLite in data_dir is used)."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["FIRSTCALL_DATA_DIR"] = str(data_dir)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO_ROOT), *([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])]
    )
    env.setdefault("FIRSTCALL_LOG_LEVEL", "WARNING")
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_firstcall(args: Sequence[str], env: dict, *, timeout: float = 300) -> str:
    """Run `firstcall <args>` to completion and return its stdout; raise with its stderr on failure."""
    completed = subprocess.run(  # noqa: S603 - our own console script
        [*firstcall_command(), *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"firstcall {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return completed.stdout


def run_python(args: Sequence[str], env: dict, *, timeout: float = 900) -> str:
    """Run a Python script with this interpreter (e.g. a benchmark's in-process phase in its own Django)."""
    completed = subprocess.run(  # noqa: S603
        [sys.executable, *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}")
    return completed.stdout


def run_python_parallel(jobs: Sequence[tuple[Sequence[str], dict]], *, timeout: float = 900) -> list[str]:
    """Run several (args, env) Python scripts at once (set-up steps); return their stdouts in order."""
    processes = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args, env in jobs
    ]
    outputs = []
    for (args, _env), process in zip(jobs, processes, strict=True):
        stdout, stderr = process.communicate(timeout=timeout)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({process.returncode}):\n{stderr[-3000:]}")
        outputs.append(stdout)
    return outputs


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """`firstcall serve` in its own process group, so stopping it stops gunicorn and the workers too."""

    process: subprocess.Popen
    base_url: str
    log_path: Path
    extra: dict = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGTERM to `firstcall serve` makes it stop its own children; the group kill is the backstop.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def log_tail(self, characters: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""


@contextlib.contextmanager
def serving(
    env: dict, *, serve_args: Sequence[str] = (), ready_path: str = "/login/", ready_timeout: float = 60
) -> Iterator[Server]:
    """Run `firstcall serve --host 127.0.0.1 --port <free>` with env until the block ends."""
    port = free_port()
    log_path = Path(env["FIRSTCALL_DATA_DIR"]) / f"serve-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603
        [*firstcall_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *serve_args],
        env=env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        wait_until_ready(server, ready_path, ready_timeout)
        yield server
    finally:
        server.stop()
        log.close()


def wait_until_ready(server: Server, path: str, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"firstcall serve exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            response = httpx.get(server.base_url + path, timeout=2)
            if response.status_code < 500:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            last_error = str(error)
        time.sleep(0.1)
    raise RuntimeError(
        f"firstcall serve did not answer {path} within {timeout}s ({last_error}):\n{server.log_tail()}"
    )


def start_worker(env: dict, log_path: Path, *args: str) -> subprocess.Popen:
    """One `firstcall worker` (task worker and periodic sweeps) in its own process group, logging to log_path."""
    with log_path.open("a") as log:  # the child keeps its own copy of the file descriptor
        return subprocess.Popen(  # noqa: S603 - our own console script
            [*firstcall_command(), "worker", *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM to the process group, SIGKILL after 15 s."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def provider_sends(
    create_requests: Sequence[dict],
) -> tuple[dict[str, int], dict[str, int], dict[str, float]]:
    """From the SMS stand-in's recorded create-message requests (as dicts): texts the provider created per
    number (a repeated idempotency key creates nothing), calls per number, and each number's first arrival
    (wall clock)."""
    created: dict[str, int] = {}
    calls: dict[str, int] = {}
    first_arrival: dict[str, float] = {}
    for request in create_requests:
        to = request["form"].get("To", "")
        calls[to] = calls.get(to, 0) + 1
        if request["status"] == 201 and not request["is_duplicate"]:
            created[to] = created.get(to, 0) + 1
            first_arrival[to] = min(first_arrival.get(to, request["wall"]), request["wall"])
    return created, calls, first_arrival


@contextlib.contextmanager
def data_directory(prefix: str = "firstcall-bench-") -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------------------------


def postgres_url_for_run(label: str) -> str:
    """The database this run creates and drops: BENCH_POSTGRES_URL (default DEFAULT_POSTGRES_URL) names the
    server, the user and a base name; the run appends its label and process id, so two benchmarks running
    at once (or a crashed run's leftovers) can never drop each other's database."""
    parts = urlsplit(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    base = parts.path.lstrip("/") or "firstcall_bench"
    return urlunsplit(parts._replace(path=f"/{base}_{label}_{os.getpid()}"))


def _maintenance_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise ValueError(f"No database name in {database_url!r}")
    return urlunsplit(parts._replace(path="/postgres", scheme="postgresql")), name


def recreate_postgres_database(database_url: str) -> None:
    """Drop (forcefully) and create the benchmark database named in database_url."""
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance_url(database_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(database_url: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance_url(database_url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def postgres_available(database_url: str) -> str | None:
    """None when the server answers, else why not (so a run can report instead of crash)."""
    import psycopg

    maintenance, _name = _maintenance_url(database_url)
    try:
        with psycopg.connect(maintenance, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
