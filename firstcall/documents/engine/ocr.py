"""A thin wrapper around Debian's `tesseract` command: image in, words with boxes and confidences out.

Tesseract's TSV output gives one row per word with its box (pixels) and a 0-100 confidence. The English model
comes with Debian's `tesseract-ocr-eng` package; nothing is downloaded at run time.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

from PIL import Image

from .errors import OcrUnavailable
from .model import Word

TESSERACT = os.environ.get("FIRSTCALL_TESSERACT", "/usr/bin/tesseract")
TIMEOUT_SECONDS = 120
# Page segmentation mode and engine (bench/ocr_profile.py compares the alternatives; docs/documents.md has
# the figures).
# Sparse text (11): every word with its box, in no particular order; the layout code orders words itself, and
# on the corpus's scans it reads more fields right than full page segmentation (3) at slightly less CPU.
PAGE_SEGMENTATION_MODE = "11"
ENGINE_MODE: str | None = None  # Tesseract's default: the LSTM engine with the model Debian ships
# The page goes to Tesseract uncompressed (PGM): compressing a noisy scan to PNG cost 0.18 s of CPU a page.
IMAGE_FORMAT = "PPM"


def tesseract_path() -> str | None:
    if os.path.exists(TESSERACT):
        return TESSERACT
    return shutil.which("tesseract")


def ocr_words(image: Image.Image, *, points_per_pixel: float) -> list[Word]:
    """Words on `image`, boxes converted to points with `points_per_pixel` (72 / dpi)."""
    binary = tesseract_path()
    if binary is None:
        raise OcrUnavailable(
            "Tesseract is not installed (Debian package tesseract-ocr); scans cannot be read."
        )
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format=IMAGE_FORMAT)
    # One thread per process: the workers already run side by side, and OpenMP threads fight over cores.
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    completed = subprocess.run(  # noqa: S603 - fixed arguments; the image goes in on stdin
        [
            binary,
            "stdin",
            "stdout",
            "-l",
            "eng",
            "--psm",
            PAGE_SEGMENTATION_MODE,
            *(["--oem", ENGINE_MODE] if ENGINE_MODE else []),
            "-c",
            "tessedit_do_invert=0",
            "tsv",
        ],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        env=environment,
        check=False,
    )
    if completed.returncode != 0:
        raise OcrUnavailable("Tesseract could not read the page image.")
    return parse_tsv(completed.stdout.decode("utf-8", "replace"), points_per_pixel)


def parse_tsv(tsv: str, points_per_pixel: float) -> list[Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        columns = row.split("\t")
        if len(columns) < 12 or columns[0] != "5":
            continue
        text = columns[11].strip()
        if not text:
            continue
        left, top, width, height = (int(value) for value in columns[6:10])
        confidence = max(0.0, min(1.0, float(columns[10]) / 100))
        words.append(
            Word(
                text,
                left * points_per_pixel,
                top * points_per_pixel,
                (left + width) * points_per_pixel,
                (top + height) * points_per_pixel,
                confidence,
            )
        )
    return words


def deskew(image: Image.Image, max_degrees: float = 5.0) -> tuple[Image.Image, float]:
    """Straighten a scan or photo by the angle whose horizontal projection has the sharpest rows of text
    (searched coarse to fine: whole degrees, then quarter degrees around the best)."""
    import numpy

    gray = image.convert("L")
    scale = 700 / max(gray.size)
    small = gray.resize((max(1, int(gray.width * scale)), max(1, int(gray.height * scale))))
    ink = small.point(lambda value: 255 if value < 140 else 0)

    def sharpness(angle: float) -> float:
        rotated = numpy.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST), dtype=numpy.float32)
        return float(numpy.square(numpy.diff(rotated.sum(axis=1))).sum())

    coarse = max(range(-int(max_degrees), int(max_degrees) + 1), key=sharpness)
    fine = [coarse + step / 4 for step in range(-3, 4)]
    best_angle = max(fine, key=sharpness)
    if abs(best_angle) < 0.2:
        return gray, 0.0
    straight = gray.rotate(best_angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    return straight, best_angle
