"""Advertising content checks for marketing texts and emails. Pure Python (no Django).

* Regulation Z, 12 CFR 1026.24(d)(1): an advertisement for closed-end credit that states a *trigger term* (the
  amount or percentage of any down payment; the number of payments or period of repayment; the amount of any
  payment; the amount of any finance charge) must also state (d)(2): the down payment, the terms of repayment,
  and the "annual percentage rate", using that term, and whether it may increase after consummation.
  Official commentary 1026.24(d)(1)-1 and -2: "no down payment", "0% down" and "30-year mortgage" are trigger
  terms; "no closing costs", "easy monthly payments" and "pay weekly" are not.
* 12 CFR 1026.24(c): an advertisement that states a rate of finance charge must state it as an "annual
  percentage rate".
* SAFE Act (12 U.S.C. 5101 et seq.; 12 CFR 1007.105 and 1008.105) and state licensing rules: the loan officer's
  and the company's NMLS unique identifiers in every advertisement. FirstCall requires both in every marketing
  message; settings hold them per loan officer and per organisation.

``lint(text, ...)`` returns every finding with its rule and citation; ``ok`` is False when a marketing message
may not be saved or sent as written. Checked 2026-12-07. Not legal advice; have counsel review it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

REG_Z_TRIGGER = "12 CFR 1026.24(d)(1); official commentary 1026.24(d)(1)-1, -2"
REG_Z_DISCLOSURE = "12 CFR 1026.24(d)(2)"
REG_Z_APR = "12 CFR 1026.24(c)"
SAFE_ACT = "SAFE Act, 12 U.S.C. 5101 et seq.; 12 CFR 1007.105, 1008.105; state MLO advertising rules"

# Every finding the lint can return, with its citation; docs/compliance.md lists each with the date it was checked.
RULES_CHECKED_ON = "2026-12-07"
RULE_CITATIONS = {
    "reg_z.trigger_terms": f"{REG_Z_TRIGGER}; {REG_Z_DISCLOSURE}",
    "reg_z.rate_without_apr": REG_Z_APR,
    "safe_act.nmls_lo": SAFE_ACT,
    "safe_act.nmls_company": SAFE_ACT,
}

_MONEY = r"\$\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?k\b)?"
_PERCENT = r"\d+(?:\.\d+)?\s?%"
_NUMBER_WORDS = r"(?:\d+|ten|fifteen|twenty|thirty|forty)"

TRIGGERS = (
    (
        "down payment",
        re.compile(
            rf"(?:(?:{_MONEY}|{_PERCENT})\s*(?:down\b|down payment|downpayment)"
            rf"|down ?payments? \(?(?:of |as low as |as little as |from |only |just |starting at )*(?:{_MONEY}|{_PERCENT})"
            r"|\b(?:no|zero) (?:money )?down\b|\bno down ?payment\b|\b0\s?% down\b"
            # Spanish: "3.5% de enganche", "enganche desde 3.5%" (the same term, 1026.24(d)(1)(i)).
            rf"|(?:{_MONEY}|{_PERCENT}) de enganche|\benganche (?:desde |de solo |de |del )(?:{_MONEY}|{_PERCENT}))",
            re.I,
        ),
    ),
    (
        "period of repayment or number of payments",
        re.compile(
            rf"(?:\b{_NUMBER_WORDS}[- ](?:year|yr)s?\b(?:[- ](?:fixed|term|mortgage|loan|arm))?"
            rf"|\b\d+ (?:monthly )?payments\b|\bpay (?:it )?off in {_NUMBER_WORDS} (?:years|months)\b"
            rf"|\b(?:\d+/1|\d+/6) arm\b)",
            re.I,
        ),
    ),
    (
        "payment amount",
        re.compile(
            rf"(?:{_MONEY}\s*(?:/|per|a|each)\s*(?:mo|month)\b|payments? (?:of |as low as |from |only |just )*{_MONEY}"
            rf"|{_MONEY}\s*(?:monthly|a month)\b)",
            re.I,
        ),
    ),
    (
        "finance charge",
        re.compile(
            rf"(?:finance charges? (?:of |as low as |only |just )*{_MONEY}|{_MONEY} (?:in|of) (?:total )?interest"
            rf"|interest (?:of|totaling|totalling) {_MONEY})",
            re.I,
        ),
    ),
)
APR_STATED = re.compile(
    rf"(?:{_PERCENT}\s*(?:apr|annual percentage rate)|(?:apr|annual percentage rate)\s*(?:of|is|:)?\s*{_PERCENT})",
    re.I,
)
APR_TERM = re.compile(r"\bannual percentage rate\b|\bAPR\b")
RATE_STATED = re.compile(
    rf"(?:{_PERCENT}\s*(?:interest|rate|fixed)|(?:rate|rates|interest)\s*(?:of|as low as|from|at|:)?\s*{_PERCENT})",
    re.I,
)
VARIABLE = re.compile(r"\b(?:arm|adjustable|variable)\b|\b\d+/\d+\b arm", re.I)
MAY_INCREASE = re.compile(r"\bmay (?:increase|change|adjust|rise)\b|\bcan (?:increase|rise)\b", re.I)
DOWN_PAYMENT_DISCLOSED = re.compile(
    rf"down ?payment[^.]{{0,40}}?(?:{_MONEY}|{_PERCENT})|(?:{_MONEY}|{_PERCENT})[^.]{{0,20}}down", re.I
)
TERMS_OF_REPAYMENT = re.compile(
    rf"(?:\b\d+ (?:monthly )?payments? of {_MONEY}|{_MONEY}\s*(?:/|per|a)\s*(?:mo|month)[^.]{{0,60}}?\b(?:for )?{_NUMBER_WORDS}[- ](?:years?|months?)"
    rf"|{_NUMBER_WORDS}[- ](?:years?|months?)[^.]{{0,60}}?{_MONEY}\s*(?:/|per|a)\s*(?:mo|month))",
    re.I,
)
NMLS = re.compile(r"NMLS\s*(?:ID)?\s*#?\s*:?\s*(\d{3,12})", re.I)


@dataclass(frozen=True)
class Finding:
    rule: str
    citation: str
    detail: str

    def as_dict(self) -> dict:
        return {"rule": self.rule, "citation": self.citation, "detail": self.detail}


@dataclass(frozen=True)
class LintResult:
    ok: bool
    findings: tuple[Finding, ...]
    triggers: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return "; ".join(f.detail for f in self.findings)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def trigger_terms(text: str) -> list[tuple[str, str]]:
    """(trigger kind, the words that triggered it) for every Regulation Z trigger term in the text."""
    text = _clean(text)
    found = []
    for kind, pattern in TRIGGERS:
        match = pattern.search(text)
        if match:
            found.append((kind, match.group(0)))
    return found


def lint(
    text: str,
    *,
    is_marketing: bool = True,
    loan_officer_nmls: str | None = None,
    company_nmls: str | None = None,
    check_nmls: bool = True,
    require_loan_officer: bool = True,
) -> LintResult:
    """Findings for one message (subject and body joined by the caller). Placeholders such as
    ``{{ loan_officer.nmls }}`` are rendered before sending; at save time pass ``check_nmls=False`` when the
    template relies on the footer that adds the IDs. ``require_loan_officer=False`` for a message that names no
    loan officer (sent for the company before anyone is assigned): then only the company's ID is required."""
    if not is_marketing:
        return LintResult(True, ())
    text = _clean(text)
    findings: list[Finding] = []
    triggers = trigger_terms(text)
    if triggers:
        missing = []
        if not DOWN_PAYMENT_DISCLOSED.search(text):
            missing.append("the down payment (amount or percentage)")
        if not TERMS_OF_REPAYMENT.search(text):
            missing.append("the terms of repayment (number and amount of payments over the full term)")
        if not APR_STATED.search(text):
            missing.append('the "annual percentage rate" (APR), using that term')
        if VARIABLE.search(text) and not MAY_INCREASE.search(text):
            missing.append("that the rate may increase after consummation")
        said = ", ".join(f'{kind} ("{words}")' for kind, words in triggers)
        if missing:
            findings.append(
                Finding(
                    "reg_z.trigger_terms",
                    f"{REG_Z_TRIGGER}; {REG_Z_DISCLOSURE}",
                    f"states {said} but not {'; '.join(missing)}: add the disclosures or remove the terms",
                )
            )
    if RATE_STATED.search(text) and not APR_TERM.search(text):
        findings.append(
            Finding(
                "reg_z.rate_without_apr",
                REG_Z_APR,
                'a rate is stated without the "annual percentage rate" (APR)',
            )
        )
    if check_nmls:
        ids = set(NMLS.findall(text))
        if not require_loan_officer:
            pass
        elif not loan_officer_nmls:
            findings.append(
                Finding("safe_act.nmls_lo", SAFE_ACT, "the loan officer has no NMLS ID in settings")
            )
        elif loan_officer_nmls not in ids:
            findings.append(
                Finding(
                    "safe_act.nmls_lo",
                    SAFE_ACT,
                    f"the loan officer's NMLS ID ({loan_officer_nmls}) is missing",
                )
            )
        if not company_nmls:
            findings.append(
                Finding("safe_act.nmls_company", SAFE_ACT, "the company has no NMLS ID in settings")
            )
        elif company_nmls not in ids:
            findings.append(
                Finding(
                    "safe_act.nmls_company", SAFE_ACT, f"the company's NMLS ID ({company_nmls}) is missing"
                )
            )
    return LintResult(not findings, tuple(findings), tuple(kind for kind, _ in triggers))


def identification_line(
    text: str,
    *,
    loan_officer_name: str = "",
    loan_officer_nmls: str = "",
    company_name: str = "",
    company_nmls: str = "",
) -> str:
    """The NMLS identification a marketing message still lacks: each ID on file that the text does not state
    yet ("Olivia Owens NMLS #100001, Acme Home Loans NMLS #1234567"); empty when nothing is missing. An ID not on
    file cannot be added: the lint then refuses the message with the reason."""
    ids = set(NMLS.findall(_clean(text)))
    parts = []
    if loan_officer_nmls and loan_officer_nmls not in ids:
        parts.append(f"{loan_officer_name} NMLS #{loan_officer_nmls}".strip())
    if company_nmls and company_nmls not in ids:
        parts.append(f"{company_name} NMLS #{company_nmls}".strip())
    return ", ".join(parts)


def nmls_footer(loan_officer_name: str, loan_officer_nmls: str, company_name: str, company_nmls: str) -> str:
    """The identification line added to marketing messages."""
    return f"{loan_officer_name} NMLS #{loan_officer_nmls}, {company_name} NMLS #{company_nmls}"
