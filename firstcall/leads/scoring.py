"""Explainable lead score: a pure function over plain data (no Django).

``score_lead(ScoringInput, ScoringConfig) -> ScoreResult`` returns 0..100 points, a tier and one
``ScoreReason`` per factor. The reasons always add up to the points: when the raw total falls outside 0..100
a final ``cap`` reason carries the adjustment, so "why 100 and not 112?" has an answer too.

Every organisation can override any number through ``ScoringConfig.from_dict`` (stored as JSON); mapping
settings merge key by key over the defaults, bracket lists and scalars replace the default outright.

Decisions documented here:
- Credit: when a self-reported range is given (``credit_score_low``/``high``), the **low** end is scored,
  because borrowers pick ranges and lenders price on the lower middle score. Only the high end given -> it
  is used. No scores -> ``credit_band``. The band vocabulary is ``firstcall.lib.credit.CREDIT_BANDS`` (what
  intake stores): excellent 740+, very_good 700-739, good 660-699, fair 620-659, poor 580-619, bad below 580
  (620 is the usual conventional floor, 580 FHA's 3.5%-down floor); floors and points are configurable.
- Timeframe vocabulary matches ``Lead.Timeframe``: asap, 30_days, 90_days, 6_months, 12_months_plus, unknown.
- Down payment is scored for purchases only. VA and USDA are zero-down programs, so a small down payment
  with one of those loan types scores at least ``zero_down_program_points`` instead of being penalised.
- Empty strings (how Django stores "not given") are accepted and treated as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from firstcall.lib.credit import CREDIT_BANDS as INTAKE_CREDIT_BANDS

TIMEFRAMES = ("asap", "30_days", "90_days", "6_months", "12_months_plus", "unknown")
PURPOSES = ("purchase", "rate_term_refinance", "cash_out_refinance", "heloc")
LOAN_TYPES = ("conventional", "fha", "va", "usda", "jumbo", "not_sure")
CREDIT_BANDS = (*INTAKE_CREDIT_BANDS, "unknown")
LOWEST_CREDIT_BAND = "bad"
PROGRAM_STATUSES = ("eligible", "refer", "ineligible")
TIERS = ("hot", "warm", "cold")

MIN_POINTS = 0
MAX_POINTS = 100

# Reason factors, in the order they appear in ScoreResult.reasons.
FACTOR_CREDIT = "credit"
FACTOR_TIMEFRAME = "timeframe"
FACTOR_PURPOSE = "purpose"
FACTOR_LOAN_AMOUNT = "loan_amount"
FACTOR_DOWN_PAYMENT = "down_payment"
FACTOR_PROGRAM_FIT = "program_fit"
FACTOR_SOURCE_QUALITY = "source_quality"
FACTOR_CONTACTABILITY = "contactability"
FACTOR_COMPLETENESS = "completeness"
FACTOR_ENGAGEMENT = "engagement"
FACTOR_PROGRAM_STATUS = "program_status"
FACTOR_CAP = "cap"


def _blank_to_none(value):
    return None if value == "" else value


def _to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Floats only arrive from JSON ratios; go through str so 0.1 stays 0.1.
        return Decimal(str(value))
    return Decimal(value)


@dataclass(frozen=True)
class ScoringInput:
    """The facts the score looks at. Every field is optional; unknown scores zero for its factor."""

    credit_score_low: int | None = None
    credit_score_high: int | None = None
    credit_band: str | None = None
    timeframe: str = "unknown"
    purpose: str | None = None
    loan_amount: Decimal | None = None
    down_payment_percent: Decimal | None = None
    first_time_buyer: bool | None = None
    veteran: bool | None = None
    loan_type_interest: str = "not_sure"
    source_quality: int | None = None
    has_valid_mobile: bool = False
    has_email: bool = False
    fields_completed: Decimal = Decimal(0)
    reply_count: int = 0
    best_program_status: str | None = None

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "credit_band", _blank_to_none(self.credit_band))
        set_(self, "purpose", _blank_to_none(self.purpose))
        set_(self, "best_program_status", _blank_to_none(self.best_program_status))
        set_(self, "timeframe", (self.timeframe or "unknown").lower())
        set_(self, "loan_type_interest", (self.loan_type_interest or "not_sure").lower())
        if self.purpose is not None:
            set_(self, "purpose", self.purpose.lower())
        set_(self, "loan_amount", _to_decimal(self.loan_amount))
        set_(self, "down_payment_percent", _to_decimal(self.down_payment_percent))
        set_(self, "fields_completed", _to_decimal(self.fields_completed) or Decimal(0))
        if self.timeframe not in TIMEFRAMES:
            raise ValueError(f"unknown timeframe {self.timeframe!r}; expected one of {TIMEFRAMES}")
        if self.purpose is not None and self.purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {self.purpose!r}; expected one of {PURPOSES}")
        if self.loan_type_interest not in LOAN_TYPES:
            raise ValueError(f"unknown loan type {self.loan_type_interest!r}; expected one of {LOAN_TYPES}")
        if self.credit_band is not None:
            set_(self, "credit_band", self.credit_band.strip().lower())
        if self.credit_band is not None and self.credit_band not in CREDIT_BANDS:
            raise ValueError(f"unknown credit band {self.credit_band!r}; expected one of {CREDIT_BANDS}")
        if self.best_program_status is not None and self.best_program_status not in PROGRAM_STATUSES:
            raise ValueError(f"unknown program status {self.best_program_status!r}")
        if self.source_quality is not None and not 0 <= self.source_quality <= 100:
            raise ValueError("source_quality must be between 0 and 100")
        if not Decimal(0) <= self.fields_completed <= Decimal(1):
            raise ValueError("fields_completed is a ratio between 0 and 1")
        if self.reply_count < 0:
            raise ValueError("reply_count cannot be negative")


@dataclass(frozen=True)
class ScoringConfig:
    """Points per factor for one organisation. Build with ``default_scoring_config()`` or ``from_dict``."""

    # Minimum credit score for each band, checked from the highest; below every floor -> "bad".
    credit_band_floors: Mapping[str, int]
    credit_band_points: Mapping[str, int]
    timeframe_points: Mapping[str, int]
    purpose_points: Mapping[str, int]
    # (minimum loan amount, points), the highest minimum the amount reaches wins.
    loan_amount_points: tuple[tuple[Decimal, int], ...]
    # (minimum down payment percent, points), purchases only.
    down_payment_points: tuple[tuple[Decimal, int], ...]
    zero_down_program_points: int
    first_time_buyer_purchase_points: int
    veteran_va_points: int
    veteran_points: int
    source_quality_max_points: int
    valid_mobile_points: int
    email_points: int
    completeness_max_points: int
    first_reply_points: int
    additional_reply_points: int
    engagement_max_points: int
    program_status_points: Mapping[str, int]
    hot_threshold: int
    warm_threshold: int

    def __post_init__(self):
        if not MIN_POINTS <= self.warm_threshold < self.hot_threshold <= MAX_POINTS:
            raise ValueError("tier thresholds must satisfy 0 <= warm_threshold < hot_threshold <= 100")
        missing = sorted(set(self.credit_band_floors) - set(self.credit_band_points))
        if missing:
            raise ValueError(f"credit bands without points: {', '.join(missing)}")
        object.__setattr__(self, "loan_amount_points", _normalise_brackets(self.loan_amount_points))
        object.__setattr__(self, "down_payment_points", _normalise_brackets(self.down_payment_points))

    @classmethod
    def from_dict(cls, overrides: Mapping[str, Any] | None) -> ScoringConfig:
        """Defaults with an organisation's stored overrides applied. Unknown keys raise, never ignored."""
        config = default_scoring_config()
        if not overrides:
            return config
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown scoring settings: {', '.join(unknown)}")
        changes: dict[str, Any] = {}
        for name, value in overrides.items():
            current = getattr(config, name)
            if isinstance(current, Mapping):
                changes[name] = {**current, **{key: int(points) for key, points in value.items()}}
            elif name in ("loan_amount_points", "down_payment_points"):
                changes[name] = tuple((_to_decimal(minimum), int(points)) for minimum, points in value)
            else:
                changes[name] = int(value)
        return replace(config, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (Decimals as strings) that ``from_dict`` reads back."""
        data: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                data[f.name] = dict(value)
            elif isinstance(value, tuple):
                data[f.name] = [[str(minimum), points] for minimum, points in value]
            else:
                data[f.name] = value
        return data


def _normalise_brackets(brackets) -> tuple[tuple[Decimal, int], ...]:
    normalised = tuple((_to_decimal(minimum), int(points)) for minimum, points in brackets)
    return tuple(sorted(normalised, key=lambda bracket: bracket[0], reverse=True))


def default_scoring_config() -> ScoringConfig:
    """Sensible defaults. The positive maxima add up to more than 100 on purpose: a lead strong on most
    factors reaches 100 without needing every one. Tiers: hot >= 70, warm >= 40, else cold."""
    return ScoringConfig(
        credit_band_floors={
            band: low for band, (low, _) in INTAKE_CREDIT_BANDS.items() if band != LOWEST_CREDIT_BAND
        },
        credit_band_points={
            "excellent": 25,
            "very_good": 22,
            "good": 17,
            "fair": 12,
            "poor": 6,
            "bad": 2,
            "unknown": 0,
        },
        timeframe_points={
            "asap": 20,
            "30_days": 17,
            "90_days": 12,
            "6_months": 6,
            "12_months_plus": 2,
            "unknown": 0,
        },
        purpose_points={"purchase": 8, "cash_out_refinance": 7, "rate_term_refinance": 6, "heloc": 5},
        loan_amount_points=(
            (Decimal(500000), 8),
            (Decimal(250000), 7),
            (Decimal(100000), 4),
            (Decimal(0), 1),
        ),
        down_payment_points=(
            (Decimal(20), 6),
            (Decimal(10), 5),
            (Decimal("3.5"), 3),
            (Decimal(0), 1),
        ),
        zero_down_program_points=5,
        first_time_buyer_purchase_points=4,
        veteran_va_points=6,
        veteran_points=3,
        source_quality_max_points=10,
        valid_mobile_points=6,
        email_points=2,
        completeness_max_points=5,
        first_reply_points=6,
        additional_reply_points=2,
        engagement_max_points=10,
        program_status_points={"eligible": 8, "refer": 3, "ineligible": -10},
        hot_threshold=70,
        warm_threshold=40,
    )


@dataclass(frozen=True)
class ScoreReason:
    factor: str
    points: int
    detail: str


@dataclass(frozen=True)
class ScoreResult:
    points: int
    tier: str
    reasons: list[ScoreReason] = field(default_factory=list)


def _round_points(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def credit_band_for(inp: ScoringInput, config: ScoringConfig) -> tuple[str, str]:
    """(band, how it was found). Public so the UI can show the same band the score used."""
    if inp.credit_score_low is not None or inp.credit_score_high is not None:
        if inp.credit_score_low is not None:
            score, basis = inp.credit_score_low, "low end of stated range"
        else:
            score, basis = inp.credit_score_high, "stated score"
        for band, floor in sorted(config.credit_band_floors.items(), key=lambda item: item[1], reverse=True):
            if score >= floor:
                return band, f"{score} ({basis})"
        return LOWEST_CREDIT_BAND, f"{score} ({basis})"
    if inp.credit_band is not None:
        return inp.credit_band, "stated band"
    return "unknown", "not given"


def _credit(inp, config):
    band, basis = credit_band_for(inp, config)
    return ScoreReason(FACTOR_CREDIT, config.credit_band_points.get(band, 0), f"credit {band}: {basis}")


def _timeframe(inp, config):
    return ScoreReason(
        FACTOR_TIMEFRAME, config.timeframe_points.get(inp.timeframe, 0), f"timeframe {inp.timeframe}"
    )


def _purpose(inp, config):
    if inp.purpose is None:
        return ScoreReason(FACTOR_PURPOSE, 0, "purpose not given")
    return ScoreReason(FACTOR_PURPOSE, config.purpose_points.get(inp.purpose, 0), f"purpose {inp.purpose}")


def _bracket_points(value: Decimal, brackets) -> tuple[int, Decimal | None]:
    for minimum, points in brackets:
        if value >= minimum:
            return points, minimum
    return 0, None


def _loan_amount(inp, config):
    if inp.loan_amount is None:
        return ScoreReason(FACTOR_LOAN_AMOUNT, 0, "loan amount not given")
    points, minimum = _bracket_points(inp.loan_amount, config.loan_amount_points)
    bracket = f" (at least {minimum:,})" if minimum is not None else ""
    return ScoreReason(FACTOR_LOAN_AMOUNT, points, f"loan amount {inp.loan_amount:,}{bracket}")


def _down_payment(inp, config):
    if inp.purpose != "purchase":
        return ScoreReason(FACTOR_DOWN_PAYMENT, 0, "down payment only scored for purchases")
    zero_down = inp.loan_type_interest in ("va", "usda")
    if inp.down_payment_percent is None:
        if zero_down:
            return ScoreReason(
                FACTOR_DOWN_PAYMENT,
                config.zero_down_program_points,
                f"down payment not given; {inp.loan_type_interest.upper()} needs none",
            )
        return ScoreReason(FACTOR_DOWN_PAYMENT, 0, "down payment not given")
    points, minimum = _bracket_points(inp.down_payment_percent, config.down_payment_points)
    detail = f"down payment {inp.down_payment_percent}%"
    if minimum is not None:
        detail += f" (at least {minimum}%)"
    if zero_down and config.zero_down_program_points > points:
        points = config.zero_down_program_points
        detail += f"; {inp.loan_type_interest.upper()} needs none"
    return ScoreReason(FACTOR_DOWN_PAYMENT, points, detail)


def _program_fit(inp, config):
    parts, points = [], 0
    if inp.veteran:
        if inp.loan_type_interest == "va":
            points += config.veteran_va_points
            parts.append("veteran asking about VA")
        else:
            points += config.veteran_points
            parts.append("veteran (VA eligible)")
    if inp.first_time_buyer and inp.purpose == "purchase":
        points += config.first_time_buyer_purchase_points
        parts.append("first-time buyer purchase")
    return ScoreReason(FACTOR_PROGRAM_FIT, points, "; ".join(parts) or "no program fit signal")


def _source_quality(inp, config):
    if inp.source_quality is None:
        return ScoreReason(FACTOR_SOURCE_QUALITY, 0, "source quality not rated")
    points = _round_points(Decimal(inp.source_quality) * config.source_quality_max_points / 100)
    return ScoreReason(FACTOR_SOURCE_QUALITY, points, f"source quality {inp.source_quality}/100")


def _contactability(inp, config):
    parts, points = [], 0
    if inp.has_valid_mobile:
        points += config.valid_mobile_points
        parts.append("valid mobile")
    if inp.has_email:
        points += config.email_points
        parts.append("email")
    return ScoreReason(FACTOR_CONTACTABILITY, points, " and ".join(parts) or "no valid mobile or email")


def _completeness(inp, config):
    points = _round_points(inp.fields_completed * config.completeness_max_points)
    percent = _round_points(inp.fields_completed * 100)
    return ScoreReason(FACTOR_COMPLETENESS, points, f"{percent}% of fields completed")


def _engagement(inp, config):
    if inp.reply_count == 0:
        return ScoreReason(FACTOR_ENGAGEMENT, 0, "no replies yet")
    raw = config.first_reply_points + (inp.reply_count - 1) * config.additional_reply_points
    points = min(raw, config.engagement_max_points)
    noun = "reply" if inp.reply_count == 1 else "replies"
    capped = f" (capped at {config.engagement_max_points})" if raw > points else ""
    return ScoreReason(FACTOR_ENGAGEMENT, points, f"{inp.reply_count} {noun}{capped}")


def _program_status(inp, config):
    if inp.best_program_status is None:
        return ScoreReason(FACTOR_PROGRAM_STATUS, 0, "no program assessment yet")
    return ScoreReason(
        FACTOR_PROGRAM_STATUS,
        config.program_status_points.get(inp.best_program_status, 0),
        f"best program {inp.best_program_status}",
    )


_FACTORS = (
    _credit,
    _timeframe,
    _purpose,
    _loan_amount,
    _down_payment,
    _program_fit,
    _source_quality,
    _contactability,
    _completeness,
    _engagement,
    _program_status,
)


def tier_for(points: int, config: ScoringConfig) -> str:
    if points >= config.hot_threshold:
        return "hot"
    if points >= config.warm_threshold:
        return "warm"
    return "cold"


def score_lead(inp: ScoringInput, config: ScoringConfig | None = None) -> ScoreResult:
    """Score one lead. ``sum(r.points for r in result.reasons) == result.points`` always holds."""
    config = config or default_scoring_config()
    reasons = [factor(inp, config) for factor in _FACTORS]
    raw = sum(reason.points for reason in reasons)
    points = max(MIN_POINTS, min(MAX_POINTS, raw))
    if points != raw:
        reasons.append(ScoreReason(FACTOR_CAP, points - raw, f"raw total {raw} kept within 0-100"))
    tier = tier_for(points, config)
    return ScoreResult(points=points, tier=tier, reasons=reasons)
