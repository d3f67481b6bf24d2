"""Cadence benchmark: N enrolled leads whose next step (a text) is due at the same instant, real workers, real
HTTP to the SMS stand-in; dispatch throughput, lateness and exactly-once.

    python bench/cadences.py [--quick] [--leads N] [--database sqlite|postgres|both] [--postgres-workers 1,2]
                             [--rate-per-number R] [--rate-per-account R]

``--quick``: 300 leads, the headline run only (PostgreSQL with 2 workers; SQLite when PostgreSQL is absent).
PostgreSQL: DATABASE_URL (postgres://...) names the database the runs create and drop; without it a database
named after BENCH_POSTGRES_URL, the run and the process id.

Sending is paced (FIRSTCALL_SMS_RATE_PER_NUMBER / _PER_ACCOUNT, default here 1,000 texts/s each: every lead is
texted from the one organisation number), so the fastest any run can go is the configured rate; the pacing
floor (text i cannot leave before T0 + i / rate) is printed beside the measured lateness.

For each run (PostgreSQL with 1 and 2 workers, SQLite with 1 worker): a fresh data directory (and a freshly
created PostgreSQL database on the server BENCH_POSTGRES_URL names, called <base>_cadences_<pid>, dropped
afterwards), ``firstcall migrate``, then in a
Django subprocess: one organisation, one loan officer, one published cadence whose single step is a text, and
N leads with text consent enrolled in it; enrolments and step runs are bulk-inserted (not enrolled one by one)
with a far-future due time. The SMS stand-in (firstcall/messaging/standin/sms_server.py) runs as its own
process. The workers are real ``firstcall worker`` processes (task worker + periodic sweeps, --sweep-interval
1); once they are up, every step run is made due at the same instant T0 with one UPDATE, and the script waits
until every text reached the stand-in.

Measured:
- dispatch: when each step produced its outbox message (messaging_message.created_at - T0);
- send lateness: when the stand-in received the text (its wall clock) - T0; p50/p99/max;
- throughput: steps per second from T0 to the last dispatch and to the last send;
- duplicates: texts the provider created beyond one per borrower (and repeated provider calls, which the
  idempotency key makes harmless but which are counted too); missing: borrowers who got no text, and step runs
  not done. Both must be 0.

Quiet hours are real: the leads' phone numbers and time zone are chosen where it is currently daytime (a US
zone, else a territory, else London), so the gate allows the texts instead of holding them until 8 a.m.

Baseline, in the same run and on the same database: one process inserting a bare outbox row and making the
same HTTP call to a stand-in for each text, with no gate, no cadence and no pacing (``bare_sends_per_second``);
``ratio_to_bare`` is the headline run's sends per second over it.

Target: lateness p99 < 60 s with 2 workers on PostgreSQL. The last line is one JSON object with at least
``steps``, ``lateness_p50_s``, ``lateness_p99_s``, ``sends_per_second`` (the 2-worker PostgreSQL run when there
is one), ``ratio_to_bare``, ``duplicates`` and ``missing``.
"""

import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402 - the benchmark folder is not a package

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "bench-auth-token"
OUR_NUMBER = "+18135550000"
TARGET_P99_S = 60.0
FAR_FUTURE = "2100-01-01T00:00:00+00:00"
# (IANA zone, a valid number prefix there): the first where it is daytime now is used for every lead.
DAYTIME_CANDIDATES = [
    ("America/New_York", "+1212"),
    ("America/Chicago", "+1312"),
    ("America/Denver", "+1303"),
    ("America/Los_Angeles", "+1213"),
    ("America/Anchorage", "+1907"),
    ("Pacific/Honolulu", "+1808"),
    ("Pacific/Guam", "+1671"),
    ("America/Puerto_Rico", "+1787"),
    ("Europe/London", "+44207"),
]


# ------------------------------------------------------------------------------------ Django-side phases


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firstcall.settings")
    import django

    django.setup()


