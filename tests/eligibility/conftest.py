"""Every eligibility test starts with an empty limits directory, so an operator's imported tables never leak in."""

import pytest

from firstcall.eligibility.engine.limit_tables import forget


@pytest.fixture(autouse=True)
def empty_limits_directory(tmp_path, monkeypatch):
    directory = tmp_path / "limits"
    monkeypatch.setenv("FIRSTCALL_LIMITS_DIR", str(directory))
    forget()  # tables are looked up again at most once a second; a new test must not see the last one's
    yield directory
    forget()
