"""The offline reply reader: intents, opt-outs decided by the compliance rules first, times in the borrower's zone."""

import csv
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from firstcall.assistant.engine import Revocation, read_labelled, read_reply
from firstcall.assistant.engine.model import DATA_DIR, shared_model
from firstcall.assistant.engine.text import normalise
from firstcall.assistant.engine.when import callback_time, come_back_date
from firstcall.assistant.revocation import revocation_of

REPO_ROOT = Path(__file__).resolve().parents[2]
MONDAY_1PM_EASTERN = datetime.fromisoformat("2026-12-07T18:00:00+00:00")
NO_REVOCATION = Revocation(revokes=False)


def read(text: str, revocation: Revocation | None = None):
    return read_reply(
        text,
        received_at=MONDAY_1PM_EASTERN,
        time_zone="America/New_York",
        revocation=revocation if revocation is not None else revocation_of(text),
    )


def test_a_revocation_found_by_the_compliance_rules_is_never_undone_by_the_model():
    reading = read("Sounds great, call me tomorrow", Revocation(revokes=True, matched="STOP"))
    assert reading.opt_out is True
    assert reading.intent == "opt_out"


@pytest.mark.parametrize(
    "text",
    ["stop by the office tomorrow", "I can stop by the office tomorrow to meet", "can you remove the PMI on my loan?",
     "don't stop now, we're excited", "What does cancel anytime mean for the rate lock?"],
)  # fmt: skip
def test_words_that_only_look_like_stop_are_not_an_opt_out(text):
    assert read(text).opt_out is False


@pytest.mark.parametrize(
    "text", ["don't text me again", "do not contact me again", "leave me alone", "no me escriban mas", "BAJA"]
)
def test_the_model_adds_opt_outs_the_keywords_miss_and_flags_them_for_review(text):
    reading = read(text, NO_REVOCATION)
    assert reading.opt_out is True
    assert reading.needs_review is True


def test_a_wrong_number_revokes_consent_for_that_number():
    reading = read("Sorry this is David not Dan", NO_REVOCATION)
    assert reading.intent == "wrong_number"
    assert reading.opt_out is True


@pytest.mark.parametrize(
    ("text", "intent", "language"),
    [
        ("call me tomorrow after 5", "callback_request", "en"),
        ("llámame mañana en la tarde", "callback_request", "es"),
        ("maybe in the spring", "not_now", "en"),
        ("we went with another lender", "closed_elsewhere", "en"),
        ("just sent my W-2", "document_update", "en"),
        ("¿cuál es la tasa para 30 años?", "rate_question", "es"),
        ("no thanks", "not_interested", "en"),
        ("do you do FHA loans?", "question", "en"),
        ("quiero agendar una cita", "appointment_request", "es"),
        ("yes we're ready to buy!", "interested", "en"),
        ("👍", "other", "en"),
    ],
)
def test_each_intent_in_both_languages(text, intent, language):
    reading = read(text)
    assert (reading.intent, reading.language) == (intent, language)


def test_a_callback_time_is_read_in_the_borrowers_own_zone():
    reading = read_reply(
        "call me tomorrow after 5",
        received_at=MONDAY_1PM_EASTERN,
        time_zone="America/Los_Angeles",
        revocation=NO_REVOCATION,
    )
    assert reading.entities["when"] == "2026-12-08T17:00:00-08:00"


def _when_cases():
    with (DATA_DIR / "when_cases.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("case", _when_cases(), ids=lambda case: case["text"])
def test_requested_times_follow_the_documented_conventions(case):
    parse = callback_time if case["kind"] == "callback" else come_back_date
    found = parse(
        normalise(case["text"]), datetime.fromisoformat(case["received_at"]), ZoneInfo(case["time_zone"])
    )
    assert (found.strftime("%Y-%m-%dT%H:%M") if found else "") == case["expected_local"]


def test_the_held_out_replies_meet_the_targets():
    """Macro-F1 >= 0.90 over the intents and every opt-out caught, on replies the model never trained on."""
    replies = read_labelled(DATA_DIR / "replies_test.tsv") + read_labelled(DATA_DIR / "replies_hard.tsv")
    training = {reply.text for reply in read_labelled(DATA_DIR / "replies_train.tsv")}
    assert not training & {reply.text for reply in replies}, "the test split must stay apart from training"
    readings = [read(reply.text) for reply in replies]
    intents = sorted({reply.intent for reply in replies})
    f1s = []
    for intent in intents:
        hits = sum(1 for r, g in zip(replies, readings, strict=True) if r.intent == g.intent == intent)
        predicted = sum(1 for g in readings if g.intent == intent)
        actual = sum(1 for r in replies if r.intent == intent)
        precision, recall = (hits / predicted if predicted else 0), hits / actual
        f1s.append(2 * precision * recall / (precision + recall) if hits else 0)
    assert sum(f1s) / len(f1s) >= 0.90
    stops = [r.intent in ("opt_out", "wrong_number") for r in replies]
    flagged = [g.opt_out for g in readings]
    assert all(f for s, f in zip(stops, flagged, strict=True) if s), "every opt-out must be caught"
    false_stops = sum(1 for s, f in zip(stops, flagged, strict=True) if f and not s)
    assert false_stops / sum(flagged) <= 0.02


def test_corrected_labels_teach_the_model():
    text = "zzq bananas"
    before = shared_model().probabilities(normalise(text))
    taught = shared_model(
        ((text, "rate_question"), ("zzq apples", "rate_question"), ("zzq pears", "rate_question"))
    )
    assert taught.probabilities(normalise(text))["rate_question"] > before["rate_question"]


def run_cli(payload) -> subprocess.CompletedProcess:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run(
        [sys.executable, "-m", "firstcall.cli", "classify-reply", "-"],
        input=body, capture_output=True, text=True, cwd=REPO_ROOT, timeout=120, check=False,
    )  # fmt: skip


def test_classify_reply_command_prints_the_contract():
    done = run_cli({"text": "llámame mañana en la tarde", "channel": "sms", "received_at": "2026-12-07T18:00:00Z",
                    "zip": "33602"})  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    assert answer["intent"] == "callback_request"
    assert answer["language"] == "es"
    assert answer["opt_out"] is False
    assert answer["entities"]["when"] == "2026-12-08T14:00:00-05:00"
    assert 0 < answer["confidence"] <= 1


@pytest.mark.parametrize(
    "payload",
    ["not json", [], {"text": ""}, {"text": "hi", "channel": "fax"}, {"text": "hi", "received_at": "yesterday"},
     {"text": "hi", "received_at": "2026-12-07T18:00:00"}, {"text": "hi", "zip": "99999"}],
)  # fmt: skip
def test_classify_reply_refuses_a_malformed_reply_with_exit_2(payload):
    done = run_cli(payload)
    assert done.returncode == 2
    assert "error" in json.loads(done.stdout)