def _daytime_numbers(count: int):
    """A zone where sending is allowed for the next hour, and ``count`` distinct valid numbers there."""
    from datetime import timedelta

    import phonenumbers

    from firstcall.messaging import compliance

    now = datetime.now(UTC)
    for zone, prefix in DAYTIME_CANDIDATES:
        sample = None
        for exchange in range(200, 1000):
            candidate = f"{prefix}{exchange:03d}0100"
            if phonenumbers.is_valid_number(phonenumbers.parse(candidate, None)):
                sample = candidate
                break
        if sample is None:
            continue
        zones = compliance.candidate_time_zones(zone, sample, None)
        states = compliance.candidate_states(None, sample)
        if all(
            compliance.next_allowed_send_time(now + timedelta(minutes=m), zones, states).allowed_now
            for m in (0, 30, 60)
        ):
            break
    else:
        raise SystemExit("No daytime zone found for the benchmark numbers")
    numbers, exchange = [], 200
    while len(numbers) < count and exchange < 1000:
        first = f"{prefix}{exchange:03d}0000"
        if phonenumbers.is_valid_number(phonenumbers.parse(first, None)):
            numbers.extend(f"{prefix}{exchange:03d}{line:04d}" for line in range(10_000))
        exchange += 1
    if len(numbers) < count:
        raise SystemExit(f"Only {len(numbers)} numbers available in {zone}")
    return zone, numbers[:count]


def phase_setup(count: int) -> dict:
    _django()
    from django.db import transaction

    from firstcall.accounts.models import Organisation, User
    from firstcall.cadences import editing
    from firstcall.cadences.models import Enrolment, StepRun
    from firstcall.leads.models import Lead, Pipeline
    from firstcall.leads.stages import ensure_default_pipelines, first_stage

    far = datetime.fromisoformat(FAR_FUTURE)
    organisation = Organisation.objects.create(
        name="Bench Home Loans",
        postal_address="1 Main St, Tampa, FL 33602",
        sms_from_number=OUR_NUMBER,
        nmls_id="1000000",  # marketing names the company's NMLS ID (SAFE Act)
    )
    ensure_default_pipelines(organisation)
    owner = User.objects.create_user(
        username="bench-officer",
        password=None,
        organisation=organisation,
        role="loan_officer",
        first_name="Olivia",
        nmls_id="100001",
        phone="+18135550101",
        email="olivia@bench.test",
    )
    cadence = editing.create_cadence(organisation, name="Bench follow-up", trigger="manual")
    editing.add_step(
        editing.draft_of(cadence),
        kind="send_sms",
        body="Hi {{ borrower.first_name }}, it's {{ officer.first_name }} from {{ organisation.name }}. "
        "Still thinking about a home loan? Reply STOP to opt out.",
    )
    editing.publish(cadence)
    editing.set_active(cadence, True)
    cadence.refresh_from_db()
    version = cadence.current_version
    step = version.steps.get()
    pipeline = Pipeline.objects.get(organisation=organisation, kind="purchase")
    stage = first_stage(pipeline)
    zone, numbers = _daytime_numbers(count)
    batch = 2000
    for start in range(0, count, batch):
        with transaction.atomic():
            leads = Lead.objects.bulk_create(
                Lead(
                    organisation=organisation,
                    pipeline=pipeline,
                    stage=stage,
                    owner=owner,
                    first_name=f"Borrower{index}",
                    last_name="Bench",
                    phone=numbers[index],
                    time_zone=zone,
                    consent_sms=True,
                    purpose="purchase",
                    loan_type="fha",
                )
                for index in range(start, min(start + batch, count))
            )
            enrolments = Enrolment.objects.bulk_create(
                Enrolment(
                    organisation=organisation,
                    lead=lead,
                    cadence=cadence,
                    cadence_version=version,
                    pipeline=pipeline,
                    current_step=step,
                    next_step_at=far,
                    enrolled_how="bench",
                )
                for lead in leads
            )
            StepRun.objects.bulk_create(
                StepRun(enrolment=enrolment, step=step, due_at=far) for enrolment in enrolments
            )
    return {"zone": zone, "leads": count, "step_id": step.pk}


def phase_arm(delay: float) -> dict:
    """Make every step run due at one instant a few seconds from now."""
    _django()
    from datetime import timedelta

    from django.utils import timezone

    from firstcall.cadences.models import StepRun

    due = timezone.now() + timedelta(seconds=delay)
    updated = StepRun.objects.filter(status="pending").update(due_at=due)
    return {"due_at": due.timestamp(), "armed": updated}


def phase_baseline(count: int) -> dict:
    """The bare cost of a text: insert its outbox row (its own transaction) and POST it to a stand-in, one
    after the other in one process, with no gate, no cadence and no pacing."""
    _django()
    from django.conf import settings
    from django.db import transaction

    from firstcall.accounts.models import Organisation
    from firstcall.messaging.models import Message
    from firstcall.messaging.providers.twilio import TwilioSmsProvider
    from firstcall.messaging.standin.sms_server import StandinSmsServer

    server = StandinSmsServer(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, auto_callbacks=False).start()
    settings.SMS_API_URL = server.url
    organisation = Organisation.objects.create(name="Bare", sms_from_number=OUR_NUMBER)
    provider = TwilioSmsProvider()
    try:
        started = time.perf_counter()
        for index in range(count):
            with transaction.atomic():
                message = Message.objects.create(
                    organisation=organisation,
                    channel="sms",
                    direction="outbound",
                    purpose="alert",
                    is_marketing=False,
                    to_address=f"+1813555{index % 10000:04d}",
                    from_address=OUR_NUMBER,
                    body="Bare baseline text",
                    idempotency_key=f"bare:{index}",
                )
            provider.send(message)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    return {"count": count, "seconds": round(elapsed, 2), "per_second": round(count / elapsed, 1)}


