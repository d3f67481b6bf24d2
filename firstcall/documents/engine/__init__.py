"""Read a borrower's document: what it is, its fields with confidence and provenance, and checks.

Pure Python (no Django): pypdf, pdfplumber, pypdfium2, Pillow and the `tesseract` command.

    from firstcall.documents.engine import read_file
    result = read_file(data)              # bytes; raises DocumentError subclasses for unreadable files
    result.as_json("w2.pdf")
"""

from __future__ import annotations

from datetime import date

from .checks import run_checks
from .classification import DOCUMENT_TYPES, classify
from .errors import (
    CorruptFile,
    DocumentError,
    EmptyFile,
    ImageTooLarge,
    OcrUnavailable,
    PasswordRequired,
    TooManyPages,
    UnsupportedType,
    WrongPassword,
)
from .extract import extract_fields
from .model import Check, Extraction, Field, Page
from .reader import Limits, read_document, render_page_image
from .sniff import sniff


def read_file(
    data: bytes,
    *,
    password: str | None = None,
    limits: Limits = Limits(),
    borrower_names: tuple[str, ...] = (),
    as_of: date | None = None,
) -> Extraction:
    pages = read_document(data, password=password, limits=limits)
    document_type, confidence, page_types = classify(pages)
    fields = extract_fields(pages, document_type)
    checks = run_checks(document_type, fields, borrower_names=borrower_names, as_of=as_of)
    return Extraction(document_type, confidence, pages, fields, checks, page_types)


__all__ = [
    "DOCUMENT_TYPES",
    "Check",
    "CorruptFile",
    "DocumentError",
    "EmptyFile",
    "Extraction",
    "Field",
    "ImageTooLarge",
    "Limits",
    "OcrUnavailable",
    "Page",
    "PasswordRequired",
    "TooManyPages",
    "UnsupportedType",
    "WrongPassword",
    "read_file",
    "render_page_image",
    "sniff",
]
