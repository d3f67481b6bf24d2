"""Every ratio by hand: cost per lead, per application and per funded loan, pull-through, return, the funnel's
drop-offs and the speed percentiles; empty periods, zero cost and zero funded give "—", never a division error."""

from decimal import Decimal

from firstcall.reports.engine.figures import (
    bucket_of,
    funnel,
    histogram_percentile,
    money_figures,
    percent,
    ratio,
    share_within,
    show,
)


def test_money_by_hand():
    # 200 leads at $30 = $6,000; 20 applications; 5 funded for $1,500,000 at 100 bps = $15,000 revenue.
    figures = money_figures(leads=200, applications=20, funded=5, lead_cost=Decimal("6000"),
                            funded_amount=Decimal("1500000"), revenue_bps=Decimal("100"), revenue_flat=0)  # fmt: skip
    assert figures.cost_per_lead == Decimal("30.00")
    assert figures.cost_per_application == Decimal("300.00")
    assert figures.pull_through == Decimal("25.0")
    assert figures.cost_per_funded_loan == Decimal("1200.00")
    assert figures.revenue == Decimal("15000.00")
    assert figures.roi == Decimal("150.0")  # (15,000 - 6,000) / 6,000


def test_flat_revenue_per_loan_adds_to_basis_points():
    figures = money_figures(leads=10, applications=2, funded=2, lead_cost=Decimal("1000"),
                            funded_amount=Decimal("600000"), revenue_bps=Decimal("50"), revenue_flat=Decimal("500"))  # fmt: skip
    assert figures.revenue == Decimal("4000.00")  # 3,000 + 2 x 500


def test_zero_funded_zero_cost_and_an_empty_period_never_divide_by_zero():
    empty = money_figures(leads=0, applications=0, funded=0, lead_cost=0, funded_amount=0, revenue_bps=0,
                          revenue_flat=0)  # fmt: skip
    assert (empty.cost_per_lead, empty.cost_per_application, empty.pull_through, empty.cost_per_funded_loan,
            empty.roi) == (None, None, None, None, None)  # fmt: skip
    free = money_figures(leads=50, applications=5, funded=0, lead_cost=0, funded_amount=0, revenue_bps=100,
                         revenue_flat=0)  # fmt: skip
    assert free.cost_per_lead == Decimal("0.00") and free.cost_per_funded_loan is None and free.roi is None
    assert free.pull_through == Decimal("0.0")
    assert show(None) == "\u2014"
    assert ratio(1, 0) is None and percent(3, 0) is None


def test_funnel_drop_offs_and_conversions():
    steps = funnel([("Leads", 100), ("Contacted", 60), ("Applied", 15), ("Approved", 9), ("Funded", 6)])
    assert [step.dropped for step in steps] == [0, 40, 45, 6, 3]
    assert [step.from_previous for step in steps] == [None, Decimal("60.0"), Decimal("25.0"), Decimal("60.0"),
                                                      Decimal("66.7")]  # fmt: skip
    assert steps[-1].from_first == Decimal("6.0")
    assert funnel([("Leads", 0), ("Contacted", 0)])[1].from_previous is None


def test_speed_percentiles_from_histograms():
    histogram = {}
    for seconds in (5, 8, 25, 45, 50, 90, 200, 250, 700, None):
        histogram[bucket_of(seconds)] = histogram.get(bucket_of(seconds), 0) + 1
    assert histogram == {"10": 2, "30": 1, "60": 2, "120": 1, "300": 2, "1800": 1, "never": 1}
    # 9 answered; the median (rank 4.5) falls in the 30-60 s bucket, three quarters in: 30 + 30 x 0.75.
    assert histogram_percentile(histogram, 0.5) == 52.5
    assert share_within(histogram, 60) == (5, 10)
    assert share_within(histogram, 300) == (8, 10)
    assert histogram_percentile({}, 0.5) is None
    assert histogram_percentile({"never": 4}, 0.9) is None


def test_a_period_is_covered_by_the_fewest_whole_months_weeks_and_days():
    from datetime import date, timedelta

    from firstcall.reports.queries import periods

    # 10 Oct 2026 (a Saturday) to 5 Jan 2027 (a Tuesday): Nov and Dec whole; Oct's tail as days and weeks.
    chosen = periods(date(2026, 10, 10), date(2027, 1, 5))
    assert chosen["month"] == [date(2026, 11, 1), date(2026, 12, 1)]
    assert chosen["week"] == [date(2026, 10, 12), date(2026, 10, 19)]
    assert chosen["day"] == [date(2026, 10, 10), date(2026, 10, 11), *(date(2026, 10, d) for d in range(26, 32)),
                             *(date(2027, 1, d) for d in range(1, 6))]  # fmt: skip
    # Every day once, none outside.
    covered = set(chosen["day"])
    covered |= {week + timedelta(days=n) for week in chosen["week"] for n in range(7)}
    covered |= {date(2026, 11, d) for d in range(1, 31)} | {date(2026, 12, d) for d in range(1, 32)}
    assert covered == {date(2026, 10, 10) + timedelta(days=n) for n in range(88)}
    # Grouped by week: no months, so each week stays whole.
    by_week = periods(date(2026, 10, 10), date(2027, 1, 5), months=False)
    assert by_week["month"] == [] and by_week["week"][0] == date(2026, 10, 12) and len(by_week["week"]) == 12
