"""The result of assessing one program: checks with their reasons, figures and suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import money_json, percent_json
from .rulebook import Rule

PASS = "pass"
FAIL = "fail"  # definite: the program does not work as the scenario stands
REFER = "refer"  # a person must look: data missing, AUS-only territory, or no rule in force

ELIGIBLE = "eligible"
INELIGIBLE = "ineligible"
REFERRED = "refer"

SCENARIO_CONTRACT_SOURCE = "FirstCall scenario format (docs/assessment.md)"
RULE_FILE_SOURCE = "firstcall/eligibility/rules/{program}.json"


@dataclass(slots=True)
class Suggestion:
    rule: str  # the check it fixes
    field: str | None  # the scenario field to change (for what-if forms)
    value: object  # the new value, in the scenario's own format (money as a string)
    message: str

    def as_json(self) -> dict[str, object]:
        return {"rule": self.rule, "field": self.field, "value": self.value, "message": self.message}


@dataclass(slots=True)
class Figures:
    ltv: Decimal | None = None
    cltv: Decimal | None = None
    dti_front: Decimal | None = None
    dti_back: Decimal | None = None
    loan_limit: Decimal | None = None
    base_loan_amount: Decimal | None = None
    total_loan_amount: Decimal | None = None
    upfront_fee: Decimal | None = None
    principal_interest: Decimal | None = None
    mortgage_insurance: Decimal | None = None
    taxes: Decimal | None = None
    insurance: Decimal | None = None
    hoa: Decimal | None = None
    housing_total: Decimal | None = None
    cash_to_close: Decimal | None = None
    max_purchase_price: Decimal | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "ltv": percent_json(self.ltv),
            "cltv": percent_json(self.cltv),
            "dti_front": percent_json(self.dti_front),
            "dti_back": percent_json(self.dti_back),
            "loan_limit": money_json(self.loan_limit),
            "base_loan_amount": money_json(self.base_loan_amount),
            "total_loan_amount": money_json(self.total_loan_amount),
            "upfront_fee": money_json(self.upfront_fee),
            "monthly_payment": {
                "principal_interest": money_json(self.principal_interest),
                "mortgage_insurance": money_json(self.mortgage_insurance),
                "taxes": money_json(self.taxes),
                "insurance": money_json(self.insurance),
                "hoa": money_json(self.hoa),
                "total": money_json(self.housing_total),
            },
            "cash_to_close": money_json(self.cash_to_close),
            "max_purchase_price": money_json(self.max_purchase_price),
        }


@dataclass(slots=True)
class ProgramEvaluation:
    """Checks are kept in their output form (the contract's dicts) as they are recorded: an assessment
    produces dozens of them, and building them once is measurably cheaper than converting at the end."""

    program: str
    checks: list[dict[str, object]] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)
    failures: int = 0
    referrals: int = 0
    limit_table: object = None  # the LimitTable the loan limit came from, shown so the figure can be traced

    def add(self, rule_id: str, outcome: str, message: str, source: str, citation: str | None = None) -> None:
        if outcome == FAIL:
            self.failures += 1
        elif outcome == REFER:
            self.referrals += 1
        self.checks.append(
            {
                "rule": rule_id,
                "passed": outcome == PASS,
                "outcome": outcome,
                "message": message,
                "source": source,
                "citation": citation or source,
            }
        )

    def record(self, rule: Rule, outcome: str, message: str, check_id: str | None = None) -> None:
        self.add(check_id or rule.id, outcome, message, rule.source, rule.citation_text)

    def no_rule(self, rule_id: str, as_of: object, what: str) -> None:
        self.add(
            rule_id,
            REFER,
            f"No rule for {what} is in force on {as_of} in this rule set; a person must check it.",
            RULE_FILE_SOURCE.format(program=self.program),
        )

    def suggest(self, rule_id: str, field_name: str | None, value: object, message: str) -> None:
        if not any(existing.message == message for existing in self.suggestions):
            self.suggestions.append(Suggestion(rule_id, field_name, value, message))

    def has_failure(self) -> bool:
        return self.failures > 0

    @property
    def status(self) -> str:
        if self.failures:
            return INELIGIBLE
        if self.referrals:
            return REFERRED
        return ELIGIBLE

    def as_json(self) -> dict[str, object]:
        return {
            "program": self.program,
            "status": self.status,
            "checks": self.checks,
            "figures": self.figures.as_json(),
            "suggestions": [suggestion.as_json() for suggestion in self.suggestions],
            "limit_table": self.limit_table.as_json() if self.limit_table is not None else None,
        }
