"""Ratios, money and percentiles that never divide by zero: an undefined figure is None and is shown as "—"."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# First-touch and first-human-contact times are kept as counts per bucket (upper bound in seconds), so medians
# and p90s over any period and group come from the daily rollups without reading a lead.
SPEED_BUCKETS = (10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 86400, 259200)
NEVER = "never"
# The speed buckets conversion is reported for (the lender's own version of "answered within a minute").
CONVERSION_BUCKETS = (("within 1 minute", 60), ("1 to 5 minutes", 300), ("5 to 60 minutes", 3600),
                      ("1 to 24 hours", 86400), ("over a day", None))  # fmt: skip
CONVERSION_LABELS = tuple(label for label, _ in CONVERSION_BUCKETS) + ("never contacted",)
# Histogram keys: one per bucket bound, "inf" beyond the last, "never" for leads never touched or contacted.
SPEED_KEYS = tuple(str(bound) for bound in SPEED_BUCKETS) + ("inf", NEVER)


def conversion_index(seconds: float | None) -> int:
    if seconds is None:
        return len(CONVERSION_LABELS) - 1
    for index, (_, bound) in enumerate(CONVERSION_BUCKETS):
        if bound is None or seconds <= bound:
            return index
    return len(CONVERSION_BUCKETS) - 1


def ratio(numerator, denominator) -> Decimal | None:
    """numerator / denominator as a Decimal, or None when the denominator is zero or missing."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def percent(numerator, denominator) -> Decimal | None:
    value = ratio(numerator, denominator)
    return None if value is None else (value * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def money(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT, ROUND_HALF_UP)


def show(value, suffix: str = "") -> str:
    """A figure for people: "—" when undefined."""
    if value is None:
        return "\u2014"
    if isinstance(value, Decimal) and suffix == "$":
        return f"${value:,.2f}"
    return f"{value}{suffix}"


def bucket_of(seconds: float | None) -> str:
    if seconds is None:
        return NEVER
    for bound in SPEED_BUCKETS:
        if seconds <= bound:
            return str(bound)
    return "inf"


def add_histograms(*histograms: dict) -> dict:
    total: dict = {}
    for histogram in histograms:
        for key, count in (histogram or {}).items():
            total[key] = total.get(key, 0) + count
    return total


def histogram_percentile(histogram: dict, fraction: float) -> float | None:
    """The time (seconds) by which `fraction` of the answered leads were answered, to the bucket: the upper bound
    of the bucket holding that rank, interpolated linearly inside it. None when nobody was answered."""
    counts = [(bound, histogram.get(str(bound), 0)) for bound in SPEED_BUCKETS]
    counts.append((None, histogram.get("inf", 0)))
    answered = sum(count for _, count in counts)
    if not answered:
        return None
    rank = fraction * answered
    seen, lower = 0, 0
    for bound, count in counts:
        if count and seen + count >= rank:
            if bound is None:
                return float(lower)
            inside = (rank - seen) / count
            return round(lower + (bound - lower) * inside, 1)
        seen += count
        lower = bound if bound is not None else lower
    return float(lower)


def share_within(histogram: dict, seconds: int) -> tuple[int, int]:
    """(answered within `seconds`, all leads including never answered)."""
    within = sum(
        count for key, count in histogram.items() if key not in (NEVER, "inf") and int(key) <= seconds
    )
    return within, sum(histogram.values())


@dataclass(frozen=True)
class FunnelStep:
    name: str
    count: int
    from_previous: Decimal | None  # percent of the previous step that reached this one
    from_first: Decimal | None
    dropped: int


def funnel(steps: list[tuple[str, int]]) -> list[FunnelStep]:
    result = []
    first = steps[0][1] if steps else 0
    previous = None
    for name, count in steps:
        result.append(
            FunnelStep(
                name=name,
                count=count,
                from_previous=None if previous is None else percent(count, previous),
                from_first=percent(count, first),
                dropped=0 if previous is None else max(previous - count, 0),
            )
        )
        previous = count
    return result


@dataclass(frozen=True)
class Money:
    leads: int
    applications: int
    funded: int
    lead_cost: Decimal
    funded_amount: Decimal
    revenue: Decimal
    cost_per_lead: Decimal | None
    cost_per_application: Decimal | None
    pull_through: Decimal | None  # funded / applications, percent
    cost_per_funded_loan: Decimal | None
    roi: Decimal | None  # (revenue - cost) / cost, percent


def money_figures(
    *, leads: int, applications: int, funded: int, lead_cost, funded_amount, revenue_bps, revenue_flat
) -> Money:
    """Revenue per funded loan is basis points of the funded amount plus a flat amount per loan (either may be 0)."""
    cost = Decimal(lead_cost or 0)
    amount = Decimal(funded_amount or 0)
    revenue = amount * Decimal(revenue_bps or 0) / Decimal(10000) + Decimal(revenue_flat or 0) * funded
    roi = ratio(revenue - cost, cost)
    return Money(
        leads=leads,
        applications=applications,
        funded=funded,
        lead_cost=money(cost),
        funded_amount=money(amount),
        revenue=money(revenue),
        cost_per_lead=money(ratio(cost, leads)),
        cost_per_application=money(ratio(cost, applications)),
        pull_through=percent(funded, applications),
        cost_per_funded_loan=money(ratio(cost, funded)),
        roi=None if roi is None else (roi * 100).quantize(Decimal("0.1"), ROUND_HALF_UP),
    )
