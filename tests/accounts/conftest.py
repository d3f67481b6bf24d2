"""Account tests run against the wiring the project uses: accounts URLs first and the session middleware on.

Until firstcall/urls.py and settings.MIDDLEWARE carry them, the fixture below adds them for these tests only.
"""

import pytest
from django.urls import resolve

from firstcall.accounts.views import sign_in

# pytest imports each folder's conftest.py under the one module name "conftest", so the last one imported also
# answers `from conftest import ...` in test modules elsewhere. Re-export the shared helpers they import.
from tests.conftest import drain_task_queue, make_user, only_postgres  # noqa: E402, F401

SECURITY_MIDDLEWARE = [
    "firstcall.accounts.middleware.IdleTimeoutMiddleware",
    "firstcall.accounts.middleware.TwoFactorRequiredMiddleware",
]


@pytest.fixture(autouse=True)
def _accounts_wired(settings):
    if resolve("/login/").func is not sign_in:
        settings.ROOT_URLCONF = "tests.accounts.urls"
    missing = [name for name in SECURITY_MIDDLEWARE if name not in settings.MIDDLEWARE]
    if missing:
        middleware = list(settings.MIDDLEWARE)
        position = middleware.index("django.contrib.messages.middleware.MessageMiddleware") + 1
        settings.MIDDLEWARE = middleware[:position] + missing + middleware[position:]
