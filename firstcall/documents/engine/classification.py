"""What each page is, and so what the document is, from the words printed on it (not their positions).

Each type has anchor phrases with weights: titles printed by every issuer (the IRS's "Wage and Tax Statement",
"U.S. Individual Income Tax Return") weigh most, words common to several types least. A page whose best
score is weak is "other"; a weak page right after a classified page (a statement's second page of
transactions) continues that page's type.
"""

from __future__ import annotations

import re

from .model import Page

W2 = "w2"
PAYSTUB = "paystub"
BANK_STATEMENT = "bank_statement"
FORM_1040 = "form_1040"
SCHEDULE_C = "schedule_c"
SCHEDULE_E = "schedule_e"
F1099_NEC = "1099_nec"
F1099_MISC = "1099_misc"
F1099_INT = "1099_int"
F1099_DIV = "1099_div"
MORTGAGE_STATEMENT = "mortgage_statement"
PHOTO_ID = "photo_id"
OTHER = "other"

DOCUMENT_TYPES = (
    W2,
    PAYSTUB,
    BANK_STATEMENT,
    FORM_1040,
    F1099_NEC,
    F1099_MISC,
    F1099_INT,
    F1099_DIV,
    MORTGAGE_STATEMENT,
    PHOTO_ID,
    OTHER,
)
# Pages that belong to a return: a Schedule C or E page in a 1040 is part of the 1040 document.
PART_OF = {SCHEDULE_C: FORM_1040, SCHEDULE_E: FORM_1040}

ANCHORS: dict[str, list[tuple[str, float]]] = {
    W2: [
        ("wage and tax statement", 6),
        ("w-2", 2),
        ("employer identification number", 2),
        ("social security wages", 3),
        ("medicare wages and tips", 3),
        ("wages tips other compensation", 3),
        ("social security tax withheld", 2),
        ("dependent care benefits", 1),
        ("nonqualified plans", 1),
    ],
    PAYSTUB: [
        ("earnings statement", 3),
        ("pay stub", 4),
        ("paystub", 4),
        ("pay statement", 3),
        ("payroll", 1),
        ("pay period", 2),
        ("pay date", 2),
        ("check date", 2),
        ("period ending", 1),
        ("net pay", 3),
        ("gross pay", 2),
        ("year to date", 1.5),
        ("ytd", 1.5),
        ("deductions", 1),
        ("hours", 1),
    ],
    BANK_STATEMENT: [
        ("beginning balance", 3),
        ("opening balance", 3),
        ("previous balance", 2),
        ("ending balance", 3),
        ("closing balance", 3),
        ("account summary", 2),
        ("statement period", 2),
        ("deposits and other credits", 2),
        ("withdrawals and other debits", 2),
        ("daily balance", 1.5),
        ("checking", 1),
        ("savings", 1),
        ("deposits", 1),
        ("withdrawals", 1),
        ("member fdic", 2),
    ],
    FORM_1040: [
        ("individual income tax return", 6),
        ("form 1040", 3),
        ("filing status", 2),
        ("adjusted gross income", 2),
        ("standard deduction", 1.5),
        ("taxable income", 1),
        ("qualifying surviving spouse", 1.5),
    ],
    SCHEDULE_C: [
        ("profit or loss from business", 6),
        ("schedule c", 3),
        ("sole proprietorship", 2),
        ("gross receipts or sales", 2),
        ("net profit or loss", 1.5),
        ("principal business or profession", 2),
    ],
    SCHEDULE_E: [
        ("supplemental income and loss", 6),
        ("schedule e", 3),
        ("rents received", 2),
        ("rental real estate", 2),
        ("royalties received", 1.5),
        ("fair rental days", 1.5),
    ],
    F1099_NEC: [("nonemployee compensation", 6), ("1099-nec", 5), ("1099 nec", 4)],
    F1099_MISC: [("miscellaneous information", 6), ("1099-misc", 5), ("1099 misc", 4), ("royalties", 0.5)],
    F1099_INT: [("1099-int", 5), ("1099 int", 4), ("interest income", 3), ("early withdrawal penalty", 2)],
    F1099_DIV: [
        ("1099-div", 5),
        ("1099 div", 4),
        ("dividends and distributions", 4),
        ("ordinary dividends", 3),
        ("qualified dividends", 2),
    ],
    MORTGAGE_STATEMENT: [
        ("mortgage statement", 5),
        ("outstanding principal", 3),
        ("principal balance", 2),
        ("escrow balance", 2),
        ("escrow", 1),
        ("payment due date", 2),
        ("amount due", 1.5),
        ("loan number", 1),
        ("late fee", 1),
        ("mortgage", 1),
    ],
    PHOTO_ID: [
        ("driver license", 5),
        ("drivers license", 5),
        ("identification card", 4),
        ("passport", 4),
        ("date of birth", 1.5),
        ("dob", 2),
        ("exp", 0.5),
        ("sex", 1),
        ("eyes", 1),
        ("hgt", 1),
        ("class", 0.5),
    ],
}

