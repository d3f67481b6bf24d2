"""Document reading benchmark: classification accuracy, field precision/recall/F1 and seconds per page, per
document type and per method (text-layer PDFs vs degraded scans), on the synthetic labelled corpus.

    ./run bench bench/documents.py [--quick] [--seed N]

A wrong value read with confidence >= 0.9 counts as two false positives (confident mistakes cost the most).
Seconds per page are wall-clock; CPU seconds per page (this process plus Tesseract) are printed beside them
because on a shared machine the wall clock also counts other processes' turns. Peak memory is this process's (the worker's) maximum resident set, and Tesseract's, which runs as a child.
Targets: classification >= 98 % on text PDFs and >= 95 % on scans; F1 >= 0.98 text and >= 0.90 scans;
median <= 1 s per text page and <= 5 s per scanned page; peak memory <= 600 MB per worker.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firstcall.documents.corpus.degrade import degrade  # noqa: E402
from firstcall.documents.corpus.generate import corpus  # noqa: E402
from firstcall.documents.corpus.score import f1, score_fields  # noqa: E402
from firstcall.documents.engine import read_file  # noqa: E402

QUICK_SCAN_NAMES = ("w2-summary", "paystub-adp", "bank-columns", "1099_nec")


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract): what a page costs on an idle core."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(samples, method, rng, rows, per_page):
    for sample in samples:
        data = sample.pdf
        if method == "scan":
            data, _info = degrade(sample.pdf, rng)
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        result = read_file(data).as_json(sample.name)
        elapsed = time.perf_counter() - started
        pages = max(1, result["pages"])
        per_page[method].append(elapsed / pages)
        per_page[method + "_cpu"].append((_cpu_seconds() - cpu_before) / pages)
        scored = score_fields(sample.truth, result["fields"])
        row = rows[(method, sample.document_type)]
        row["documents"] += 1
        row["classified"] += result["document_type"] == sample.document_type
        for key in ("tp", "fp", "fn", "confident_wrong"):
            row[key] += scored[key]
        if scored["wrong"] or result["document_type"] != sample.document_type:
            row["misses"].append(
                {"sample": sample.name, "type": result["document_type"], "wrong": scored["wrong"][:4]}
            )


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="under a minute: one of each layout, four scans")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    arguments = parser.parse_args(argv)
    rng = random.Random(arguments.seed)
    text_samples = corpus(1 if arguments.quick else 3, seed=arguments.seed)
    scan_samples = corpus(1, seed=arguments.seed + 1)
    if arguments.quick:
        scan_samples = [sample for sample in scan_samples if sample.name in QUICK_SCAN_NAMES]
    rows = defaultdict(
        lambda: {
            "documents": 0,
            "classified": 0,
            "tp": 0,
            "fp": 0,
            "fn": 0,
            "confident_wrong": 0,
            "misses": [],
        }
    )
    per_page = defaultdict(list)
    started = time.perf_counter()
    run(text_samples, "text", rng, rows, per_page)
    run(scan_samples, "scan", rng, rows, per_page)
    wall = time.perf_counter() - started

    print(
        f"{'method':6} {'type':20} {'docs':>4} {'class%':>7} {'prec':>6} {'recall':>6} {'F1':>6} {'conf-wrong':>10}"
    )
    totals = {}
    for method in ("text", "scan"):
        total = {"documents": 0, "classified": 0, "tp": 0, "fp": 0, "fn": 0, "confident_wrong": 0}
        for (row_method, kind), row in sorted(rows.items()):
            if row_method != method:
                continue
            precision, recall, score = f1(row["tp"], row["fp"], row["fn"])
            print(
                f"{method:6} {kind:20} {row['documents']:>4} {100 * row['classified'] / row['documents']:>6.1f}% "
                f"{precision:>6.3f} {recall:>6.3f} {score:>6.3f} {row['confident_wrong']:>10}"
            )
            for key in total:
                total[key] += row[key]
            if arguments.verbose:
                for miss in row["misses"]:
                    print("    miss:", json.dumps(miss, default=str))
        precision, recall, score = f1(total["tp"], total["fp"], total["fn"])
        totals[method] = {
            "documents": total["documents"],
            "classification_accuracy": round(total["classified"] / max(1, total["documents"]), 4),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(score, 4),
            "confident_wrong": total["confident_wrong"],
            "seconds_per_page_median": round(statistics.median(per_page[method]), 3)
            if per_page[method]
            else None,
            "seconds_per_page_p95": round(percentile(per_page[method], 0.95), 3),
            "seconds_per_page_p99": round(percentile(per_page[method], 0.99), 3),
            "pages_per_second": round(len(per_page[method]) / max(1e-9, sum(per_page[method])), 2),
            "cpu_seconds_per_page_median": round(statistics.median(per_page[method + "_cpu"]), 3)
            if per_page[method + "_cpu"]
            else None,
            "cpu_seconds_per_page_p95": round(percentile(per_page[method + "_cpu"], 0.95), 3),
        }
    worker_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tesseract_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_mb = max(worker_mb, tesseract_mb)
    for method, total in totals.items():
        print(
            f"{method}: classification {100 * total['classification_accuracy']:.1f}%, F1 {total['f1']:.3f} "
            f"(P {total['precision']:.3f} R {total['recall']:.3f}, confident-wrong {total['confident_wrong']}), "
            f"s/page median {total['seconds_per_page_median']} p95 {total['seconds_per_page_p95']} "
            f"p99 {total['seconds_per_page_p99']}, throughput {total['pages_per_second']} pages/s"
        )
    print(
        f"peak memory: worker {worker_mb:.0f} MB, tesseract {tesseract_mb:.0f} MB; wall {wall:.1f} s; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    text, scan = totals["text"], totals["scan"]
    targets = {
        "text_classification": text["classification_accuracy"] >= 0.98,
        "scan_classification": scan["classification_accuracy"] >= 0.95,
        "text_f1": text["f1"] >= 0.98,
        "scan_f1": scan["f1"] >= 0.90,
        "text_seconds_per_page": (text["seconds_per_page_median"] or 0) <= 1.0,
        "scan_seconds_per_page": (scan["seconds_per_page_median"] or 0) <= 5.0,
        "peak_memory": peak_mb <= 600,
    }
    print("targets:", ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in targets.items()))
    print(
        json.dumps(
            {
                "quick": arguments.quick,
                "text": text,
                "scan": scan,
                "peak_memory_mb": round(peak_mb, 1),
                "worker_memory_mb": round(worker_mb, 1),
                "tesseract_memory_mb": round(tesseract_mb, 1),
                "load_average": round(os.getloadavg()[0], 2),
                "wall_seconds": round(wall, 1),
                "targets": targets,
                "targets_met": all(targets.values()),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
