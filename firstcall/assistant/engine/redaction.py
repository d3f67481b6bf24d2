"""Borrower identifiers taken out of anything that leaves the machine for a model provider: Social Security
numbers, account, card and loan numbers, dates of birth and street addresses become placeholders."""

import re

PATTERNS = (
    ("[SSN]", re.compile(r"\b\d{3}[- ]?\d{2}[- ]?\d{4}\b")),
    ("[DATE OF BIRTH]", re.compile(
        r"\b(?:dob|d\.o\.b\.|born|birth ?date|date of birth|fecha de nacimiento|nacimiento)\b[:\s-]*"
        r"\S{1,12}(?:\s+\d{1,2},?\s+\d{4})?", re.IGNORECASE)),
    ("[DATE]", re.compile(r"\b(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:19|20)\d{2}\b")),
    ("[ACCOUNT NUMBER]", re.compile(r"\b(?:\d[ -]?){8,19}\b")),
    ("[LOAN NUMBER]", re.compile(r"\b(?:loan|account|acct|cuenta|prestamo|préstamo)\s*(?:number|no\.?|#|num)?\s*[:#]?\s*[A-Z0-9-]{5,}\b", re.IGNORECASE)),
    ("[STREET ADDRESS]", re.compile(
        r"\b\d{1,6}\s+(?:[NSEW]\.?\s+)?(?:[A-Za-z0-9]+\s+){0,4}(?:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|"
        r"ln|lane|ct|court|way|pl|place|ter|terrace|pkwy|parkway|cir|circle|hwy|highway|calle|avenida)\b\.?"
        r"(?:\s*(?:apt|unit|suite|ste|#)\s*[A-Za-z0-9-]+)?", re.IGNORECASE)),
)  # fmt: skip


def redact(text: str) -> str:
    for placeholder, pattern in PATTERNS:
        text = pattern.sub(placeholder, text)
    return text
