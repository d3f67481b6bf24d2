"""`firstcall gate -` and `firstcall optout-check -` through the real command in a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TAMPA = "+18135550142"


def run(*args: str, stdin: str) -> tuple[int, dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "firstcall.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1, (completed.stdout, completed.stderr[-2000:])
    return completed.returncode, json.loads(lines[0])


def touch(**changes) -> str:
    data = {
        "channel": "sms",
        "kind": "marketing",
        "to": TAMPA,
        "zip": "33602",
        "state": "FL",
        "at": "2026-07-14T16:00:00Z",
        "consent": [
            {"channel": "sms", "address": TAMPA, "given_at": "2026-01-05T15:00:00Z", "revoked_at": None}
        ],
        "touches_last_24h": [],
        "dnc": {"internal": False, "national": False, "ebr_until": None},
    }
    data.update(changes)
    return json.dumps(data)


def test_gate_allows_with_reasons():
    code, result = run("gate", "-", stdin=touch())
    assert code == 0
    assert set(result) == {"decision", "until", "reasons"}
    assert result["decision"] == "allow" and result["until"] is None
    assert all(set(reason) == {"rule", "citation", "detail"} for reason in result["reasons"])
    assert [reason["rule"] for reason in result["reasons"]][:2] == ["consent.sms", "dnc.national"]


def test_gate_holds_until_the_florida_window_opens():
    code, result = run("gate", "-", stdin=touch(at="2026-07-15T00:30:00Z"))  # 20:30 EDT
    assert code == 0
    assert result == {
        "decision": "hold",
        "until": "2026-07-15T12:00:00Z",
        "reasons": result["reasons"],
    }
    assert "FL 08:00-20:00" in result["reasons"][0]["detail"]


def test_gate_counts_calls_and_texts_together_in_florida():
    past = [
        {"channel": "call", "at": "2026-07-14T13:00:00Z"},
        {"channel": "sms", "at": "2026-07-14T14:00:00Z"},
    ]
    past.append({"channel": "call", "at": "2026-07-14T15:00:00Z"})
    call_consent = [{"channel": "call", "address": TAMPA, "given_at": "2026-01-05T15:00:00Z"}]
    code, result = run("gate", "-", stdin=touch(channel="call", consent=call_consent, touches_last_24h=past))
    assert code == 0 and result["decision"] == "hold" and result["until"] == "2026-07-15T13:00:00Z"
    assert result["reasons"][0]["rule"] == "cap.state_24h"


def test_gate_refuses_national_dnc_after_the_relationship_ended():
    dnc = {"internal": False, "national": True, "ebr_until": "2026-07-01"}
    code, result = run("gate", "-", stdin=touch(dnc=dnc))
    assert code == 0 and result["decision"] == "refuse"
    assert result["reasons"][0]["rule"] == "dnc.national"
    assert "2026-07-01" in result["reasons"][0]["detail"]
    dnc["ebr_until"] = "2026-08-01"
    assert run("gate", "-", stdin=touch(dnc=dnc))[1]["decision"] == "allow"


def test_gate_refuses_a_malformed_number_with_a_reason():
    code, result = run("gate", "-", stdin=touch(to="813-555"))
    assert code == 0 and result["decision"] == "refuse"
    assert result["reasons"][0]["rule"] == "address.phone"


def test_gate_refuses_without_consent_for_that_number():
    other = [{"channel": "sms", "address": "+18135550199", "given_at": "2026-01-05T15:00:00Z"}]
    code, result = run("gate", "-", stdin=touch(consent=other))
    assert code == 0 and result["decision"] == "refuse"


@pytest.mark.parametrize(
    "stdin",
    [
        "",
        "not json",
        "[]",
        touch(channel="fax"),
        touch(at="2026-07-14 16:00"),
        touch(consent=[{"channel": "sms"}]),
        json.dumps({"channel": "sms", "kind": "marketing"}),
    ],
)
def test_gate_malformed_touch_exits_2_with_an_error(stdin):
    code, result = run("gate", "-", stdin=stdin)
    assert code == 2
    assert set(result) == {"error"} and result["error"]


def test_gate_without_an_argument_is_a_usage_error():
    code, result = run("gate", stdin="")
    assert code == 2 and "usage" in result["error"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", {"revokes": True, "matched": "STOP", "language": "en", "needs_review": False}),
        ("Cancelar", {"revokes": True, "matched": "CANCELAR", "language": "es", "needs_review": False}),
        (
            "stop by the office tomorrow",
            {"revokes": False, "matched": "", "language": "en", "needs_review": False},
        ),
        (
            "Not interested. STOP",
            {"revokes": True, "matched": "STOP", "language": "en", "needs_review": True},
        ),
        (
            "not interested",
            {"revokes": False, "matched": "not interested", "language": "en", "needs_review": True},
        ),
    ],
)
def test_optout_check_contract(text, expected):
    code, result = run("optout-check", "-", stdin=text)
    assert code == 0 and result == expected


def test_optout_check_reads_spanish_free_text_and_json():
    code, result = run("optout-check", "-", stdin="no me envíes más 🙏\n")
    assert code == 0 and result["revokes"] is True and result["language"] == "es"
    code, result = run("optout-check", "-", stdin=json.dumps({"text": "take me off your list"}))
    assert code == 0 and result["revokes"] is True and result["language"] == "en"


def test_optout_check_json_without_text_exits_2():
    code, result = run("optout-check", "-", stdin=json.dumps({"body": 1}))
    assert code == 2 and set(result) == {"error"}
