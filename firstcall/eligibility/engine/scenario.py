"""Parses and validates a scenario payload (the scenario JSON, docs/assessment.md) into a `Scenario`.

Bad or missing values never raise and are never guessed: each becomes a `Problem` naming the fields, and a
program that needs one of those fields is referred with the problem in its checks. Only a payload that is not
a JSON object, or an unknown entry in `programs`, raises `ScenarioError` (the request itself is unusable).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .counties import County, county_by_fips, county_for_zip, normalise_zip
from .errors import ScenarioError
from .money import ZERO, parse_decimal
from .rulebook import PROGRAMS, RuleBook

PURPOSES = ("purchase", "rate_term_refinance", "cash_out_refinance")
OCCUPANCIES = ("primary", "second_home", "investment")
PROPERTY_TYPES = ("single_family", "condo", "townhouse", "manufactured", "multi_family")
# Fannie Mae B5-2-02 tells single-width from multi-width manufactured homes; nothing else asks.
MANUFACTURED_HOME_WIDTHS = ("single_width", "multi_width")
DEROGATORY_EVENT_TYPES = (
    "chapter_7_bankruptcy",
    "chapter_13_bankruptcy",
    "foreclosure",
    "short_sale",
    "deed_in_lieu",
)
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
# Anything beyond these is almost certainly a typo (a rate of 65 for 6.5) rather than a real loan.
MAX_INTEREST_RATE = Decimal("30")
MIN_INTEREST_RATE = Decimal("1")


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # "missing" | "invalid" | "contradictory"
    fields: tuple[str, ...]
    message: str
    # The names a validation error reports ("derogatory_events[0].date"); the fields themselves when empty.
    names: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        return f"input.{self.kind}.{'+'.join(self.fields)}"


@dataclass(frozen=True, slots=True)
class VeteranStatus:
    eligible: bool
    first_use: bool | None
    funding_fee_exempt: bool | None


@dataclass(frozen=True, slots=True)
class DerogatoryEvent:
    type: str
    date: date
    # Documented extenuating circumstances (a lender's finding); None when the scenario does not say.
    extenuating_circumstances: bool | None = None
    index: int = 0


@dataclass(slots=True)
class Scenario:
    as_of: date | None = None
    purpose: str | None = None
    occupancy: str | None = None
    property_type: str | None = None
    manufactured_home_width: str | None = None
    units: int | None = None
    state: str | None = None
    county: County | None = None
    county_limits_in_force: bool = False  # False when no county limit file covers as_of
    purchase_price: Decimal | None = None
    property_value: Decimal | None = None
    loan_amount: Decimal | None = None
    down_payment: Decimal | None = None
    credit_score: int | None = None
    monthly_income: Decimal | None = None
    monthly_debts: Decimal | None = None
    monthly_taxes: Decimal | None = None
    monthly_insurance: Decimal | None = None
    monthly_hoa: Decimal = ZERO
    hoa_given: bool = False
    interest_rate: Decimal | None = None
    term_months: int | None = None
    first_time_buyer: bool | None = None
    veteran: VeteranStatus | None = None
    household_size: int | None = None
    reserves_months: Decimal | None = None
    derogatory_events: tuple[DerogatoryEvent, ...] = ()
    usda_rural_eligible: bool | None = None
    programs: tuple[str, ...] = PROGRAMS
    # Derived: the value LTV is measured against and the base loan, when the inputs allow.
    value: Decimal | None = None
    base_loan: Decimal | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_fields: dict[str, Problem] = field(default_factory=dict)
    # Results several programs share (e.g. the conforming limits), computed once per assessment.
    shared: dict[str, object] = field(default_factory=dict)

    def add_problem(
        self, kind: str, fields: tuple[str, ...], message: str, names: tuple[str, ...] = ()
    ) -> None:
        problem = Problem(kind, fields, message, names)
        self.problems.append(problem)
        for name in fields:
            self.problem_fields.setdefault(name, problem)

    def problems_for(self, fields: tuple[str, ...]) -> list[Problem]:
        if not self.problem_fields:
            return []
        found: list[Problem] = []
        for name in fields:
            problem = self.problem_fields.get(name)
            if problem is not None and problem not in found:
                found.append(problem)
        return found

    def validation_errors(self) -> dict[str, str]:
        """Invalid or contradictory values (not missing ones), by field name: the scenario is refused."""
        errors: dict[str, str] = {}
        for problem in self.problems:
            if problem.kind != "missing":
                for name in problem.names or problem.fields:
                    errors.setdefault(name, problem.message)
        return errors

    def missing_facts(self) -> list[str]:
        return sorted(
            {name for problem in self.problems if problem.kind == "missing" for name in problem.fields}
        )

    def has_all(self, fields: tuple[str, ...]) -> bool:
        return self.problem_fields.keys().isdisjoint(fields)

    @property
    def down_payment_amount(self) -> Decimal | None:
        """Purchase only: price minus base loan (what the borrower brings, before closing costs)."""
        if self.purpose != "purchase" or self.purchase_price is None or self.base_loan is None:
            return None
        return self.purchase_price - self.base_loan


def parse_programs(payload: dict) -> tuple[str, ...]:
    requested = payload.get("programs")
    if requested is None:
        return PROGRAMS
    if not isinstance(requested, list) or not requested:
        raise ScenarioError([{"field": "programs", "message": "must be a non-empty list of program names"}])
    unknown = [name for name in requested if name not in PROGRAMS]
    if unknown:
        raise ScenarioError(
            [{"field": "programs", "message": f"unknown program(s) {unknown}; known: {', '.join(PROGRAMS)}"}]
        )
    return tuple(name for name in PROGRAMS if name in requested)


class _Reader:
    """Reads one field at a time, recording a Problem instead of raising."""

    __slots__ = ("payload", "scenario")

    def __init__(self, payload: dict, scenario: Scenario):
        self.payload = payload
        self.scenario = scenario

    def present(self, name: str) -> bool:
        return self.payload.get(name) is not None

    def invalid(self, name: str, message: str) -> None:
        self.scenario.add_problem("invalid", (name,), f"{name} {message}")

    def missing(self, name: str, why: str) -> None:
        self.scenario.add_problem("missing", (name,), f"{name} is missing; {why}")

    def choice(self, name: str, options: tuple[str, ...], why: str) -> str | None:
        value = self.payload.get(name)
        if value is None:
            self.missing(name, why)
            return None
        if value not in options:
            self.invalid(name, f"must be one of {', '.join(options)} (got {value!r})")
            return None
        return value

    def money(
        self, name: str, *, why: str = "", required: bool = True, allow_zero: bool = True
    ) -> Decimal | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.missing(name, why)
            return None
        try:
            amount = parse_decimal(value)
        except ValueError as error:
            self.invalid(name, f"is not an amount of money ({error})")
            return None
        if amount < 0 or (amount == 0 and not allow_zero):
            self.invalid(
                name, f"must be {'zero or more' if allow_zero else 'more than zero'} (got {value!r})"
            )
            return None
        return amount

    def integer(self, name: str, low: int, high: int, why: str, *, required: bool = True) -> int | None:
        value = self.payload.get(name)
        if value is None:
            if required:
                self.missing(name, why)
            return None
        try:
            number = parse_decimal(value)
        except ValueError:
            number = None
        if number is None or number != number.to_integral_value():
            self.invalid(name, f"must be a whole number (got {value!r})")
            return None
        if not low <= number <= high:
            self.invalid(name, f"must be between {low} and {high} (got {value!r})")
            return None
        return int(number)

    def boolean(self, name: str, value: object) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.invalid(name, f"must be true or false (got {value!r})")
            return None
        return value


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):  # a datetime is a date too, but can't be compared with one
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10]) if len(value.strip()) == 10 else None
        except ValueError:
            return None
    return None


def parse_scenario(payload: dict, book: RuleBook) -> Scenario:
    if not isinstance(payload, dict):
        raise ScenarioError([{"field": "(body)", "message": "the scenario must be a JSON object"}])
    scenario = Scenario(programs=parse_programs(payload))
    read = _Reader(payload, scenario)

    if read.present("as_of"):
        scenario.as_of = _parse_date(payload["as_of"])
        if scenario.as_of is None:
            read.invalid("as_of", f"must be a date YYYY-MM-DD (got {payload['as_of']!r})")
    else:
        read.missing("as_of", "rules are chosen by the date they are in force")

    scenario.purpose = read.choice("purpose", PURPOSES, "every program's limits depend on it")
    scenario.occupancy = read.choice("occupancy", OCCUPANCIES, "every program's limits depend on it")
    scenario.property_type = read.choice(
        "property_type", PROPERTY_TYPES, "property eligibility depends on it"
    )
    scenario.units = read.integer("units", 1, 4, "loan limits and LTV depend on the number of units")
    if read.present("manufactured_home_width"):
        scenario.manufactured_home_width = read.choice(
            "manufactured_home_width", MANUFACTURED_HOME_WIDTHS, ""
        )
    _check_units_match_property_type(scenario)

    _parse_location(payload, scenario, read, book)
    _parse_amounts(payload, scenario, read)

    scenario.credit_score = read.integer("credit_score", 300, 850, "minimum score and pricing depend on it")
    scenario.monthly_income = read.money("monthly_income", why="DTI needs it", allow_zero=False)
    scenario.monthly_debts = read.money("monthly_debts", why="back-end DTI needs it (give 0 if none)")
    if (
        scenario.monthly_income is not None
        and scenario.monthly_debts is not None
        and scenario.monthly_debts >= scenario.monthly_income
    ):
        scenario.add_problem(
            "contradictory",
            ("monthly_debts", "monthly_income"),
            f"monthly_debts {scenario.monthly_debts} is not less than monthly_income {scenario.monthly_income}: "
            "both must be monthly figures (gross income, minimum payments on other debts)",
            ("monthly_debts",),
        )
    scenario.monthly_taxes = read.money("monthly_taxes", why="the housing payment needs it (give 0 if none)")
    scenario.monthly_insurance = read.money("monthly_insurance", why="the housing payment needs it")
    hoa = read.money("monthly_hoa", required=False)
    scenario.hoa_given = read.present("monthly_hoa")
    scenario.monthly_hoa = hoa if hoa is not None else ZERO

    if read.present("interest_rate"):
        rate = read.money("interest_rate")
        if rate is not None and not MIN_INTEREST_RATE <= rate <= MAX_INTEREST_RATE:
            read.invalid(
                "interest_rate",
                f"must be a percent between {MIN_INTEREST_RATE} and {MAX_INTEREST_RATE} (6.5 means 6.5%; "
                f"got {rate})",
            )
            rate = None
        scenario.interest_rate = rate
    else:
        read.missing("interest_rate", "the payment needs it (percent, e.g. 6.5)")
    scenario.term_months = read.integer("term_months", 12, 480, "the payment needs it (360 for 30 years)")

    scenario.first_time_buyer = read.boolean("first_time_buyer", payload.get("first_time_buyer"))
    if not read.present("first_time_buyer"):
        scenario.add_problem(
            "missing",
            ("first_time_buyer",),
            "first_time_buyer is missing; conventional 97% LTV depends on it",
        )
    _parse_veteran(payload, scenario, read)
    scenario.household_size = read.integer("household_size", 1, 20, "", required=False)
    if scenario.household_size is None and not read.present("household_size"):
        scenario.add_problem(
            "missing",
            ("household_size",),
            "household_size is missing; VA residual income and USDA income limits use it",
        )
    scenario.reserves_months = read.money("reserves_months", required=False)
    if not read.present("reserves_months"):
        # Only some programs need reserves; their reserve check quotes this message.
        scenario.add_problem("missing", ("reserves_months",), "reserves_months is missing")
    _parse_derogatory_events(payload, scenario, read)
    scenario.usda_rural_eligible = read.boolean("usda_rural_eligible", payload.get("usda_rural_eligible"))
    return scenario


def _check_units_match_property_type(scenario: Scenario) -> None:
    if scenario.units is None or scenario.property_type is None:
        return
    if scenario.property_type == "multi_family" and scenario.units == 1:
        scenario.add_problem(
            "contradictory", ("property_type", "units"), "property_type multi_family needs units 2-4 (got 1)"
        )
    elif scenario.property_type != "multi_family" and scenario.units > 1:
        scenario.add_problem(
            "contradictory",
            ("property_type", "units"),
            f"property_type {scenario.property_type} with {scenario.units} units; use multi_family for 2-4 "
            "units",
        )


def _parse_location(payload: dict, scenario: Scenario, read: _Reader, book: RuleBook) -> None:
    state = payload.get("state")
    if state is not None:
        if isinstance(state, str) and state.strip().upper() in STATES:
            scenario.state = state.strip().upper()
        else:
            read.invalid("state", f"must be a two-letter US state or territory code (got {state!r})")

    limit_file = book.county_limit_file(scenario.as_of) if scenario.as_of else None
    scenario.county_limits_in_force = limit_file is not None
    # Outside the years we have county files for, the latest file still identifies the county and state.
    file_name = (limit_file or book.county_limit_files[-1]).file

    county_from_fips: County | None = None
    raw_fips = payload.get("county_fips")
    if raw_fips is not None:
        fips = f"{raw_fips:05d}" if isinstance(raw_fips, int) and not isinstance(raw_fips, bool) else raw_fips
        if not (isinstance(fips, str) and len(fips.strip()) == 5 and fips.strip().isdigit()):
            read.invalid("county_fips", f"must be a 5-digit county FIPS code (got {raw_fips!r})")
        else:
            county_from_fips = county_by_fips(fips.strip(), file_name)
            if county_from_fips is None:
                read.invalid("county_fips", f"{fips.strip()} is not a county in the loan limit table")

    county_from_zip: County | None = None
    raw_zip = payload.get("zip")
    if raw_zip is not None:
        zip5 = normalise_zip(raw_zip)
        if zip5 is None:
            read.invalid("zip", f"must be a 5-digit ZIP code (got {raw_zip!r})")
        else:
            lookup = county_for_zip(zip5, file_name)
            county_from_zip = lookup.county
            if lookup.unknown_zip:
                read.invalid("zip", f"{zip5} is not a known US ZIP code")
            elif county_from_zip is None and raw_fips is None:
                scenario.add_problem("missing", ("county_fips",), lookup.problem)

    if (
        county_from_fips is not None
        and county_from_zip is not None
        and county_from_fips.fips != county_from_zip.fips
    ):
        scenario.add_problem(
            "contradictory",
            ("county_fips", "zip"),
            f"zip {payload['zip']} is in {county_from_zip.label} ({county_from_zip.fips}) but county_fips "
            f"{county_from_fips.fips} is {county_from_fips.label}",
        )
        return
    scenario.county = county_from_fips or county_from_zip
    if raw_fips is None and raw_zip is None:
        read.missing("county_fips", "give county_fips (5 digits) or zip; loan limits are set per county")
    if scenario.county is not None:
        if scenario.state is not None and scenario.state != scenario.county.state:
            scenario.add_problem(
                "contradictory",
                ("state", "county_fips"),
                f"state {scenario.state} does not match the county ({scenario.county.label})",
            )
            scenario.county = None
        else:
            scenario.state = scenario.county.state
    elif scenario.state is None and "state" not in scenario.problem_fields:
        scenario.add_problem("missing", ("state",), "state is missing (and no county to take it from)")


def _parse_amounts(payload: dict, scenario: Scenario, read: _Reader) -> None:
    purchase = scenario.purpose == "purchase"
    price = read.money("purchase_price", required=False, allow_zero=False)
    value = read.money("property_value", required=False, allow_zero=False)
    loan = read.money("loan_amount", required=False, allow_zero=False)
    down = read.money("down_payment", required=False)
    scenario.purchase_price, scenario.property_value = price, value
    scenario.loan_amount, scenario.down_payment = loan, down
    if scenario.purpose is None:
        return  # which amounts are needed depends on the purpose; that problem is already recorded

    if purchase:
        if price is None:
            if "purchase_price" not in scenario.problem_fields:
                read.missing("purchase_price", "a purchase needs the price")
            return
        # LTV is measured against the lesser of price and appraised value.
        scenario.value = min(price, value) if value is not None else price
        if down is not None and down >= price:
            scenario.add_problem(
                "contradictory",
                ("down_payment", "purchase_price"),
                f"down_payment {down} is not less than purchase_price {price}: no loan is needed",
                ("down_payment",),
            )
            return
        if loan is not None and down is not None:
            if abs(price - down - loan) > Decimal("0.01"):
                scenario.add_problem(
                    "contradictory",
                    ("loan_amount", "down_payment"),
                    f"loan_amount {loan} plus down_payment {down} is not purchase_price {price}",
                )
                return
            scenario.base_loan = loan
        elif loan is not None:
            scenario.base_loan = loan
        elif down is not None:
            scenario.base_loan = price - down
        elif not ({"loan_amount", "down_payment"} & scenario.problem_fields.keys()):
            scenario.add_problem(
                "missing",
                ("loan_amount",),
                "loan_amount or down_payment is missing; a purchase needs one of them",
            )
        return

    # Refinance: the value is the appraised value and the loan amount is required; a price is irrelevant.
    if value is None:
        if "property_value" not in scenario.problem_fields:
            read.missing("property_value", "a refinance is measured against the property value")
    else:
        scenario.value = value
    if loan is None:
        if "loan_amount" not in scenario.problem_fields:
            read.missing("loan_amount", "a refinance needs the new loan amount")
    else:
        scenario.base_loan = loan


def _parse_veteran(payload: dict, scenario: Scenario, read: _Reader) -> None:
    raw = payload.get("veteran")
    if raw is None:
        scenario.add_problem(
            "missing",
            ("veteran",),
            'veteran is missing; VA needs {"eligible", "first_use", "funding_fee_exempt"}',
        )
        return
    if not isinstance(raw, dict):
        read.invalid("veteran", 'must be an object like {"eligible": true, "first_use": true, ...}')
        return
    eligible = read.boolean("veteran.eligible", raw.get("eligible"))
    first_use = read.boolean("veteran.first_use", raw.get("first_use"))
    exempt = read.boolean("veteran.funding_fee_exempt", raw.get("funding_fee_exempt"))
    if raw.get("eligible") is None:
        scenario.add_problem("missing", ("veteran",), "veteran.eligible is missing")
        return
    if eligible is None:
        return
    if eligible and raw.get("first_use") is None:
        scenario.add_problem("missing", ("veteran.first_use",), "veteran.first_use is missing")
    if eligible and raw.get("funding_fee_exempt") is None:
        scenario.add_problem(
            "missing", ("veteran.funding_fee_exempt",), "veteran.funding_fee_exempt is missing"
        )
    scenario.veteran = VeteranStatus(eligible, first_use, exempt)


def _parse_derogatory_events(payload: dict, scenario: Scenario, read: _Reader) -> None:
    raw = payload.get("derogatory_events")
    if raw is None:
        return  # none reported; the waiting-period checks say so in their messages
    if not isinstance(raw, list):
        read.invalid("derogatory_events", "must be a list of {type, date}")
        return
    events: list[DerogatoryEvent] = []
    for index, item in enumerate(raw):
        where = f"derogatory_events[{index}]"
        if not isinstance(item, dict) or item.get("type") not in DEROGATORY_EVENT_TYPES:
            scenario.add_problem(
                "invalid",
                ("derogatory_events",),
                f"{where}.type must be one of {', '.join(DEROGATORY_EVENT_TYPES)}",
                (f"{where}.type",),
            )
            return
        day = _parse_date(item.get("date"))
        if day is None:
            scenario.add_problem(
                "invalid",
                ("derogatory_events",),
                f"{where}.date must be a date YYYY-MM-DD",
                (f"{where}.date",),
            )
            return
        if scenario.as_of is not None and day > scenario.as_of:
            scenario.add_problem(
                "contradictory",
                ("derogatory_events",),
                f"{where} ({item['type']}) is dated {day}, after as_of {scenario.as_of}: it cannot have happened "
                "yet",
                (f"{where}.date",),
            )
            return
        if day > date.today():
            scenario.add_problem(
                "invalid",
                ("derogatory_events",),
                f"{where} ({item['type']}) is dated {day}, in the future",
                (f"{where}.date",),
            )
            return
        extenuating = item.get("extenuating_circumstances")
        if extenuating is not None and not isinstance(extenuating, bool):
            scenario.add_problem(
                "invalid",
                ("derogatory_events",),
                f"{where}.extenuating_circumstances must be true or false",
                (f"{where}.extenuating_circumstances",),
            )
            return
        events.append(DerogatoryEvent(item["type"], day, extenuating, index))
    scenario.derogatory_events = tuple(events)
