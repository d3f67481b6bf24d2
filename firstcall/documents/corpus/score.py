"""Compare an extraction with a sample's ground truth, field by field."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from firstcall.documents.engine.model import jsonable

CONFIDENT = 0.9


def _norm(value):
    value = jsonable(value)
    if isinstance(value, str):
        return re.sub(r"\s+", " ", value.strip().lower())
    if isinstance(value, list):
        return sorted((_norm(item) for item in value), key=repr)
    if isinstance(value, dict):
        return {key: _norm(item) for key, item in value.items() if key != "description"}
    return value


def same(expected, found) -> bool:
    if isinstance(expected, Decimal | int) and not isinstance(expected, bool):
        try:
            return Decimal(str(jsonable(found))) == Decimal(str(expected))
        except ArithmeticError:
            return False
    if isinstance(expected, date):
        return jsonable(found) == expected.isoformat()
    return _norm(expected) == _norm(found)


def score_fields(truth: dict, fields: dict) -> dict:
    """true positives, false positives (a confident wrong value counts twice), false negatives, and the misses."""
    tp = fp = fn = confident_wrong = 0
    wrong = []
    for name, expected in truth.items():
        found = fields.get(name)
        if found is None:
            fn += 1
            wrong.append((name, "missing", jsonable(expected)))
            continue
        if same(expected, found["value"]):
            tp += 1
        else:
            weight = 2 if found["confidence"] >= CONFIDENT else 1
            fp += weight
            fn += 1
            confident_wrong += weight == 2
            wrong.append((name, found["value"], jsonable(expected)))
    return {"tp": tp, "fp": fp, "fn": fn, "confident_wrong": confident_wrong, "wrong": wrong}


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)
