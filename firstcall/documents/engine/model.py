"""Plain data the engine passes around: words with boxes, pages, extracted fields, checks, results.

Coordinates are PDF points (1/72 inch) from the page's top-left corner: `[x0, top, x1, bottom]`. Images are
converted at their stated resolution (300 dpi when they state none), so a box means the same on every source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

METHOD_FORM_FIELD = "form_field"
METHOD_TEXT_LAYER = "text_layer"
METHOD_OCR = "ocr"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float = 1.0  # 0-1; 1 for a PDF's own text layer

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    method: str = METHOD_TEXT_LAYER
    form_fields: dict[str, str] = field(default_factory=dict)
    document_type: str = "other"
    type_confidence: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass
class Field:
    value: object  # str, Decimal, date ISO string, int, or a list of dicts
    confidence: float
    page: int | None
    bbox: list[float] | None
    method: str

    def as_json(self) -> dict:
        return {
            "value": jsonable(self.value),
            "confidence": round(self.confidence, 3),
            "page": self.page,
            "bbox": [round(number, 1) for number in self.bbox] if self.bbox else None,
            "method": self.method,
        }


@dataclass
class Check:
    name: str
    passed: bool | None  # None: not enough fields to decide
    detail: str

    def as_json(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class Extraction:
    document_type: str
    type_confidence: float
    pages: list[Page]
    fields: dict[str, Field] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    page_types: list[dict] = field(default_factory=list)

    def as_json(self, file_name: str) -> dict:
        return {
            "file": file_name,
            "document_type": self.document_type,
            "type_confidence": round(self.type_confidence, 3),
            "pages": len(self.pages),
            "page_types": self.page_types,
            "fields": {name: item.as_json() for name, item in sorted(self.fields.items())},
            "checks": [check.as_json() for check in self.checks],
        }


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
