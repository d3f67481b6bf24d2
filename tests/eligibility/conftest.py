"""Every eligibility test starts with an empty limits directory, so an operator's imported tables never leak in."""

import pytest


@pytest.fixture(autouse=True)
def empty_limits_directory(tmp_path, monkeypatch):
    directory = tmp_path / "limits"
    monkeypatch.setenv("FIRSTCALL_LIMITS_DIR", str(directory))
    return directory
