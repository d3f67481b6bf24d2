"""Every test that starts FirstCall in a subprocess must run this checkout's code, not an installed copy: a
fresh clone beside another working tree would otherwise test the other tree."""

import subprocess
import sys

from tests.conftest import REPO_ROOT, own_code_env


def test_a_subprocess_started_like_the_tests_do_imports_this_checkout():
    completed = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "import firstcall; print(firstcall.__file__)"],
        cwd="/", env=own_code_env(), capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert completed.stdout.strip().startswith(str(REPO_ROOT / "firstcall"))
