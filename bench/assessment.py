"""Benchmark: full eligibility assessments (all five programs) per second on one core, and the price solver.

    python bench/assessment.py            # about 30,000 assessments
    python bench/assessment.py --quick    # about 4,000, well under a minute

Targets: median < 1 ms per full assessment, solver < 10 ms. The last line is JSON with at least
`assessment_median_ms` and `solver_median_ms`.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firstcall.eligibility.engine import RULE_SET_VERSION, assess  # noqa: E402
from firstcall.eligibility.engine import common as engine_common  # noqa: E402

BASE = {
    "as_of": "2026-03-02",
    "purpose": "purchase",
    "occupancy": "primary",
    "property_type": "single_family",
    "units": 1,
    "state": "FL",
    "county_fips": "12086",
    "purchase_price": "400000",
    "down_payment": "14000",
    "credit_score": 700,
    "monthly_income": "9000",
    "monthly_debts": "600",
    "monthly_taxes": "400",
    "monthly_insurance": "150",
    "monthly_hoa": "0",
    "interest_rate": 6.5,
    "term_months": 360,
    "first_time_buyer": True,
    "veteran": {"eligible": False},
    "household_size": 3,
    "reserves_months": 3,
    "usda_rural_eligible": False,
}
LENDER_OVERLAYS = [
    {
        "name": "Bench Lending policy",
        "version": "1",
        "source": "bench",
        "programs": {"fha": {"min_credit_score": 620}, "jumbo": {"min_credit_score": 720}},
    }
]

# (label, scenario changes, with overlays?) - a mix of what loan officers actually type in.
MIX = [
    ("first-time buyer, 3.5% down", {}, False),
    (
        "conventional, 20% down",
        {"down_payment": "80000", "credit_score": 760, "monthly_income": "12000"},
        False,
    ),
    (
        "veteran, no down payment",
        {"down_payment": "0", "veteran": {"eligible": True, "first_use": True, "funding_fee_exempt": False}},
        False,
    ),
    (
        "rural USDA buyer",
        {
            "down_payment": "0",
            "usda_rural_eligible": True,
            "monthly_income": "7000",
            "purchase_price": "250000",
        },
        False,
    ),
    (
        "Los Angeles jumbo",
        {
            "county_fips": "06037",
            "state": "CA",
            "purchase_price": "2000000",
            "down_payment": "400000",
            "monthly_income": "55000",
            "monthly_taxes": "2000",
            "monthly_insurance": "400",
            "credit_score": 750,
            "reserves_months": 12,
        },
        True,
    ),
    ("low score 560", {"credit_score": 560, "down_payment": "20000"}, True),
    ("no down payment given (min-down solver)", {"down_payment": None}, False),
    ("ZIP instead of FIPS", {"county_fips": None, "zip": "33101"}, False),
    (
        "two-unit primary",
        {
            "property_type": "multi_family",
            "units": 2,
            "purchase_price": "600000",
            "down_payment": "30000",
            "monthly_income": "14000",
        },
        False,
    ),
    (
        "investment property",
        {"occupancy": "investment", "down_payment": "100000", "monthly_income": "15000"},
        False,
    ),
    (
        "rate/term refinance",
        {
            "purpose": "rate_term_refinance",
            "purchase_price": None,
            "down_payment": None,
            "property_value": "500000",
            "loan_amount": "350000",
        },
        False,
    ),
    (
        "cash-out refinance",
        {
            "purpose": "cash_out_refinance",
            "purchase_price": None,
            "down_payment": None,
            "property_value": "500000",
            "loan_amount": "400000",
        },
        False,
    ),
    ("after a foreclosure", {"derogatory_events": [{"type": "foreclosure", "date": "2022-05-01"}]}, False),
    ("high DTI", {"monthly_income": "6000", "monthly_debts": "1500"}, True),
    ("missing credit score", {"credit_score": None}, False),
]


def build_scenarios() -> list[tuple[str, dict, list | None]]:
    scenarios = []
    for label, changes, with_overlays in MIX:
        scenario = dict(BASE)
        for key, value in changes.items():
            if value is None:
                scenario.pop(key, None)
            else:
                scenario[key] = value
        scenarios.append((label, scenario, LENDER_OVERLAYS if with_overlays else None))
    return scenarios


def pin_to_one_core(cpu: int | None) -> str:
    """Python runs this on one thread anyway; pinning (--cpu N) also keeps it on one core."""
    if cpu is None:
        return "one thread, not pinned"
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}"


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def time_assessments(scenarios, rounds: int) -> tuple[list[float], list[float], float, float]:
    """Per-assessment CPU time (this thread only, so other processes on a shared machine don't count) and
    wall time, in ms, plus the totals in seconds."""
    cpu_times: list[float] = []
    wall_times: list[float] = []
    cpu_clock, wall_clock = time.thread_time_ns, time.perf_counter_ns
    cpu_started, wall_started = cpu_clock(), wall_clock()
    for _round in range(rounds):
        for _label, scenario, overlays in scenarios:
            cpu_before, wall_before = cpu_clock(), wall_clock()
            assess(scenario, overlays)
            wall_times.append((wall_clock() - wall_before) / 1e6)
            cpu_times.append((cpu_clock() - cpu_before) / 1e6)
    return cpu_times, wall_times, (cpu_clock() - cpu_started) / 1e9, (wall_clock() - wall_started) / 1e9


def time_with_remedies(scenarios, rounds: int) -> list[float]:
    """CPU time of an assessment that also answers what would make each refer/ineligible program work (what
    the CLI and API return): every suggested change is assessed again, so this costs more than the engine."""
    times: list[float] = []
    for _round in range(rounds):
        for _label, scenario, overlays in scenarios:
            before = time.thread_time_ns()
            assess(scenario, overlays, remedies=True)
            times.append((time.thread_time_ns() - before) / 1e6)
    return sorted(times)


def time_solver(scenarios, rounds: int) -> list[float]:
    """CPU time of every max-price solver call (one per program per purchase scenario) in real assessments."""
    durations: list[float] = []
    original = engine_common.max_purchase_price

    def timed(*args, **kwargs):
        before = time.thread_time_ns()
        try:
            return original(*args, **kwargs)
        finally:
            durations.append((time.thread_time_ns() - before) / 1e6)

    engine_common.max_purchase_price = timed
    try:
        for _round in range(rounds):
            for _label, scenario, overlays in scenarios:
                assess(scenario, overlays)
    finally:
        engine_common.max_purchase_price = original
    return durations


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (well under a minute)")
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this CPU")
    arguments = parser.parse_args(argv)
    rounds = 300 if arguments.quick else 2000
    solver_rounds = 60 if arguments.quick else 400

    pinning = pin_to_one_core(arguments.cpu)
    scenarios = build_scenarios()
    for _label, scenario, overlays in scenarios:  # warm caches: rule files, county table, ZIP lookups
        assess(scenario, overlays)
    gc.collect()

    cpu_times, wall_times, cpu_seconds, wall_seconds = time_assessments(scenarios, rounds)
    solver = time_solver(scenarios, solver_rounds)
    with_remedies = time_with_remedies(scenarios, solver_rounds)
    remedies_median = statistics.median(with_remedies)
    cpu_times.sort()
    wall_times.sort()
    solver.sort()

    median = statistics.median(cpu_times)
    p99 = percentile(cpu_times, 0.99)
    throughput = len(cpu_times) / cpu_seconds
    wall_median = statistics.median(wall_times)
    wall_p99 = percentile(wall_times, 0.99)
    wall_throughput = len(wall_times) / wall_seconds
    solver_median = statistics.median(solver)
    solver_p99 = percentile(solver, 0.99)
    targets_met = median < 1.0 and solver_median < 10.0

    print(
        f"FirstCall eligibility benchmark: rule set {RULE_SET_VERSION}, "
        f"Python {platform.python_version()}, {pinning}"
    )
    print(
        f"mix: {len(scenarios)} scenarios x {rounds} rounds = {len(cpu_times)} full assessments "
        "(5 programs each)"
    )
    print(
        f"full assessment, CPU time on one core: median {median:.3f} ms, p99 {p99:.3f} ms, "
        f"throughput {throughput:,.0f} assessments/s"
    )
    print(
        f"full assessment, wall clock: median {wall_median:.3f} ms, p99 {wall_p99:.3f} ms, "
        f"throughput {wall_throughput:,.0f} assessments/s (includes time other processes took)"
    )
    print(
        f"max-price solver, CPU time: {len(solver)} calls, median {solver_median:.3f} ms, "
        f"p99 {solver_p99:.3f} ms"
    )
    print(
        f"assessment with what-would-make-it-work (CLI/API output), CPU time: {len(with_remedies)} assessments, "
        f"median {remedies_median:.3f} ms, p99 {percentile(with_remedies, 0.99):.3f} ms"
    )
    print(f"targets (median < 1 ms per assessment, solver < 10 ms): {'met' if targets_met else 'NOT met'}")
    print(
        json.dumps(
            {
                "assessment_median_ms": round(median, 4),
                "assessment_p99_ms": round(p99, 4),
                "assessments_per_second": round(throughput, 1),
                "assessment_wall_median_ms": round(wall_median, 4),
                "assessment_wall_p99_ms": round(wall_p99, 4),
                "assessments_per_second_wall": round(wall_throughput, 1),
                "solver_median_ms": round(solver_median, 4),
                "solver_p99_ms": round(solver_p99, 4),
                "with_remedies_median_ms": round(remedies_median, 4),
                "assessments": len(cpu_times),
                "solver_calls": len(solver),
                "quick": arguments.quick,
                "targets_met": targets_met,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
