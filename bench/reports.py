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
    """One organisation, its people and sources through the ORM; the leads, their stage history, their messages
    (a first text each, a reply from some) and the calls logged on them in bulk SQL: the leads' varying columns
    go to a staging table (COPY on PostgreSQL, executemany on SQLite) and one INSERT ... SELECT per table
    fills every other column with its default, so a million leads take a minute or two, not an hour."""
    from firstcall.accounts.models import Organisation, Team, User
    from firstcall.leads.models import Lead, Pipeline, TimelineEvent
    from firstcall.leads.sources import create_source
    from firstcall.leads.stages import ensure_default_pipelines
    from firstcall.messaging.models import Message

    organisation = Organisation.objects.create(name="Bench Lending", time_zone="America/New_York")
    ensure_default_pipelines(organisation)
    admin = User.objects.create_user(username="bench-admin", organisation=organisation, role=User.Role.ADMIN)
    teams = [Team.objects.create(organisation=organisation, name=name) for name in ("Tampa", "Atlanta")]
    officers = []
    for index in range(20):
        officer = User.objects.create_user(username=f"lo{index}", organisation=organisation,
                                           role=User.Role.LOAN_OFFICER, first_name=f"Officer {index}")  # fmt: skip
        officer.teams.add(teams[index % 2])
        officers.append(officer.pk)
    sources = []
    for index, price in enumerate((35, 40, 25, 60, 0, 15, 80, 50)):
        source, _ = create_source(organisation, channel="api", name=f"Vendor {index}")
        source.cost_per_lead = Decimal(price)
        source.save(update_fields=["cost_per_lead"])
        sources.append(source.pk)
    pipeline = Pipeline.objects.get(organisation=organisation, kind=Pipeline.Kind.PURCHASE)
    stages = {stage.name: stage.pk for stage in pipeline.stages.all()}
    names, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
    stage_ids = [stages[name] for name in rng.choices(names, weights, k=lead_count)]
    now = datetime.now(UTC)
    staged = []
    for index in range(lead_count):
        created = now - timedelta(seconds=rng.randint(0, 365 * 86400))
        touched = created + timedelta(seconds=rng.randint(2, 40))
        contacted = created + timedelta(seconds=int(rng.expovariate(1 / 900))) if rng.random() < 0.8 else None
        source = rng.choice(sources)  # each vendor runs three campaigns of its own
        staged.append((
            index, created, stage_ids[index], rng.choice(officers), source,
            rng.choice(("fha", "conventional", "va", "usda")), touched, contacted,
            f"vendor-{source}-campaign-{rng.randint(1, 3)}", f"+1813{index:07d}", str(index),
        ))  # fmt: skip
    _stage_leads(staged)
    constant = {
        "organisation_id": organisation.pk, "pipeline_id": pipeline.pk, "first_name": "B",
        "purchase_price": Decimal(350000), "down_payment": Decimal(20000),
    }  # fmt: skip
    from_staging = {
        "created_at": "s.created_at", "updated_at": "s.created_at", "last_inquiry_at": "s.created_at",
        "stage_id": "s.stage_id", "owner_id": "s.owner_id", "source_id": "s.source_id", "loan_type": "s.loan_type",
        "first_touch_at": "s.touched_at", "first_human_contact_at": "s.contacted_at",
        "utm_campaign": "s.campaign", "phone": "s.phone", "last_name": "s.last_name",
    }  # fmt: skip
    _insert_select(Lead, constant, from_staging, "bench_staged_leads s ORDER BY s.i")
    _drop_staging()
    postgres = _postgres()
    of_org = f"leads_lead l WHERE l.organisation_id = {int(organisation.pk)}"
    # A stage history for every lead past New: one move into its stage, a day or more after it arrived.
    later = "l.created_at + (l.id % 20) * interval '1 day'" if postgres else (
        "strftime('%Y-%m-%d %H:%M:%f', l.created_at, '+' || (l.id % 20) || ' days')")  # fmt: skip
    _insert_select(TimelineEvent, {"kind": "stage_changed", "summary": "Stage changed"}, {
        "lead_id": "l.id", "created_at": f"CASE WHEN {later} < {_now_sql()} THEN {later} ELSE l.created_at END",
        "data": ("jsonb_build_object('to_stage_id', l.stage_id)" if postgres
                 else "json_object('to_stage_id', l.stage_id)"),
    }, f"{of_org} AND l.stage_id <> {int(stages['New'])}")  # fmt: skip
    # The first text to every lead, delivered; a reply from one lead in four, ten minutes later.
    message_constant = {"organisation_id": organisation.pk, "channel": "sms", "to_address": "+18135550100"}
    _insert_select(Message, {**message_constant, "direction": "outbound", "purpose": "first_touch",
                             "status": "delivered"}, {
        "lead_id": "l.id", "idempotency_key": "'bench-touch-' || l.id", "created_at": "l.created_at",
        "updated_at": "l.first_touch_at",
        "sent_at": "l.first_touch_at", "delivered_at": "l.first_touch_at",
    }, of_org)  # fmt: skip
    ten_minutes = "l.first_touch_at + interval '10 minutes'" if postgres else (
        "strftime('%Y-%m-%d %H:%M:%f', l.first_touch_at, '+10 minutes')")  # fmt: skip
    _insert_select(Message, {**message_constant, "direction": "inbound", "purpose": "reply",
                             "status": "delivered"}, {
        "lead_id": "l.id", "idempotency_key": "'bench-reply-' || l.id", "created_at": ten_minutes,
        "updated_at": ten_minutes,
    }, f"{of_org} AND l.id % 4 = 0")  # fmt: skip
    # A call logged by the loan officer on every lead a person reached, with an outcome.
    outcome = ("(ARRAY['connected','voicemail','no_answer','wrong_number'])[(l.id % 4) + 1]" if postgres else
               "CASE l.id % 4 WHEN 0 THEN 'connected' WHEN 1 THEN 'voicemail' WHEN 2 THEN 'no_answer' "
               "ELSE 'wrong_number' END")  # fmt: skip
    _insert_select(TimelineEvent, {"kind": "call", "summary": "Call logged"}, {
        "lead_id": "l.id", "actor_id": "l.owner_id", "created_at": "l.first_human_contact_at",
        "data": f"jsonb_build_object('outcome', {outcome})" if postgres else f"json_object('outcome', {outcome})",
    }, f"{of_org} AND l.first_human_contact_at IS NOT NULL")  # fmt: skip
    _analyze()
    return organisation, User.objects.get(pk=admin.pk)


