"""Workspace benchmark: server time of the pipeline board, the lead list, search and the lead page with 50,000
leads in SQLite.

    python bench/workspace.py            # 50,000 leads, 40 requests per page and role
    python bench/workspace.py --quick    # 10,000 leads, 8 requests: under a minute
    python bench/workspace.py --leads 20000 --requests 25

A fresh data directory (SQLite, WAL, as in production) is migrated and seeded with one organisation: an
admin, two managers with a team each, 20 loan officers, a processor and a referral partner; leads spread
over the three pipelines and their stages, the last year, owners (3% unassigned), scores and SLA states,
with a created event on every lead's timeline, a longer timeline (30 events and 6 messages) on the leads the
lead page opens, some leads shared, inbound replies and tasks. Leads are bulk-inserted in batches (the
benchmark measures reading, not capture()). Then ANALYZE, as firstcall/pipeline/maintenance.py's sweep does
in production (`--no-analyze` measures without planner statistics).

Then Django's test Client, in this process with DEBUG off and the production middleware, requests each page
N times per role (after one warm-up request) and the server time of each request is measured:
board (/board/purchase/), list (/leads/, pages 1-20 at random), search (/leads/?q=..., names, email
fragments and phone digits), lead page (/leads/<id>/, random leads of the role), and also My day and the
team view. The headline numbers are the org admin's (every one of the leads is visible); the loan officer's
and manager's are under "by_role". Target: every page, every role, under 150 ms median and 250 ms p99 on SQLite
on this machine (`target_met`); on a shared machine the CPU figures are also checked (`cpu_target_met`).

The last line is one JSON object with at least board_ms, list_ms, search_ms and lead_page_ms (medians of the
wall-clock server time, ms); *_cpu_ms are the same requests' CPU time, the honest number when other work
shares the machine (wall time then includes waiting for a core).
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common  # noqa: E402 - the benchmark folder is not a package

TARGET_MS = 150
TARGET_P99_MS = 250
BATCH = 2000
FIRST_NAMES = ["Ana", "Marcus", "Priya", "Tom", "Lucia", "Dwayne", "Grace", "Omar", "Mei", "Jorge", "Aisha", "Liam",
               "Sofia", "Noah", "Fatima", "Ethan", "Chloe", "Mateo", "Hannah", "Kwame", "Yuki", "Diego", "Ruth",
               "Samir", "Elena", "Victor", "Nadia", "Caleb", "Irene", "Tariq"]  # fmt: skip
LAST_NAMES = ["Lopez", "Reed", "Natarajan", "Becker", "Ferreira", "Carter", "Kim", "Haddad", "Chen", "Ramirez",
              "Okafor", "Murphy", "Rossi", "Nguyen", "Khan", "Walker", "Dubois", "Garcia", "Schmidt", "Mensah",
              "Tanaka", "Alvarez", "Cohen", "Farah", "Petrova", "Hughes", "Silva", "Brooks", "Novak", "Aziz",
              "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Thomas", "Moore"]  # fmt: skip
STATES = [
    ("FL", "33602"),
    ("GA", "30303"),
    ("TX", "78701"),
    ("NC", "27601"),
    ("AZ", "85004"),
    ("CA", "92101"),
]
# Where leads sit: most are new, contacted or lost; few reach closing.
STAGE_WEIGHTS = {
    "New": 12, "Contacted": 16, "Qualified": 10, "Pre-approved": 6, "Application": 5, "Processing": 4,
    "Underwriting": 3, "Clear to close": 2, "Closed": 9, "Lost": 33,
}  # fmt: skip


def configure_django(data_dir: Path) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["FIRSTCALL_DATA_DIR"] = str(data_dir)
    os.environ["FIRSTCALL_DEBUG"] = "0"
    os.environ.setdefault("FIRSTCALL_LOG_LEVEL", "WARNING")
    os.environ["FIRSTCALL_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firstcall.settings")
    import django

    django.setup()


def insert_rows(model, objects) -> None:
    """INSERT many rows with executemany: Django's own per-field conversion (get_db_prep_save, so encrypted
    fields are encrypted and JSON is JSON), without bulk_create's per-value compiler machinery, which made
    seeding 50,000 leads take minutes."""
    from django.db import connection, transaction

    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields] for obj in objects
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def seed(lead_count: int, rng: random.Random) -> dict:
    """Bulk-insert the organisation, its people and `lead_count` leads; return what the requests need."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from firstcall.accounts.models import Organisation, Team, User
    from firstcall.cadences.models import CallTask
    from firstcall.leads.models import Lead, LeadSource, Pipeline, TimelineEvent
    from firstcall.leads.stages import ensure_default_pipelines
    from firstcall.messaging.models import Message
    from firstcall.pipeline.models import Task

    now = timezone.now()
    organisation = Organisation.objects.create(name="Bench Home Loans")
    pipelines = ensure_default_pipelines(organisation)
    password = make_password("bench-password-not-secret")
    teams = [Team.objects.create(organisation=organisation, name=f"Branch {n}") for n in (1, 2)]

    def person(username, role, **fields):
        return User.objects.create(username=username, password=password, organisation=organisation, role=role,
                                   first_name=username.split("-")[0].title(), **fields)  # fmt: skip

    admin = person("adele", User.Role.ADMIN)
    managers = [person(f"maria-{n}", User.Role.MANAGER) for n in (1, 2)]
    for manager, team in zip(managers, teams, strict=True):
        manager.managed_teams.add(team)
    officers = []
    for n in range(20):
        officer = person(f"officer-{n:02d}", User.Role.LOAN_OFFICER, licensed_states=["FL", "GA", "TX", "NC"])
        officer.teams.add(teams[n % 2])
        officers.append(officer)
    processor = person("pat", User.Role.PROCESSOR)
    partner = person("paula", User.Role.PARTNER)
    sources = [
        LeadSource.objects.create(organisation=organisation, name=name, channel=channel)
        for name, channel in [
            ("Website", "web_form"),
            ("Zillow", "vendor_post"),
            ("Google Ads", "google_ads"),
            ("Facebook", "meta"),
            ("Referrals", "manual"),
        ]  # fmt: skip
    ]
    stages = {
        kind: {stage.name: stage for stage in pipeline.stages.all()} for kind, pipeline in pipelines.items()
    }
    stage_names = list(STAGE_WEIGHTS)
    weights = list(STAGE_WEIGHTS.values())

    leads = []
    for index in range(lead_count):
        kind = rng.choices(["purchase", "refinance", "heloc"], weights=[60, 30, 10])[0]
        stage_name = rng.choices(stage_names, weights=weights)[0]
        stage = stages[kind].get(stage_name) or stages[kind]["Application"]
        received = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        state, zip_code = rng.choice(STATES)
        owner = None if rng.random() < 0.03 else officers[index % len(officers)]
        is_new = stage_name == "New"
        contacted = not is_new or rng.random() < 0.3
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        price = Decimal(rng.randrange(150_000, 900_000, 1_000))
        score = rng.randint(5, 99)
        sla_status = ("met" if rng.random() < 0.8 else "breached") if contacted else "pending"
        leads.append(
            Lead(
                organisation=organisation,
                source=rng.choice(sources),
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}{index}@example.com",
                phone=f"+1{rng.choice(['813', '404', '512', '919', '602'])}{index:07d}",
                name_key=f"{first.lower()}|{last.lower()}",
                state=state,
                zip_code=zip_code,
                purpose={"purchase": "purchase", "refinance": "rate_term_refinance", "heloc": "heloc"}[kind],
                loan_type=rng.choice(["conventional", "fha", "va", "usda", "jumbo", "not_sure"]),
                purchase_price=price if kind == "purchase" else None,
                down_payment=(price * Decimal("0.035")).quantize(Decimal("1"))
                if kind == "purchase"
                else None,
                property_value=None if kind == "purchase" else price,
                loan_balance=None if kind == "purchase" else (price * Decimal("0.6")).quantize(Decimal("1")),
                credit_band=rng.choice(["excellent", "good", "fair", "poor"]),
                annual_income=Decimal(rng.randrange(40_000, 250_000, 1_000)) if index % 2 else None,
                timeframe=rng.choice(["asap", "30_days", "90_days", "6_months"]),
                pipeline=pipelines[kind],
                stage=stage,
                owner=owner,
                processor=processor
                if stage_name in ("Processing", "Underwriting") and index % 4 == 0
                else None,
                referral_partner=partner if index % 50 == 0 else None,
                score=score,
                score_tier="hot" if score >= 75 else "warm" if score >= 45 else "cold",
                assigned_at=received if owner else None,
                respond_by=received + timedelta(minutes=5),
                first_human_contact_at=received + timedelta(minutes=rng.randint(1, 30))
                if contacted
                else None,
                sla_status=sla_status,
                sla_breached_at=received + timedelta(minutes=5) if sla_status == "breached" else None,
                created_at=received,
                updated_at=received,
                last_inquiry_at=received,
                closed_at=received + timedelta(days=30) if stage_name in ("Closed", "Lost") else None,
                lost_reason="Went with another lender" if stage_name == "Lost" else "",
            )
        )
    insert_rows(Lead, leads)

    lead_ids = list(
        Lead.objects.filter(organisation=organisation).values_list("pk", "owner_id", "created_at")
    )
    events = [
        TimelineEvent(lead_id=pk, kind="created", summary="Lead created from Website", created_at=created)
        for pk, _owner, created in lead_ids
    ]
    insert_rows(TimelineEvent, events)

    # The leads the lead page opens get a real history: events, messages, tasks.
    sample = rng.sample(lead_ids, min(200, len(lead_ids)))
    history, messages, tasks = [], [], []
    for pk, owner_id, created in sample:
        for step in range(30):
            history.append(TimelineEvent(lead_id=pk, kind=rng.choice(["note", "call", "message", "stage_changed"]),
                                         summary=f"Step {step} of the conversation", actor_id=owner_id,
                                         created_at=created + timedelta(minutes=10 * step)))  # fmt: skip
        for step in range(6):
            inbound = step % 2 == 1
            messages.append(Message(organisation=organisation, lead_id=pk, channel="sms",
                                    direction="inbound" if inbound else "outbound",
                                    purpose="reply" if inbound else "manual", status="received" if inbound else "sent",
                                    body="Thanks, can you call me after 5?" if inbound else "Hi, this is your loan officer",
                                    idempotency_key=f"bench-{pk}-{step}", created_at=now - timedelta(minutes=60 - step)))  # fmt: skip
        if owner_id:
            tasks.append(Task(organisation=organisation, lead_id=pk, title="Send the fee sheet", assignee_id=owner_id,
                              due_at=now + timedelta(hours=rng.randint(-24, 24))))  # fmt: skip
            tasks.append(Task(organisation=organisation, lead_id=pk, title="Follow up", assignee_id=owner_id))
    insert_rows(TimelineEvent, history)
    insert_rows(Message, messages)
    insert_rows(Task, tasks)
    CallTask.objects.bulk_create(
        CallTask(organisation=organisation, lead_id=pk, owner_id=owner_id, title="Call", due_at=now)
        for pk, owner_id, _created in sample[:50]
        if owner_id
    )
    shared = Lead.shared_with.through
    shared.objects.bulk_create(
        shared(lead_id=pk, user_id=officers[(index + 1) % len(officers)].pk)
        for index, (pk, _owner, _created) in enumerate(lead_ids)
        if index % 100 == 0
    )
    officer = officers[0]
    return {
        "organisation": organisation,
        "admin": admin,
        "manager": managers[0],
        "officer": officer,
        "pipeline_kind": Pipeline.Kind.PURCHASE,
        "sample_ids": [pk for pk, _owner, _created in sample],
        "officer_ids": [pk for pk, owner_id, _created in lead_ids if owner_id == officer.pk],
    }


