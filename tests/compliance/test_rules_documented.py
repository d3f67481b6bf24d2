"""docs/compliance.md lists every rule the gate and the advertising lint apply, and every state calling window,
each with its citation and the date it was checked: the same date the code stores with its decisions."""

import re
from pathlib import Path

from firstcall.compliance.engine import RULES, adlint
from firstcall.compliance.engine.windows import FEDERAL_CALLING_WINDOW, STATE_CALLING_WINDOWS

DOC = Path(__file__).resolve().parents[2] / "docs" / "compliance.md"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def table_rows(header_start: str) -> list[list[str]]:
    """The rows (cells) of the Markdown table whose header line starts with ``header_start``."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def row_for_rule(rows, rule_id):
    matches = [row for row in rows if f"`{rule_id}`" in row[0]]
    assert len(matches) == 1, f"{rule_id} is not listed once in docs/compliance.md's rules table"
    return matches[0]


def test_every_gate_rule_is_documented_with_citation_and_checked_date():
    rows = table_rows("| rule id |")
    for rule_id, rule in RULES.items():
        row = row_for_rule(rows, rule_id)
        citation, checked = row[3], row[4]
        assert citation, f"{rule_id} has no citation in the docs"
        assert checked == rule.version, f"{rule_id}: docs say {checked}, the code's version is {rule.version}"


def test_every_advertising_rule_is_documented_and_the_list_is_complete():
    source = Path(adlint.__file__).read_text(encoding="utf-8")
    emitted = set(re.findall(r'Finding\(\s*"([a-z_.]+)"', source))
    assert emitted == set(adlint.RULE_CITATIONS), "a lint finding is missing from adlint.RULE_CITATIONS"
    rows = table_rows("| rule id |")
    for rule_id in adlint.RULE_CITATIONS:
        row = row_for_rule(rows, rule_id)
        assert row[3] and row[4] == adlint.RULES_CHECKED_ON


def test_no_documented_rule_is_missing_from_the_code():
    documented = {
        rule_id
        for row in table_rows("| rule id |")
        for rule_id in re.findall(r"`([a-z_]+\.[a-z_0-9]+)`", row[0])
    }
    assert documented == set(RULES) | set(adlint.RULE_CITATIONS)


def test_every_state_window_is_documented_with_source_and_checked_date():
    rows = table_rows("| state | window")
    by_state = {}
    for row in rows:
        for code in re.findall(r"\b[A-Z]{2}\b|\bfederal\b", row[0]):
            by_state[code] = row
    assert set(by_state) == {"federal", *STATE_CALLING_WINDOWS}
    assert by_state["federal"][5] == FEDERAL_CALLING_WINDOW.checked_on.isoformat()
    for state, window in STATE_CALLING_WINDOWS.items():
        row = by_state[state]
        assert row[4], f"{state} has no source in the docs"
        assert DATE.match(row[5]) and row[5] == window.checked_on.isoformat(), state
        if window.confidence == "UNVERIFIED":
            assert "unverified" in row[3].lower(), state


def test_no_state_window_is_left_unverified():
    assert [s for s, w in STATE_CALLING_WINDOWS.items() if w.confidence == "UNVERIFIED"] == []
