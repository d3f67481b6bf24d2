"""Real-browser tests: the production server, started as `firstcall serve`, driven by Debian's Chromium.

- `server_url` (session): runs `python -m firstcall.cli serve` (gunicorn with 2 web processes and 1 task
  worker) against the TEST database and yields its base URL. Tests that use it must be marked
  `@pytest.mark.django_db(transaction=True)`, so what they create is committed and the server sees it.
- `browser` (session): one headless Chromium for the whole run, through Playwright for Python.
- `page` / `phone_page`: a fresh browser context per test (own cookies), desktop or 375×812.
- `browser_helpers.screenshot(page, name)`: saves test-output/screenshots/<name>.png.

Every test in this folder is marked `browser` and is skipped, with the reason, when /usr/bin/chromium or
Playwright is missing (`./run test` installs Chromium when it runs as root). Browser tests run after all other
tests: Playwright's sync API keeps an asyncio loop running in the main thread, which Django would otherwise
take for an async context (so DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser is open).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

# pytest imports each folder's conftest.py under the one module name "conftest", so the last one imported also
# answers `from conftest import ...` in test modules elsewhere. Re-export the shared helpers they import.
from tests.conftest import drain_task_queue, make_user, only_postgres  # noqa: E402, F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output"
BROWSER_DIR = Path(__file__).resolve().parent
SERVER_START_SECONDS = int(os.environ.get("FIRSTCALL_BROWSER_SERVER_START_SECONDS", "180"))
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


def why_no_browser() -> str | None:
    if not CHROMIUM.exists():
        return "no Chromium at /usr/bin/chromium (apt-get install -y chromium; ./run test does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = why_no_browser()
    if reason and os.environ.get("FIRSTCALL_REQUIRE_BROWSER") == "1":
        # CI sets this: there a missing browser is a failure, never a quiet skip of the UI tests.
        raise pytest.UsageError(f"browser tests cannot run: {reason}")
    browser_items, other_items = [], []
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
            browser_items.append(item)
        else:
            other_items.append(item)
    items[:] = other_items + browser_items


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    """The URL of the database pytest-django created, for the server process to use."""
    database = settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"]:
        # pytest-django's SQLite test database is a file (settings: DATABASES["default"]["TEST"]["NAME"]).
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database.get("USER") or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{database['NAME']}"


def _wait_until_ready(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"firstcall serve exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"firstcall serve not ready after {SERVER_START_SECONDS}s:\n{log_path.read_text()[-3000:]}"
    )


def _stop(process: subprocess.Popen) -> None:
    # The server runs in its own process group (start_new_session), so its gunicorn and worker children
    # are stopped with it, and nothing else is touched.
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def server_url(django_db_setup, tmp_path_factory):
    """Start the production server on a free port against the test database; yield its base URL."""
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    OUTPUT.mkdir(exist_ok=True)
    log_path = OUTPUT / "browser-server.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "DATABASE_URL": _test_database_url(),
        # Same keys as this process: sessions, CSRF tokens and encrypted fields must agree both ways.
        "FIRSTCALL_SECRET_KEY": settings.SECRET_KEY,
        "FIRSTCALL_FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY or "",
        "FIRSTCALL_DATA_DIR": str(tmp_path_factory.mktemp("server-data")),
        "FIRSTCALL_SITE_URL": base_url,
        "FIRSTCALL_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIRSTCALL_TASK_BACKEND": "database",
        "FIRSTCALL_EMAIL_PROVIDER": "demo",
        "FIRSTCALL_SMS_PROVIDER": "demo",
        "FIRSTCALL_SECURE_COOKIES": "0",
        # Users made by test fixtures have fast (MD5) hashes (tests/conftest.py); the server must accept them.
        "FIRSTCALL_TEST_FAST_HASHER": "1",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "firstcall.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--web-workers",
        "2",
        "--quiet",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - our interpreter and our module
            command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_ready(base_url, process, log_path)
        yield base_url
    finally:
        _stop(process)


FLUSH_ATTEMPTS = 5


@pytest.fixture(scope="session", autouse=True)
def _flush_beside_a_running_server():
    """Each browser test empties the tables afterwards (TRUNCATE on PostgreSQL) while the server's worker and
    sweeps keep reading them; PostgreSQL may then end the TRUNCATE as a deadlock victim. The flush is simply
    tried again once the server's transaction has finished."""
    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, **options):
        for attempt in range(1, FLUSH_ATTEMPTS + 1):
            try:
                return original(self, **options)
            except CommandError as error:  # it wraps the database's error, which says why
                if "deadlock" not in str(error.__cause__).lower() or attempt == FLUSH_ATTEMPTS:
                    raise
                time.sleep(0.2 * attempt)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(scope="session")
def browser():
    reason = why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _new_page(browser, server_url, viewport, **options):
    # The pages' Content-Security-Policy forbids eval; Playwright's own polling helpers (wait_for_function)
    # evaluate their predicates with it, so the test browser lets the test's scripts past the policy. The policy
    # itself is checked on every page by tests/accounts/test_security_headers.py.
    context = browser.new_context(base_url=server_url, viewport=viewport, bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def page(browser, server_url):
    context, new_page = _new_page(browser, server_url, DESKTOP)
    yield new_page
    context.close()


@pytest.fixture
def phone_page(browser, server_url):
    context, new_page = _new_page(
        browser, server_url, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield new_page
    context.close()