STAGING_COLUMNS = ("i", "created_at", "stage_id", "owner_id", "source_id", "loan_type", "touched_at",
                   "contacted_at", "campaign", "phone", "last_name")  # fmt: skip


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _now_sql() -> str:
    return "now()" if _postgres() else "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _stage_leads(rows: list[tuple]) -> None:
    """The leads' varying columns into a staging table: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    stamp = "timestamptz" if _postgres() else "text"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE bench_staged_leads (i bigint, created_at {stamp}, stage_id bigint, owner_id bigint, "
            f"source_id bigint, loan_type varchar(20), touched_at {stamp}, contacted_at {stamp}, "
            "campaign varchar(120), phone varchar(32), last_name varchar(100))"
        )
        if _postgres():
            with cursor.cursor.copy(
                f"COPY bench_staged_leads ({', '.join(STAGING_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        for start in range(0, len(rows), 50_000):
            cursor.executemany(
                f"INSERT INTO bench_staged_leads ({', '.join(STAGING_COLUMNS)}) VALUES ({', '.join(['%s'] * 11)})",
                [(i, adapt(created), stage, owner, source, loan_type, adapt(touched), adapt(contacted), *rest)
                 for i, created, stage, owner, source, loan_type, touched, contacted, *rest
                 in rows[start : start + 50_000]],
            )  # fmt: skip


def _drop_staging() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_staged_leads")


def _insert_select(model, constant: dict, expressions: dict, from_where: str) -> None:
    """INSERT INTO model's table every column: `expressions` (SQL over the FROM clause), `constant` values, and
    each other column's default, as the ORM would have written it."""
    from django.db import connection

    columns, selected, params = [], [], []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        column = model_field.column
        columns.append(connection.ops.quote_name(column))
        if column in expressions:
            selected.append(expressions[column].replace("%", "%%"))  # the driver's parameter style
            continue
        value = constant[column] if column in constant else model_field.get_default()
        selected.append("%s")
        params.append(model_field.get_db_prep_save(value, connection))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(selected)} "  # noqa: S608
            f"FROM {from_where.replace('%', '%%')}",
            params,
        )


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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


def profile_pages(client, window: dict) -> None:
    """Where one request of each page spends its time: the functions with the most cumulative time, and the
    database time (queries counted and timed)."""
    import cProfile
    import io
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, url in PAGES.items():
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profiler.enable()
            client.get(url.format(**window))
            profiler.disable()
        database_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
        _common.say(f"--- {name}: {len(queries)} queries, {database_ms:.1f} ms in the database")
        _common.say("\n".join(out.getvalue().splitlines()[6:30]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--leads", type=int)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--profile", action="store_true", help="after timing, profile one request of each page"
    )
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
        if arguments.profile:
            profile_pages(client, window)
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