# -------------------------------------------------------------------------------------- the orchestrator


class Database:
    """Read-only progress and results straight from the database (no Django in the orchestrator)."""

    def __init__(self, url: str | None, data_dir: Path):
        self.url, self.data_dir = url, data_dir

    @contextlib.contextmanager
    def cursor(self):
        if self.url:
            import psycopg

            with psycopg.connect(
                self.url.replace("postgres://", "postgresql://", 1), autocommit=True
            ) as connection:
                yield connection.cursor()
        else:
            connection = sqlite3.connect(self.data_dir / "firstcall.sqlite3", timeout=30)
            try:
                yield connection.cursor()
            finally:
                connection.close()

    def scalar(self, sql: str):
        with self.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def rows(self, sql: str) -> list:
        with self.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()


def _timestamp(value) -> float:
    if value is None:
        return float("nan")
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_standin(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "firstcall.messaging.standin.sms_server",
            "--port",
            str(port),
            "--account-sid",
            ACCOUNT_SID,
            "--auth-token",
            AUTH_TOKEN,
            "--no-callbacks",
        ],
        cwd=_common.REPO_ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import httpx

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/_standin/messages", timeout=1).status_code == 200:
                return process
        time.sleep(0.1)
    raise RuntimeError("The SMS stand-in did not start")


