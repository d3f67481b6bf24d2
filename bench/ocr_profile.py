"""Where a scanned page's time goes, and what each OCR setting costs in accuracy: the degraded-scan half of the
document corpus read under several settings (page rendering resolution, the longest side an image is shrunk
to, Tesseract's page segmentation mode and engine, binarising before OCR).

    nice python bench/ocr_profile.py [--variants baseline,psm11,...] [--seed N]

CPU seconds per page (this process plus Tesseract) are the cost on a free core; wall seconds depend on the
machine's load, printed beside them. Ends with one JSON line.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firstcall.documents.corpus.degrade import degrade  # noqa: E402
from firstcall.documents.corpus.generate import corpus  # noqa: E402
from firstcall.documents.corpus.score import f1, score_fields  # noqa: E402
from firstcall.documents.engine import ocr, read_file, reader  # noqa: E402

BASELINE = {"dpi": 200, "max_side": 2600, "psm": "3", "oem": None, "format": "PNG"}
VARIANTS = {
    "baseline": {},
    "psm11_pgm": {"psm": "11", "format": "PPM"},
    "psm11_pgm_dpi170": {"psm": "11", "format": "PPM", "dpi": 170, "max_side": 2200},
    "psm11": {"psm": "11"},
    "psm6": {"psm": "6"},
    "dpi150": {"dpi": 150, "max_side": 1950},
    "dpi170": {"dpi": 170, "max_side": 2200},
    "dpi170_psm11": {"dpi": 170, "max_side": 2200, "psm": "11"},
    "oem0": {"oem": "0"},
}


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def apply(settings: dict) -> None:
    reader.OCR_DPI = settings["dpi"]
    reader.MAX_OCR_SIDE = settings["max_side"]
    ocr.PAGE_SEGMENTATION_MODE = settings["psm"]
    ocr.ENGINE_MODE = settings["oem"]
    ocr.IMAGE_FORMAT = settings["format"]


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seed", type=int, default=11)
    arguments = parser.parse_args(argv)
    rng = random.Random(arguments.seed)
    scans = [(sample, degrade(sample.pdf, rng)[0]) for sample in corpus(1, seed=arguments.seed + 1)]
    results = {}
    for name in arguments.variants.split(","):
        settings = {**BASELINE, **VARIANTS[name]}
        apply(settings)
        cpu, wall, tp, fp, fn, wrong, classified, pages = [], [], 0, 0, 0, 0, 0, 0
        for sample, data in scans:
            cpu_before, started = _cpu(), time.perf_counter()
            result = read_file(data).as_json(sample.name)
            count = max(1, result["pages"])
            cpu.append((_cpu() - cpu_before) / count)
            wall.append((time.perf_counter() - started) / count)
            pages += count
            scored = score_fields(sample.truth, result["fields"])
            tp, fp, fn, wrong = (
                tp + scored["tp"],
                fp + scored["fp"],
                fn + scored["fn"],
                wrong + scored["confident_wrong"],
            )
            classified += result["document_type"] == sample.document_type
        precision, recall, score = f1(tp, fp, fn)
        results[name] = {
            "settings": settings,
            "documents": len(scans),
            "pages": pages,
            "classification": round(classified / len(scans), 4),
            "f1": round(score, 4),
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "confident_wrong": wrong,
            "cpu_seconds_per_page_median": round(statistics.median(cpu), 2),
            "wall_seconds_per_page_median": round(statistics.median(wall), 2),
            "load_average": round(os.getloadavg()[0], 2),
        }
        row = results[name]
        print(
            f"{name:14} class {100 * row['classification']:5.1f}%  F1 {row['f1']:.3f}  conf-wrong "
            f"{row['confident_wrong']}  cpu/page {row['cpu_seconds_per_page_median']:.2f}s  "
            f"wall/page {row['wall_seconds_per_page_median']:.2f}s  load {row['load_average']}",
            flush=True,
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