SEARCHES = ["lopez", "ana", "chen", "example.com", "garcia", "813", "5551234", "priya nat", "zzz-nothing",
            "williams", "omar.haddad", "0004"]  # fmt: skip


def measure(client, urls: list[str]) -> tuple[list[float], list[float]]:
    """Server time of each GET in seconds, wall clock and this process's CPU (the first URL is requested
    once more first, as a warm-up). The CPU time is what the request costs when the machine is not shared."""
    response = client.get(urls[0])
    assert response.status_code == 200, (urls[0], response.status_code)
    wall, cpu = [], []
    for url in urls:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, (url, response.status_code)
    return wall, cpu


def summary(measured: tuple[list[float], list[float]]) -> dict:
    wall, cpu = measured
    return {
        "median_ms": round(statistics.median(wall) * 1000, 1),
        "p99_ms": round(_common.percentile(wall, 0.99) * 1000, 1),
        "max_ms": round(max(wall) * 1000, 1),
        "cpu_median_ms": round(statistics.median(cpu) * 1000, 1),
    }


def run_pages(people: dict, requests: int, rng: random.Random) -> dict:
    from django.test import Client

    results = {}
    for role, user in people["roles"].items():
        client = Client()
        client.force_login(user)
        lead_ids = people["sample_ids"] if role == "admin" else people["officer_ids"] or people["sample_ids"]
        if role == "manager":
            lead_ids = people["officer_ids"]  # officer-00 is on the manager's team
        pages = {
            "board": [f"/board/{people['pipeline_kind']}/"] * requests,
            "list": [f"/leads/?page={rng.randint(1, 20)}" for _ in range(requests)],
            "search": [f"/leads/?q={SEARCHES[n % len(SEARCHES)]}" for n in range(requests)],
            "lead_page": [f"/leads/{rng.choice(lead_ids)}/" for _ in range(requests)],
            "my_day": ["/"] * requests,
        }
        if role != "officer":
            pages["team"] = ["/team/"] * requests
        results[role] = {name: summary(measure(client, urls)) for name, urls in pages.items()}
        _common.say(f"  {role:8} " + "  ".join(f"{name} {values['median_ms']:.0f}/{values['p99_ms']:.0f} ms"
                                               for name, values in results[role].items()))  # fmt: skip
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 leads, 8 requests per page: under a minute"
    )
    parser.add_argument(
        "--leads", type=int, help="number of leads to seed (default 50,000; 10,000 with --quick)"
    )
    parser.add_argument(
        "--requests", type=int, help="requests per page and role (default 40; 8 with --quick)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--no-analyze", action="store_true", help="measure without planner statistics (no maintenance sweep)"
    )
    arguments = parser.parse_args()
    lead_count = arguments.leads or (10_000 if arguments.quick else 50_000)
    requests = arguments.requests or (8 if arguments.quick else 40)
    rng = random.Random(arguments.seed)

    with _common.data_directory("firstcall-bench-workspace-") as data_dir:
        configure_django(data_dir)
        from django.core.management import call_command

        with _common.stopwatch() as migrating:
            call_command("migrate", verbosity=0)
        _common.say(f"Migrated a fresh SQLite database in {migrating['seconds']:.1f} s ({data_dir})")
        with _common.stopwatch() as seeding:
            people = seed(lead_count, rng)
        _common.say(f"Seeded {lead_count:,} leads in {seeding['seconds']:.1f} s")
        if not arguments.no_analyze:
            from firstcall.pipeline.maintenance import refresh_planner_statistics

            # What the planner-statistics sweep does in production (firstcall/pipeline/maintenance.py).
            refresh_planner_statistics(force=True)
            _common.say("Refreshed SQLite planner statistics (ANALYZE), as the maintenance sweep does")
        people["roles"] = {
            "admin": people["admin"],
            "manager": people["manager"],
            "officer": people["officer"],
        }
        _common.say(f"Requests per page and role: {requests} (median/p99)")
        results = run_pages(people, requests, rng)

    admin = results["admin"]
    headline = {name: admin[name]["median_ms"] for name in ("board", "list", "search", "lead_page")}
    worst_p99 = max(values["p99_ms"] for role in results.values() for values in role.values())
    result = {
        "benchmark": "workspace",
        "database": "sqlite",
        "quick": arguments.quick,
        "planner_statistics": not arguments.no_analyze,
        "leads": lead_count,
        "note": "fewer leads than the 50,000 target: --quick" if lead_count < 50_000 else "",
        "requests_per_page": requests,
        "board_ms": headline["board"],
        "list_ms": headline["list"],
        "search_ms": headline["search"],
        "lead_page_ms": headline["lead_page"],
        "board_p99_ms": admin["board"]["p99_ms"],
        "list_p99_ms": admin["list"]["p99_ms"],
        "search_p99_ms": admin["search"]["p99_ms"],
        "lead_page_p99_ms": admin["lead_page"]["p99_ms"],
        "board_cpu_ms": admin["board"]["cpu_median_ms"],
        "list_cpu_ms": admin["list"]["cpu_median_ms"],
        "search_cpu_ms": admin["search"]["cpu_median_ms"],
        "lead_page_cpu_ms": admin["lead_page"]["cpu_median_ms"],
        "my_day_ms": admin["my_day"]["median_ms"],
        "team_ms": admin["team"]["median_ms"],
        "target_ms": TARGET_MS,
        "target_p99_ms": TARGET_P99_MS,
        # Every role, not only the admin: a manager's board filters through their teams and can be slower.
        "target_met": all(
            values["median_ms"] < TARGET_MS and values["p99_ms"] < TARGET_P99_MS
            for role in results.values()
            for values in role.values()
        ),
        # The same medians in CPU time: what the pages cost when other work shares the machine.
        "cpu_target_met": all(
            values["cpu_median_ms"] < TARGET_MS for role in results.values() for values in role.values()
        ),
        "worst_p99_ms_any_role": worst_p99,
        "by_role": results,
        "seed_seconds": round(seeding["seconds"], 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}",
    }
    _common.print_result(result)


if __name__ == "__main__":
    main()
