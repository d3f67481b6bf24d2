"""Account tests: the shared helpers re-exported for `from conftest import ...` (see the note below)."""

# pytest imports each folder's conftest.py under the one module name "conftest", so the last one imported also
# answers `from conftest import ...` in test modules elsewhere. Re-export the shared helpers they import.
from tests.conftest import drain_task_queue, make_user, only_postgres  # noqa: F401
