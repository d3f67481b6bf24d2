"""Reports benchmark: report pages read from the daily rollups on a large book, and the rollup rebuild.

    python bench/reports.py              # 200,000 leads over a year (SQLite)
    python bench/reports.py --quick      # 20,000 leads: under a minute
    python bench/reports.py --leads 1000000 --database postgres

A fresh database is migrated and seeded in bulk (one organisation, 8 sources with prices, 20 loan officers in two
teams, leads spread over the last 365 days and the purchase pipeline's stages, first-touch and first-contact
times, a stage-history event for every lead past New). Then `rebuild` builds every day's rollups (timed), and
Django's test Client requests each report page over the whole year, grouped as a manager would look at it
(funnel by source, speed by loan officer, cost and return by source, funnel by week, funnel by vendor campaign,
speed by hour of arrival, activity with its stage stays), as the org admin, N times
each after a warm-up. The baseline, measured in the same run, is the same funnel computed by scanning the leads
(one GROUP BY query): the ratio shows what the rollups buy. Target: every page under 500 ms server time.
The last line is one JSON object.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common  # noqa: E402 - the benchmark folder is not a package

TARGET_MS = 500
PAGES = {
    "funnel_by_source": "/reports/funnel/?from={start}&to={end}&by=source",
    "speed_by_officer": "/reports/speed/?from={start}&to={end}&by=lo",
    "roi_by_source": "/reports/roi/?from={start}&to={end}&by=source",
    "funnel_by_week": "/reports/funnel/?from={start}&to={end}&by=week",
    "funnel_by_campaign": "/reports/funnel/?from={start}&to={end}&by=campaign",
    "speed_by_hour": "/reports/speed/?from={start}&to={end}&by=hour",
    "activity": "/reports/activity/?from={start}&to={end}",
}
STAGE_WEIGHTS = {"New": 14, "Contacted": 18, "Qualified": 10, "Pre-approved": 6, "Application": 5,
                 "Processing": 3, "Underwriting": 2, "Clear to close": 2, "Closed": 7, "Lost": 33}  # fmt: skip


def configure(database: str, data_dir: Path) -> str | None:
    os.environ["FIRSTCALL_DATA_DIR"] = str(data_dir)
    os.environ["FIRSTCALL_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("FIRSTCALL_LOG_LEVEL", "WARNING")
    database_url = None
    if database == "postgres":
        database_url = _common.postgres_url_for_run("reports")
        problem = _common.postgres_available(database_url)
        if problem:
            return problem
        _common.recreate_postgres_database(database_url)
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    _common.setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return None


def seed(lead_count: int, rng: random.Random):
    from firstcall.accounts.models import Organisation, Team, User
    from firstcall.leads.models import Lead, Pipeline, TimelineEvent
    from firstcall.leads.sources import create_source
    from firstcall.leads.stages import ensure_default_pipelines

    organisation = Organisation.objects.create(name="Bench Lending", time_zone="America/New_York")
    ensure_default_pipelines(organisation)
    admin = User.objects.create_user(username="bench-admin", organisation=organisation, role=User.Role.ADMIN)
    teams = [Team.objects.create(organisation=organisation, name=name) for name in ("Tampa", "Atlanta")]
    officers = []
    for index in range(20):
        officer = User.objects.create_user(username=f"lo{index}", organisation=organisation,
                                           role=User.Role.LOAN_OFFICER, first_name=f"Officer {index}")  # fmt: skip
        officer.teams.add(teams[index % 2])
        officers.append(officer)
    sources = []
    for index, price in enumerate((35, 40, 25, 60, 0, 15, 80, 50)):
        source, _ = create_source(organisation, channel="api", name=f"Vendor {index}")
        source.cost_per_lead = Decimal(price)
        source.save(update_fields=["cost_per_lead"])
        sources.append(source)
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    names, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    now = datetime.now(UTC)
    batch, events = [], []
    for index in range(lead_count):
        created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        stage = stages[rng.choices(names, weights)[0]]
        touched = created + timedelta(seconds=rng.randint(2, 40))
        contacted = created + timedelta(seconds=int(rng.expovariate(1 / 900))) if rng.random() < 0.8 else None
        batch.append(Lead(
            organisation=organisation, pipeline=pipeline, stage=stage, owner=rng.choice(officers),
            source=rng.choice(sources), first_name="B", last_name=str(index), phone=f"+1813{index:07d}",
            loan_type=rng.choice(["fha", "conventional", "va", "usda"]), created_at=created, updated_at=created,
            first_touch_at=touched, first_human_contact_at=contacted, purchase_price=Decimal(350000),
            down_payment=Decimal(20000),
        ))  # fmt: skip
        if len(batch) == 5000:
            events.extend(_history(Lead.objects.bulk_create(batch), stages, TimelineEvent))
            batch = []
    if batch:
        events.extend(_history(Lead.objects.bulk_create(batch), stages, TimelineEvent))
    for start in range(0, len(events), 5000):
        TimelineEvent.objects.bulk_create(events[start : start + 5000])
    return organisation, admin


def _history(leads, stages, model):
    return [
        model(
            lead=lead,
            kind="stage_changed",
            summary="Stage changed",
            created_at=lead.created_at,
            data={"to_stage_id": lead.stage_id},
        )  # fmt: skip
        for lead in leads
        if lead.stage.name != "New"
    ]


def time_page(client, url: str, repeats: int) -> list[float]:
    client.get(url)  # warm-up
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return durations


def baseline_funnel_ms(organisation, start, repeats: int) -> list[float]:
    """The same funnel by source straight from the leads: one GROUP BY with conditional counts."""
    from django.db.models import Count, Q

    from firstcall.leads.models import Lead

    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        list(
            Lead.objects.filter(organisation=organisation, created_at__gte=start)
            .values("source_id")
            .annotate(
                leads=Count("pk"),
                contacted=Count("pk", filter=Q(first_human_contact_at__isnull=False)),
                funded=Count("pk", filter=Q(stage__outcome="won")),
            )  # fmt: skip
        )
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--leads", type=int)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    arguments = parser.parse_args()
    lead_count = arguments.leads or (20_000 if arguments.quick else 200_000)
    repeats = arguments.requests or (8 if arguments.quick else 30)
    _common.say(f"load average {os.getloadavg()[0]:.2f}; {lead_count} leads on {arguments.database}")
    with _common.data_directory("firstcall-bench-reports-") as data_dir:
        problem = configure(arguments.database, data_dir)
        if problem:
            _common.print_result({"benchmark": "reports", "skipped": problem})
            return
        from django.test import Client

        from firstcall.reports.rollups import rebuild

        rng = random.Random(7)
        started = time.perf_counter()
        organisation, admin = seed(lead_count, rng)
        _common.say(f"seeded in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        days = rebuild(organisation)
        rebuild_seconds = time.perf_counter() - started
        _common.say(f"rollups rebuilt: {days} days in {rebuild_seconds:.1f} s")
        client = Client()
        client.force_login(admin)
        today = datetime.now(UTC).date()
        window = {"start": (today - timedelta(days=365)).isoformat(), "end": today.isoformat()}
        results = {}
        for name, url in PAGES.items():
            durations = time_page(client, url.format(**window), repeats)
            results[name] = {"median_ms": round(statistics.median(durations), 1),
                             "p99_ms": round(_common.percentile(durations, 0.99), 1)}  # fmt: skip
            _common.say(f"{name}: median {results[name]['median_ms']} ms, p99 {results[name]['p99_ms']} ms")
        baseline = baseline_funnel_ms(organisation, datetime.now(UTC) - timedelta(days=365), repeats)
        baseline_ms = statistics.median(baseline)
        worst = max(result["p99_ms"] for result in results.values())
        medians = [result["median_ms"] for result in results.values()]
        _common.say(f"baseline: the funnel by scanning leads, median {baseline_ms:.1f} ms")
        if arguments.database == "postgres":
            _common.drop_postgres_database(os.environ["DATABASE_URL"])
        _common.print_result({
            "benchmark": "reports", "database": arguments.database, "leads": lead_count,
            "rollup_rebuild_seconds": round(rebuild_seconds, 2), "days": days, "pages": results,
            "median_ms": round(statistics.median(medians), 1), "p99_ms": worst,
            "throughput_pages_per_s": round(1000 / statistics.mean(medians), 1),
            "baseline_scan_funnel_ms": round(baseline_ms, 1),
            "ratio_funnel_page_vs_scan": round(results["funnel_by_source"]["median_ms"] / baseline_ms, 2),
            "target_met": worst < TARGET_MS, "load_average": round(os.getloadavg()[0], 2),
        })  # fmt: skip


if __name__ == "__main__":
    main()
