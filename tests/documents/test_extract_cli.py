"""`firstcall extract`: the JSON contract scripts rely on."""

import json
import subprocess
import sys
from pathlib import Path

from firstcall.documents.corpus.generate import one

REPO = Path(__file__).resolve().parents[2]


def _extract(*paths):
    return subprocess.run(
        [sys.executable, "-m", "firstcall.cli", "extract", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_extract_prints_one_json_object_per_file_with_the_documented_shape(tmp_path):
    w2 = tmp_path / "w2.pdf"
    w2.write_bytes(one("w2", 0, seed=5).pdf)
    stub = tmp_path / "stub.pdf"
    stub.write_bytes(one("paystub", 0, seed=5).pdf)
    completed = _extract(w2, stub)
    assert completed.returncode == 0, completed.stderr
    first, second = (json.loads(line) for line in completed.stdout.splitlines())
    assert {"file", "document_type", "type_confidence", "pages", "fields", "checks"} <= set(first)
    assert first["document_type"] == "w2" and second["document_type"] == "paystub"
    wages = first["fields"]["w2.box1_wages"]
    assert set(wages) == {"value", "confidence", "page", "bbox", "method"}
    assert isinstance(wages["value"], str) and "." in wages["value"]  # money as a decimal string
    assert second["fields"]["paystub.pay_date"]["value"].count("-") == 2  # dates ISO
    assert all(set(check) == {"name", "passed", "detail"} for check in first["checks"])


def test_extract_exits_2_with_an_error_for_a_file_it_cannot_read(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    good = tmp_path / "w2.pdf"
    good.write_bytes(one("w2", 1, seed=6).pdf)
    completed = _extract(good, empty)
    assert completed.returncode == 2
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert lines[0]["document_type"] == "w2"
    assert lines[1]["error"] == "The file is empty (0 bytes)." and lines[1]["file"] == str(empty)
