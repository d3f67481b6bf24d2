"""Benchmark: how well and how fast the offline reply reader understands borrower replies.

    python bench/assistant.py            # the labelled test splits, timed over 20 passes
    python bench/assistant.py --quick    # the same splits, 3 passes (well under a minute)

It trains the model from the training split exactly as the product does, then reads every reply in the held-out
splits (kept apart from training; `replies_test.tsv` and the harder `replies_hard.tsv` with typos, emoji and slang)
and reports macro-F1 over the intents, opt-out recall and precision, callback/come-back time accuracy
(`when_cases.tsv`), and time per message on one core (median, p99, throughput). The baseline measured in the same
run is the keyword revocation rules alone for opt-outs and the model alone (no phrasing rules) for intents.
Targets: macro-F1 >= 0.90, opt-out recall 100 % and precision >= 98 %, times >= 90 %, median < 20 ms.
The last line is one JSON object.
"""

import argparse
import csv
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import percentile, print_result, say  # noqa: E402
from firstcall.assistant.engine import INTENTS, read_labelled, read_reply  # noqa: E402
from firstcall.assistant.engine.model import DATA_DIR, shared_model  # noqa: E402
from firstcall.assistant.engine.text import normalise  # noqa: E402
from firstcall.assistant.engine.when import callback_time, come_back_date  # noqa: E402
from firstcall.assistant.revocation import revocation_of  # noqa: E402

RECEIVED_AT = datetime.fromisoformat("2026-12-07T18:00:00+00:00")
ZONE = "America/New_York"


def macro_f1(truth: list[str], guessed: list[str]) -> tuple[float, dict[str, float]]:
    per_intent = {}
    for intent in INTENTS:
        true_positive = sum(1 for t, g in zip(truth, guessed, strict=True) if t == g == intent)
        predicted = sum(1 for g in guessed if g == intent)
        actual = sum(1 for t in truth if t == intent)
        if not actual and not predicted:
            continue
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        per_intent[intent] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return statistics.mean(per_intent.values()), per_intent


def opt_out_scores(truth: list[str], flagged: list[bool]) -> tuple[float, float]:
    actual = [t == "opt_out" for t in truth]
    hits = sum(1 for a, f in zip(actual, flagged, strict=True) if a and f)
    recall = hits / sum(actual) if any(actual) else 1.0
    precision = hits / sum(flagged) if any(flagged) else 1.0
    return recall, precision


def time_accuracy() -> tuple[int, int, list[str]]:
    right, misses = 0, []
    with (DATA_DIR / "when_cases.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        parse = callback_time if row["kind"] == "callback" else come_back_date
        found = parse(
            normalise(row["text"]), datetime.fromisoformat(row["received_at"]), ZoneInfo(row["time_zone"])
        )
        text = found.strftime("%Y-%m-%dT%H:%M") if found else ""
        if text == row["expected_local"]:
            right += 1
        else:
            misses.append(
                f"{row['text']!r}: expected {row['expected_local'] or 'none'}, read {text or 'none'}"
            )
    return right, len(rows), misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    passes = 3 if arguments.quick else 20
    say(f"load average {os.getloadavg()[0]:.2f} (1 min)")

    started = time.perf_counter()
    model = shared_model()
    training_seconds = time.perf_counter() - started
    replies = read_labelled(DATA_DIR / "replies_test.tsv") + read_labelled(DATA_DIR / "replies_hard.tsv")
    truth = [reply.intent for reply in replies]

    readings = [
        read_reply(
            r.text, received_at=RECEIVED_AT, time_zone=ZONE, revocation=revocation_of(r.text), model=model
        )
        for r in replies
    ]
    guessed = [reading.intent for reading in readings]
    f1, per_intent = macro_f1(truth, guessed)
    recall, precision = opt_out_scores(
        ["opt_out" if t in ("opt_out", "wrong_number") else t for t in truth],
        [reading.opt_out for reading in readings],
    )
    language_right = sum(
        1 for reading, r in zip(readings, replies, strict=True) if reading.language == r.language
    )

    model_alone = [max(p := model.probabilities(normalise(r.text)), key=p.get) for r in replies]
    baseline_f1, _ = macro_f1(truth, model_alone)
    keywords_recall, keywords_precision = opt_out_scores(
        ["opt_out" if t in ("opt_out", "wrong_number") else t for t in truth],
        [revocation_of(r.text).revokes for r in replies],
    )
    times_right, times_total, time_misses = time_accuracy()

    durations = []
    for _ in range(passes):
        for reply in replies:
            begin = time.perf_counter()
            read_reply(
                reply.text,
                received_at=RECEIVED_AT,
                time_zone=ZONE,
                revocation=revocation_of(reply.text),
                model=model,
            )
            durations.append((time.perf_counter() - begin) * 1000)
    median_ms = statistics.median(durations)
    p99_ms = percentile(durations, 0.99)
    throughput = len(durations) / (sum(durations) / 1000)

    for reply, reading in zip(replies, readings, strict=True):
        if reading.intent != reply.intent:
            say(f"  miss: {reply.intent} read as {reading.intent} ({reading.confidence:.2f}): {reply.text}")
    for miss in time_misses:
        say(f"  time miss: {miss}")
    say(f"replies {len(replies)}; macro-F1 {f1:.3f} (model alone {baseline_f1:.3f})")
    say(f"opt-out (incl. wrong number) recall {recall:.3f}, precision {precision:.3f} "
        f"(keyword rules alone: recall {keywords_recall:.3f}, precision {keywords_precision:.3f})")  # fmt: skip
    say(f"times read right {times_right}/{times_total}; language right {language_right}/{len(replies)}")
    say(
        f"per message: median {median_ms:.2f} ms, p99 {p99_ms:.2f} ms, {throughput:.0f} messages/s on one core"
    )
    print_result(
        {
            "benchmark": "assistant",
            "replies": len(replies),
            "macro_f1": round(f1, 4),
            "macro_f1_model_alone": round(baseline_f1, 4),
            "f1_ratio_vs_model_alone": round(f1 / baseline_f1, 3) if baseline_f1 else None,
            "per_intent_f1": {intent: round(value, 3) for intent, value in per_intent.items()},
            "opt_out_recall": round(recall, 4),
            "opt_out_precision": round(precision, 4),
            "keyword_rules_opt_out_recall": round(keywords_recall, 4),
            "time_accuracy": round(times_right / times_total, 4),
            "language_accuracy": round(language_right / len(replies), 4),
            "median_ms": round(median_ms, 3),
            "p99_ms": round(p99_ms, 3),
            "throughput_per_s": round(throughput, 1),
            "training_seconds": round(training_seconds, 3),
            "load_average": round(os.getloadavg()[0], 2),
            "targets_met": f1 >= 0.90
            and recall == 1.0
            and precision >= 0.98
            and times_right / times_total >= 0.9
            and median_ms < 20,
        }
    )


if __name__ == "__main__":
    main()