def run_one(
    label: str,
    database_url: str | None,
    workers: int,
    leads: int,
    *,
    max_wait: float,
    rate_per_number: float,
    rate_per_account: float,
    baseline_count: int,
) -> dict:
    _common.say(f"== {label}: {leads} leads, {workers} worker(s)")
    with _common.data_directory() as data_dir:
        if database_url:
            _common.recreate_postgres_database(database_url)
        port = _common.free_port()
        env = _common.product_env(
            database_url,
            data_dir,
            FIRSTCALL_SMS_PROVIDER="twilio",
            FIRSTCALL_SMS_API_URL=f"http://127.0.0.1:{port}",
            FIRSTCALL_SMS_ACCOUNT_SID=ACCOUNT_SID,
            FIRSTCALL_SMS_AUTH_TOKEN=AUTH_TOKEN,
            FIRSTCALL_SMS_FROM_NUMBER=OUR_NUMBER,
            FIRSTCALL_SITE_URL="http://127.0.0.1:9",
            FIRSTCALL_SMS_RATE_PER_NUMBER=str(rate_per_number),
            FIRSTCALL_SMS_RATE_PER_ACCOUNT=str(rate_per_account),
        )
        try:
            _common.run_firstcall(["migrate", "--noinput"], env, timeout=600)
            with _common.stopwatch() as setup_time:
                setup = json.loads(
                    _common.run_python(
                        [__file__, "--phase", "setup", "--leads", str(leads)], env, timeout=3600
                    )
                    .strip()
                    .splitlines()[-1]
                )
            _common.say(
                f"   set-up: {leads} leads, enrolments and step runs in {setup_time['seconds']:.1f} s "
                f"(numbers in {setup['zone']})"
            )
            standin = _start_standin(port, data_dir / "standin.log")
            processes = []
            try:
                for index in range(workers):
                    processes.append(
                        _common.start_worker(env, data_dir / f"worker-{index}.log", "--sweep-interval", "1")
                    )
                time.sleep(3)  # let the workers start
                load = os.getloadavg()[0]
                cpu_before = {p.pid: _cpu_seconds(p.pid) for p in [*processes, standin]}
                _common.say(f"   load average {load:.2f} when the steps fall due")
                armed = json.loads(
                    _common.run_python([__file__, "--phase", "arm", "--delay", "3"], env)
                    .strip()
                    .splitlines()[-1]
                )
                due_at = armed["due_at"]
                db = Database(database_url, data_dir)
                sent_sql = (
                    "SELECT count(*) FROM messaging_message WHERE purpose = 'cadence' "
                    "AND status IN ('sent', 'delivered')"
                )
                last_progress, last_count, deadline = time.monotonic(), -1, time.monotonic() + max_wait
                while time.monotonic() < deadline:
                    count = db.scalar(sent_sql)
                    if count >= leads:
                        break
                    if count != last_count:
                        last_progress, last_count = time.monotonic(), count
                    elif time.monotonic() - last_progress > 120:
                        _common.say("   no progress for 120 s; stopping")
                        break
                    if any(process.poll() is not None for process in processes):
                        _common.say("   a worker exited early; see its log")
                        break
                    time.sleep(1)
                _common.say(
                    f"   {db.scalar(sent_sql)} of {leads} texts sent {time.time() - due_at:.1f} s after T0"
                )
                time.sleep(1)  # let a send in flight finish
                cpu_used = {p.pid: _cpu_seconds(p.pid) - cpu_before[p.pid] for p in [*processes, standin]}
            finally:
                for process in processes:
                    _common.stop_process(process)
            import httpx

            requests = httpx.get(f"http://127.0.0.1:{port}/_standin/requests", timeout=120).json()["requests"]
            _common.stop_process(standin)
            creates = [r for r in requests if r["method"] == "POST" and r["path"].endswith("/Messages.json")]
            created_per_number, calls_per_number, first_arrival = _common.provider_sends(creates)
            duplicates = sum(count - 1 for count in created_per_number.values() if count > 1)
            repeated_calls = sum(count - 1 for count in calls_per_number.values() if count > 1)
            missing_sends = leads - len(created_per_number)
            db = Database(database_url, data_dir)
            not_done = db.scalar("SELECT count(*) FROM cadences_steprun WHERE status <> 'done'")
            db_duplicates = db.scalar(
                "SELECT count(*) FROM (SELECT cadence_step_id FROM messaging_message "
                "WHERE purpose = 'cadence' "
                "GROUP BY cadence_step_id HAVING count(*) > 1) AS doubled"
            )
            reclaimed = db.scalar("SELECT count(*) FROM cadences_steprun WHERE attempts > 1")
            dispatched = [
                _timestamp(row[0]) - due_at
                for row in db.rows("SELECT created_at FROM messaging_message WHERE purpose = 'cadence'")
            ]
            lateness = [arrival - due_at for arrival in first_arrival.values()]
            baseline = json.loads(
                _common.run_python([__file__, "--phase", "baseline", "--leads", str(baseline_count)], env)
                .strip()
                .splitlines()[-1]
            )
        finally:
            if database_url:
                with contextlib.suppress(Exception):
                    _common.drop_postgres_database(database_url)
    pace = min(rate for rate in (rate_per_number, rate_per_account, float("inf")) if rate > 0)
    result = {
        "label": label,
        "database": "postgres" if database_url else "sqlite",
        "workers": workers,
        "steps": leads,
        "dispatch_seconds": round(max(dispatched), 2) if dispatched else None,
        "dispatch_per_second": round(len(dispatched) / max(max(dispatched), 1e-3), 1) if dispatched else 0,
        "send_seconds": round(max(lateness), 2) if lateness else None,
        "sends_per_second": round(len(lateness) / max(max(lateness), 1e-3), 1) if lateness else 0,
        "dispatch_lateness_p50_s": round(_common.percentile(dispatched, 0.5), 2),
        "dispatch_lateness_p99_s": round(_common.percentile(dispatched, 0.99), 2),
        "lateness_p50_s": round(_common.percentile(lateness, 0.5), 2),
        "lateness_p99_s": round(_common.percentile(lateness, 0.99), 2),
        "lateness_max_s": round(max(lateness), 2) if lateness else None,
        "duplicates": duplicates + db_duplicates,
        "repeated_provider_calls": repeated_calls,
        "missing": max(missing_sends, 0) + not_done,
        "reclaimed_steps": reclaimed,
        "load_average": round(load, 2),
        "rate_per_number": rate_per_number,
        "rate_per_account": rate_per_account,
        # Sent exactly at the pace, text i leaves at T0 + i / rate: the lateness pacing alone explains.
        "pacing_lateness_p50_s": round(0.5 * leads / pace, 2),
        "pacing_lateness_p99_s": round(0.99 * leads / pace, 2),
        "pacing_seconds": round(leads / pace, 2),
        "bare_sends_per_second": baseline["per_second"],
        # CPU from T0 to the last text, per text: every worker process together, and the stand-in.
        "worker_cpu_ms_per_message": round(
            sum(cpu_used[p.pid] for p in processes) / max(len(lateness), 1) * 1000, 2
        ),
        "standin_cpu_ms_per_message": round(cpu_used[standin.pid] / max(len(lateness), 1) * 1000, 2),
    }
    sends = result["sends_per_second"]
    result["ratio_to_bare"] = round(sends / baseline["per_second"], 2) if baseline["per_second"] else None
    result["share_of_pace"] = round(sends / pace, 2)
    _common.say(
        f"   dispatch {result['dispatch_per_second']}/s (all in {result['dispatch_seconds']} s), "
        f"sends {result['sends_per_second']}/s; lateness p50 {result['lateness_p50_s']} s, "
        f"p99 {result['lateness_p99_s']} s, max {result['lateness_max_s']} s; "
        f"duplicates {result['duplicates']}, "
        f"missing {result['missing']}, repeated provider calls {result['repeated_provider_calls']}"
    )
    _common.say(
        f"   pacing {pace:g}/s: floor lateness p50 {result['pacing_lateness_p50_s']} s, "
        f"p99 {result['pacing_lateness_p99_s']} s ({result['share_of_pace']:.0%} of the pace reached); "
        f"bare insert+send {baseline['per_second']}/s in one process, ratio {result['ratio_to_bare']}"
    )
    _common.say(
        f"   CPU per text: workers {result['worker_cpu_ms_per_message']} ms, "
        f"SMS stand-in {result['standin_cpu_ms_per_message']} ms"
    )
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="300 leads instead of 100,000 (a smoke run, < 1 min)"
    )
    parser.add_argument("--leads", type=int)
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres", "both"],
        help="default: both; with --quick only the headline run (PostgreSQL, 2 workers)",
    )
    parser.add_argument("--postgres-workers", help="default 1,2; with --quick 2")
    parser.add_argument("--rate-per-number", type=float, default=1000.0, help="texts/s per sender number")
    parser.add_argument("--rate-per-account", type=float, default=1000.0, help="texts/s per provider account")
    parser.add_argument("--phase", choices=["setup", "arm", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=3.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    leads = args.leads or (300 if args.quick else 100_000)
    if args.phase == "setup":
        print(json.dumps(phase_setup(leads)), flush=True)
        return 0
    if args.phase == "arm":
        print(json.dumps(phase_arm(args.delay)), flush=True)
        return 0
    if args.phase == "baseline":
        print(json.dumps(phase_baseline(leads)), flush=True)
        return 0
    options = {
        "max_wait": 600 if args.quick else 4 * 3600,
        "rate_per_number": args.rate_per_number,
        "rate_per_account": args.rate_per_account,
        "baseline_count": min(leads, 2000),
    }

    args.database = args.database or ("postgres" if args.quick else "both")
    args.postgres_workers = args.postgres_workers or ("2" if args.quick else "1,2")
    runs = []
    # Its own database per run (label and process id), so it never collides with another benchmark.
    given = os.environ.get("DATABASE_URL", "")
    postgres_url = given if given.startswith("postgres") else _common.postgres_url_for_run("cadences")
    if args.database in ("postgres", "both"):
        problem = _common.postgres_available(postgres_url)
        if problem:
            _common.say(f"PostgreSQL unavailable ({problem}); skipping it")
            if args.quick and args.database == "postgres":
                runs.append(run_one("sqlite-1w", None, 1, leads, **options))
        else:
            for workers in [int(part) for part in args.postgres_workers.split(",") if part]:
                runs.append(run_one(f"postgres-{workers}w", postgres_url, workers, leads, **options))
    if args.database in ("sqlite", "both"):
        runs.append(run_one("sqlite-1w", None, 1, leads, **options))
    headline = next((run for run in runs if run["label"] == "postgres-2w"), runs[-1] if runs else None)
    summary = {
        "benchmark": "cadences",
        "steps": leads,
        "lateness_p99_s": headline["lateness_p99_s"] if headline else None,
        "lateness_p50_s": headline["lateness_p50_s"] if headline else None,
        "headline_run": headline["label"] if headline else None,
        "sends_per_second": headline["sends_per_second"] if headline else None,
        "bare_sends_per_second": headline["bare_sends_per_second"] if headline else None,
        "ratio_to_bare": headline["ratio_to_bare"] if headline else None,
        "pacing_lateness_p99_s": headline["pacing_lateness_p99_s"] if headline else None,
        "worker_cpu_ms_per_message": headline["worker_cpu_ms_per_message"] if headline else None,
        "target_p99_s": TARGET_P99_S,
        "meets_target": bool(headline and headline["lateness_p99_s"] < TARGET_P99_S),
        "duplicates": sum(run["duplicates"] for run in runs),
        "missing": sum(run["missing"] for run in runs),
        "runs": {run["label"]: run for run in runs},
    }
    _common.print_result(summary)
    return 0 if summary["duplicates"] == 0 and summary["missing"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