MINIMUM_SCORE = 4.0
# Types whose later pages often carry no title of their own (more transactions, page 2 of a return).
CONTINUED = (BANK_STATEMENT, PAYSTUB, MORTGAGE_STATEMENT, FORM_1040, SCHEDULE_C, SCHEDULE_E)
_SPACES = re.compile(r"\s+")


def _flatten(text: str) -> str:
    text = text.lower().replace("’", "'").replace("'", "")
    text = re.sub(r"[^a-z0-9\-]+", " ", text)
    return " " + _SPACES.sub(" ", text).strip() + " "


def page_scores(text: str) -> dict[str, float]:
    flat = _flatten(text)
    scores = {}
    for kind, anchors in ANCHORS.items():
        total = 0.0
        for phrase, weight in anchors:
            if f" {_flatten(phrase).strip()} " in flat:
                total += weight
        scores[kind] = total
    return scores


def classify_page(page: Page) -> tuple[str, float]:
    scores = page_scores(page.text)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    (best, best_score), (_second, second_score) = ranked[0], ranked[1]
    if best_score < MINIMUM_SCORE:
        # Nothing anchors the page to a known type: the weaker the best guess, the surer "other" is.
        return OTHER, round(0.95 - best_score / 10, 3)
    margin = (best_score - second_score) / best_score
    strength = min(1.0, best_score / 12)
    return best, round(min(0.99, 0.55 + 0.25 * margin + 0.2 * strength), 3)


def classify(pages: list[Page]) -> tuple[str, float, list[dict]]:
    """(document type, confidence, per-page types) for a document; pages are updated in place."""
    previous = None
    for page in pages:
        kind, confidence = classify_page(page)
        if kind == OTHER and previous is not None and previous[0] in CONTINUED:
            kind, confidence = previous[0], round(previous[1] * 0.9, 3)
        page.document_type, page.type_confidence = kind, confidence
        previous = (kind, confidence)
    weights: dict[str, float] = {}
    for page in pages:
        kind = PART_OF.get(page.document_type, page.document_type)
        weights[kind] = weights.get(kind, 0.0) + page.type_confidence * (1.5 if page.number == 1 else 1)
    known = {kind: weight for kind, weight in weights.items() if kind != OTHER}
    if known:
        document_type = max(known, key=known.get)
        members = [p for p in pages if PART_OF.get(p.document_type, p.document_type) == document_type]
        confidence = max(page.type_confidence for page in members)
    else:
        document_type, confidence = OTHER, max((page.type_confidence for page in pages), default=0.5)
    if document_type == OTHER and pages and pages[0].document_type in PART_OF:
        document_type = PART_OF[pages[0].document_type]
    page_types = [
        {"page": page.number, "document_type": page.document_type, "confidence": page.type_confidence}
        for page in pages
    ]
    return document_type, confidence, page_types
