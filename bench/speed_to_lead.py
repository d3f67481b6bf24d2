"""Speed-to-lead benchmark: capture over HTTP -> the borrower's first text and the loan officer's alert text,
as received by the local SMS stand-in, at a fixed arrival rate.

    python bench/speed_to_lead.py [--quick] [--database sqlite|postgres|both] [--rate 20] [--seconds 300]
                                  [--workers N] [--deadline S] [--no-callbacks] [--profile]

For each database: a fresh data directory (and, for PostgreSQL, a fresh database named by BENCH_POSTGRES_URL,
default postgres://postgres@127.0.0.1:5432/firstcall_bench_stl, dropped afterwards), `migrate`, and an
organisation with 4 loan officers licensed everywhere, with phones and emails, always working, business hours
all day every day and a one-day SLA (so routing filters and SLA re-alerts do not interfere), plus one API lead
source. Then the SMS stand-in (firstcall/messaging/standin/sms_server.py, in a thread of this process, with
its delivery-status callbacks on) and the production server, `firstcall serve --workers W` (gunicorn and W
task workers), with FIRSTCALL_SMS_PROVIDER=twilio pointing at the stand-in.

Load: `rate` leads per second for `seconds` seconds, open loop (every lead has a scheduled send time; a slow
server cannot slow the arrivals down, so queueing shows in the numbers). Every lead is a new borrower with
SMS consent and a valid mobile number whose area code matches the ZIP; ZIPs cycle through 14 places in every
US time zone, Alaska, Hawaii, Puerto Rico and Guam, so some borrowers are usually in their quiet hours.
A lead that falls more than `--deadline` seconds behind its schedule before it can be sent (the server is
not keeping up) is dropped and counted as missing, so an overloaded run ends in about the time asked for.

Per lead, from the scheduled send time of `POST /api/v1/leads`:
- first touch: the stand-in receiving the create-message request whose To is the borrower's number;
- alert: the stand-in receiving the text to a loan officer whose link names the lead (/leads/<id>/).
A lead counts as missing when its first text has not reached the stand-in within `--deadline` seconds, unless
the database shows its first-touch message HELD by quiet hours (held, or held and released when a run spans
8 a.m. somewhere), which is counted separately.
After the run the database's timestamps (IntakeRecord.received_at, the task row's enqueued/started times)
split each first touch into: request -> capture committed and task enqueued -> a worker picked it up ->
provider request. That is where the time goes.

Targets (2-core machine): p99 < 2 s at 20 leads/s for 5 minutes on SQLite with one worker; p99 < 1 s on
PostgreSQL with two workers. `--quick` (10 s at 10 leads/s per database) finishes in about a minute; its last
line, like every run's, is one JSON object (SQLite at the top level, PostgreSQL under "postgres").
FIRSTCALL_WORKER_POLL_INTERVAL and other product settings are passed through from the environment.
"""

import argparse
import contextlib
import itertools
import json
import os
import re
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import _common  # noqa: E402 - the benchmark folder is not a package

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/firstcall_bench_stl"
INTAKE_PATH = "/api/v1/leads"
SMS_FROM_NUMBER = "+18135550199"
ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "bench-standin-token"
TARGETS = {
    "sqlite": {"rate": 20, "workers": 1, "p99_s": 2.0},
    "postgres": {"rate": 20, "workers": 2, "p99_s": 1.0},
}
PROFILES = {
    # seconds of load, leads per second, how long a first text may take before the lead counts as missing
    "quick": {"seconds": 5, "rate": 10, "deadline": 8.0, "warm_up": 4},
    "full": {"seconds": 300, "rate": 20, "deadline": 60.0, "warm_up": 20},
}
# (ZIP, an area code of the same place): every continental time zone, Arizona (no DST), Alaska, Hawaii,
# Puerto Rico and Guam. Exchange 234 makes a valid number with each of these area codes (libphonenumber).
PLACES = [
    ("10001", "212"), ("33602", "813"), ("30303", "404"), ("02108", "617"), ("60601", "312"),
    ("75201", "214"), ("80202", "303"), ("85004", "602"), ("90012", "213"), ("98101", "206"),
    ("99501", "907"), ("96813", "808"), ("00901", "787"), ("96910", "671"),
]  # fmt: skip
EXCHANGE = "234"
OFFICERS = [
    ("ana", "Ana", "Reyes", "+18135550111"),
    ("ben", "Ben", "Okafor", "+12145550112"),
    ("chloe", "Chloe", "Nguyen", "+14155550113"),
    ("dev", "Dev", "Patel", "+12125550114"),
]
HEADLINE_KEYS = (
    "first_touch_p50_s",
    "first_touch_p95_s",
    "first_touch_p99_s",
    "alert_p50_s",
    "alert_p99_s",
    "missing_first_touch",
    "held_by_quiet_hours",
    "missing_alert",
    "database",
    "workers",
    "rate_per_second",
    "seconds",
    "leads",
    "targets_met",
    "load_average",
)
LEAD_LINK = re.compile(r"/leads/(\d+)/")


# --- leads ----------------------------------------------------------------------------------------------


def borrower_phone(index: int) -> str:
    """A distinct valid US number (E.164) for every index below 140,000, its area code in the lead's ZIP."""
    _zip, area_code = PLACES[index % len(PLACES)]
    serial = index // len(PLACES)
    if serial >= 10_000:
        raise ValueError("Too many leads for one exchange per place")
    return f"+1{area_code}{EXCHANGE}{serial:04d}"


def lead_payload(run: str, index: int) -> dict:
    zip_code, _area = PLACES[index % len(PLACES)]
    return {
        "first_name": f"Speedy{index}",
        "last_name": f"Borrower{run}",
        "email": f"stl.{run}.{index}@example.com",
        "phone": borrower_phone(index),
        "zip": zip_code,
        "purpose": ["purchase", "refinance", "cash out", "heloc"][index % 4],
        "loan_type": ["FHA", "conventional", "VA", "jumbo"][index % 4],
        "credit_band": ["Excellent", "Good", "Fair"][index % 3],
        "purchase_price": "$350,000",
        "down_payment": "12,250",
        "timeframe": "30_days",
        "first_time_buyer": "yes",
        "external_id": f"{run}-{index}",
        "consent": {
            "sms": True,
            "email": True,
            "calls": True,
            "text": "I agree that Speed Bench Lending may text and call me about my mortgage.",
            "ip": "203.0.113.9",
            "user_agent": "Mozilla/5.0",
            "page_url": "https://bench.example.com/apply",
        },
    }


@dataclass
class LeadRun:
    index: int
    phone: str
    scheduled: float  # time.monotonic() when the request was due
    started: float = 0.0  # when it was actually sent
    answered: float = 0.0
    status: str = ""
    lead_id: int | None = None
    intake_record_id: int | None = None  # with --respond-async: the lead id is read from the record later


# `--respond-async`: send `Prefer: respond-async` (202 at once, capture in the worker; docs/intake.md).
PREFER: dict[str, str] = {}


# --- HTTP load ------------------------------------------------------------------------------------------


def post_leads(
    base_url: str,
    api_key: str,
    *,
    run: str,
    rate: float,
    seconds: float,
    max_lag: float,
    first_index: int = 0,
):
    """Open loop: lead i is due at start + i/rate; enough senders that a slow answer rarely delays the next.

    A lead whose send time has passed by more than `max_lag` seconds when a sender gets to it is not sent
    (status "dropped": the server is not keeping up); it counts as missing, and an overloaded run stays
    short."""
    import httpx

    total = int(rate * seconds)
    runs = [
        LeadRun(index=first_index + number, phone=borrower_phone(first_index + number), scheduled=0.0)
        for number in range(total)
    ]
    bodies = [json.dumps(lead_payload(run, item.index)).encode() for item in runs]
    start_at = time.monotonic() + 0.3
    for number, item in enumerate(runs):
        item.scheduled = start_at + number / rate
    counter = itertools.count()
    senders = min(total, max(24, int(rate * 5)))
    # One TLS context for every client: building one per client costs ~35 ms of CPU each, on the same cores
    # as the server (the URLs are plain http; httpx builds the context anyway).
    tls = ssl.create_default_context()

    def work():
        with httpx.Client(
            base_url=base_url,
            headers={"X-Api-Key": api_key, "Content-Type": "application/json", **PREFER},
            timeout=60,
            verify=tls,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        ) as client:
            while (number := next(counter)) < total:
                item = runs[number]
                delay = item.scheduled - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif -delay > max_lag:
                    item.status = "dropped"
                    continue
                item.started = time.monotonic()
                try:
                    response = client.post(INTAKE_PATH, content=bodies[number])
                    item.status = str(response.status_code)
                    if response.status_code == 201:
                        item.lead_id = response.json()["lead_id"]
                    elif response.status_code == 202:
                        item.intake_record_id = response.json()["intake_record_id"]
                except Exception as error:  # noqa: BLE001 - a failed request is a result
                    item.status = type(error).__name__
                item.answered = time.monotonic()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return runs


# --- reading the database directly (no Django in this process) -------------------------------------------


class Database:
    """Read-only SQL against the product's database while it runs: SQLite through a second connection (WAL
    lets readers run beside the writer), PostgreSQL through psycopg."""

    def __init__(self, url: str | None, data_dir: Path):
        self.url, self.data_dir = url, data_dir

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url.replace("postgres://", "postgresql://", 1)) as connection:
                return connection.execute(sql, params).fetchall()
        path = self.data_dir / "firstcall.sqlite3"
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()
        finally:
            connection.close()


def as_epoch(value) -> float | None:
    """A stored datetime (SQLite text in UTC, or an aware PostgreSQL value) as seconds since the epoch."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def held_first_touch_numbers(database: Database, tables: dict) -> set[str]:
    sql = f"SELECT to_address FROM {tables['message']} WHERE purpose = %s AND status = %s"  # noqa: S608
    return {row[0] for row in database.rows(sql, ("first_touch", "held"))}


def first_touch_facts(database: Database, tables: dict) -> dict[int, dict]:
    """lead id -> the first-touch message's status, reason and timestamps, with its first task's times."""
    messages = database.rows(
        f"SELECT id, lead_id, to_address, status, status_reason, held_until, created_at, claimed_at, sent_at "  # noqa: S608
        f"FROM {tables['message']} WHERE purpose = %s",
        ("first_touch",),
    )
    tasks = database.rows(
        f"SELECT args_kwargs, enqueued_at, started_at, finished_at FROM {tables['task']} "  # noqa: S608
        "WHERE task_path LIKE %s",
        ("%deliver_message%",),
    )
    first_task: dict[int, tuple] = {}
    for args_kwargs, enqueued_at, started_at, finished_at in tasks:
        payload = json.loads(args_kwargs) if isinstance(args_kwargs, str) else args_kwargs
        argument = (payload.get("args") or [None])[0]
        # deliver_message takes one id; deliver_messages a list (the messages one transaction queued).
        message_ids = argument if isinstance(argument, list) else [argument]
        times = (as_epoch(enqueued_at), as_epoch(started_at), as_epoch(finished_at))
        for message_id in message_ids:
            if message_id is not None and (
                message_id not in first_task or times[0] < first_task[message_id][0]
            ):
                first_task[message_id] = times
    received = dict(
        database.rows(f"SELECT lead_id, MIN(received_at) FROM {tables['intake']} GROUP BY lead_id")  # noqa: S608
    )
    facts = {}
    for message_id, lead_id, to, status, reason, held_until, created, claimed, sent in messages:
        enqueued, started, finished = first_task.get(message_id, (None, None, None))
        facts[lead_id] = {
            "to": to,
            "status": status,
            "reason": reason,
            "held_until": str(held_until) if held_until else None,
            "received": as_epoch(received.get(lead_id)),
            "created": as_epoch(created),
            "enqueued": enqueued,
            "started": started,
            "claimed": as_epoch(claimed),
            "sent": as_epoch(sent),
        }
    return facts


def task_statistics(database: Database, tables: dict, since_wall: float) -> dict:
    """Delivery tasks that started after `since_wall`: how many, how long each ran (started -> finished), and
    the rate the workers got through them."""
    rows = database.rows(
        f"SELECT started_at, finished_at FROM {tables['task']} WHERE task_path LIKE %s "  # noqa: S608
        "AND started_at IS NOT NULL AND finished_at IS NOT NULL",
        ("%deliver_message%",),
    )
    spans = [(as_epoch(started), as_epoch(finished)) for started, finished in rows]
    spans = [(started, finished) for started, finished in spans if started >= since_wall]
    if not spans:
        return {"tasks": 0}
    wall = max(finished for _s, finished in spans) - min(started for started, _f in spans)
    durations = [finished - started for started, finished in spans]
    return {
        "tasks": len(spans),
        "tasks_per_second": round(len(spans) / wall, 1) if wall > 0 else None,
        "run_p50_s": _round(_common.percentile(durations, 0.5)),
        "run_p95_s": _round(_common.percentile(durations, 0.95)),
        "busy_seconds": round(sum(durations), 2),
        "wall_seconds": round(wall, 2),
    }


def message_status_counts(database: Database, tables: dict) -> dict:
    rows = database.rows(
        f"SELECT purpose, channel, status, COUNT(*) FROM {tables['message']} "  # noqa: S608
        "GROUP BY purpose, channel, status"
    )
    return {f"{purpose}/{channel}/{status}": count for purpose, channel, status, count in sorted(rows)}


# --- the stand-in's view ----------------------------------------------------------------------------------


class Arrivals:
    """What the stand-in has received, indexed as it arrives: borrower number -> first create-message arrival
    and lead id -> first alert arrival (time.monotonic() of this process, the stand-in runs in a thread).
    Incremental, so that polling it during a long run costs next to nothing."""

    def __init__(self, standin):
        self.standin = standin
        self.seen = 0
        self.officer_phones = {phone for *_names, phone in OFFICERS}
        self.first_touch: dict[str, float] = {}
        self.alerts: dict[int, float] = {}

    def update(self) -> "Arrivals":
        new = self.standin.requests[self.seen :]  # append-only list; slicing is atomic in CPython
        self.seen += len(new)
        for request in new:
            if request.method != "POST" or not request.path.endswith("/Messages.json"):
                continue
            to = request.form.get("To", "")
            if to in self.officer_phones:
                found = LEAD_LINK.search(request.form.get("Body", ""))
                if found:
                    self.alerts.setdefault(int(found.group(1)), request.monotonic)
            elif to:
                self.first_touch.setdefault(to, request.monotonic)
        return self


def wait_for_texts(arrived: Arrivals, runs: list[LeadRun], database: Database, tables: dict, deadline: float):
    """Until every accepted lead has its first text and its alert, or the rest are held by quiet hours, or the
    last lead's deadline passes."""
    give_up = runs[-1].scheduled + deadline
    waiting_text = {item.phone for item in runs if item.lead_id or item.intake_record_id}
    resolve_lead_ids(runs, database, tables)
    waiting_alert = {item.lead_id for item in runs if item.lead_id}
    last_db_check = 0.0
    while time.monotonic() < give_up:
        if any(item.intake_record_id and not item.lead_id for item in runs):
            resolve_lead_ids(runs, database, tables)
            waiting_alert |= {item.lead_id for item in runs if item.lead_id} - arrived.alerts.keys()
        arrived.update()
        waiting_text -= arrived.first_touch.keys()
        waiting_alert -= arrived.alerts.keys()
        if not waiting_text and not waiting_alert:
            return
        if waiting_text and time.monotonic() - last_db_check > 1.0:
            waiting_text -= held_first_touch_numbers(database, tables)
            last_db_check = time.monotonic()
            continue
        time.sleep(0.1)


def resolve_lead_ids(runs: list[LeadRun], database: "Database", tables: dict) -> None:
    """Leads accepted with 202 get their lead id from their intake record once the worker has captured them."""
    pending = {item.intake_record_id: item for item in runs if item.intake_record_id and not item.lead_id}
    if not pending:
        return
    ids = ",".join(str(int(pk)) for pk in pending)
    for record_id, lead_id in database.rows(
        f"SELECT id, lead_id FROM {tables['intake']} WHERE id IN ({ids}) AND lead_id IS NOT NULL"  # noqa: S608
    ):
        pending[record_id].lead_id = lead_id


# --- one database ---------------------------------------------------------------------------------------


def start_server(env: dict, port: int, workers: int) -> _common.Server:
    """`firstcall serve` on a port chosen up front: FIRSTCALL_SITE_URL must name it before the server starts,
    because the delivery-status callback URL sent to the stand-in is built from it. Returns at once; call
    `_common.wait_until_ready` before use and `.stop()` after."""
    log_path = Path(env["FIRSTCALL_DATA_DIR"]) / f"serve-{port}.log"
    with log_path.open("w") as log:  # the child keeps its own copy of the file descriptor
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [*_common.firstcall_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", str(workers)],
            env=env,
            cwd=_common.REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return _common.Server(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)


def process_cpu_seconds(session_id: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the server's processes, by kind: gunicorn ("web"), task
    workers ("worker"), and `firstcall serve` itself. Linux /proc; empty elsewhere."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals = {"web": 0.0, "worker": 0.0, "serve": 0.0}
    for stat_path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_path.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != session_id:
                continue
            command = (
                (stat_path.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            )
        except (OSError, IndexError, ValueError):
            continue  # the process ended while we looked
        kind = "web" if "gunicorn" in command else "worker" if " worker" in command else "serve"
        totals[kind] += (int(fields[11]) + int(fields[12])) / ticks
    return totals


def seconds_summary(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_s": _round(_common.percentile(values, 0.50)),
        "p95_s": _round(_common.percentile(values, 0.95)),
        "p99_s": _round(_common.percentile(values, 0.99)),
        "max_s": _round(max(values)) if values else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(value, 3)


def breakdown(runs: list[LeadRun], facts: dict[int, dict], wall_offset: float) -> dict:
    """Where the first touch's time goes, per step, for messages that were sent (not held)."""
    steps: dict[str, list[float]] = {
        "1_request_to_capture_start": [],  # client + gunicorn queueing, up to IntakeRecord.received_at
        "2_capture_to_task_enqueued": [],  # capture(): rescore, route, alert, first touch, commit, on_commit
        "3_task_queue_wait": [],  # enqueued -> a worker starts it (poll interval, worker busy, write lock)
        "4_worker_to_provider": [],  # claim, compliance gate, HTTP request reaches the stand-in
    }
    for item in runs:
        fact = facts.get(item.lead_id) if item.lead_id else None
        if not fact or fact["status"] == "held" or fact.get("held_until") or not fact.get("arrived"):
            continue
        due = item.scheduled + wall_offset
        points = [due, fact["received"], fact["enqueued"], fact["started"], fact["arrived"] + wall_offset]
        if any(point is None for point in points):
            continue
        for name, start, end in zip(steps, points, points[1:], strict=False):
            steps[name].append(end - start)
    return {name: seconds_summary(values) for name, values in steps.items()}


def measure_database(
    label: str, env: dict, prepared: dict, server: _common.Server, standin, args, profile: dict, workers: int
) -> dict:
    """Warm up, load, wait, read the database; stops the server before returning."""
    database = Database(env.get("DATABASE_URL"), Path(env["FIRSTCALL_DATA_DIR"]))
    tables = prepared["tables"]
    load = os.getloadavg()[0]
    _common.say(
        f"[{label}] load average before measuring: {load:.2f} (other work on the machine skews numbers)"
    )
    rate, seconds = args.rate or profile["rate"], args.seconds or profile["seconds"]
    deadline = args.deadline or profile["deadline"]
    phase_started = time.monotonic()
    try:
        _common.wait_until_ready(server, "/login/", 120)
        _common.say(f"[{label}] firstcall serve is up at {server.base_url} with {workers} worker(s)")
        # Warm-up: gunicorn workers import lazily, the task worker's first poll, connection set-up.
        warm_up_seconds = profile["warm_up"] / 4
        warm = post_leads(
            server.base_url,
            prepared["api_key"],
            run="warm",
            rate=4,
            seconds=warm_up_seconds,
            max_lag=30,
            first_index=120_000,
        )
        wait_for_texts(Arrivals(standin), warm, database, tables, 5)
        run_started_wall = time.time()
        cpu_before, bench_cpu_before = process_cpu_seconds(server.process.pid), time.process_time()
        with _common.stopwatch() as elapsed:
            runs = post_leads(
                server.base_url, prepared["api_key"], run=label, rate=rate, seconds=seconds, max_lag=deadline
            )
        late = sum(1 for item in runs if item.started and item.started - item.scheduled > 0.05)
        dropped = sum(1 for item in runs if item.status == "dropped")
        _common.say(
            f"[{label}] posted {len(runs)} leads at {rate}/s in {elapsed['seconds']:.1f}s "
            f"({late} sent >50 ms behind schedule, {dropped} dropped >{deadline:.0f}s behind); "
            f"waiting up to {deadline:.0f}s for their texts"
        )
        arrived = Arrivals(standin)
        wait_for_texts(arrived, runs, database, tables, deadline)
        cpu_after, bench_cpu_after = process_cpu_seconds(server.process.pid), time.process_time()
        arrived.update()
        first_touch, alerts = arrived.first_touch, arrived.alerts
        facts = first_touch_facts(database, tables)
        statuses = message_status_counts(database, tables)
        tasks = task_statistics(database, tables, run_started_wall)
        log_tail = server.log_tail(1500)
        stopping = time.monotonic()
    finally:
        server.stop()
    _common.say(
        f"[{label}] measured for {stopping - phase_started:.1f}s in all; stopping the server took "
        f"{time.monotonic() - stopping:.1f}s"
    )

    wall_offset = time.time() - time.monotonic()
    first_touch_latencies, alert_latencies, missing, held, failures = [], [], [], [], {}
    for item in runs:
        if item.status not in ("201", "202"):
            failures[item.status] = failures.get(item.status, 0) + 1
            missing.append(item)
            continue
        fact = facts.get(item.lead_id, {})
        arrived = first_touch.get(item.phone)
        if arrived is not None and fact:
            fact["arrived"] = arrived
        if fact.get("status") == "held" or fact.get("held_until"):
            # Held by the borrower's quiet hours, whether still waiting or released during the run (a run
            # that spans 8 a.m. somewhere): correct, and not a measure of speed to lead.
            held.append((item, fact))
        elif arrived is not None and arrived - item.scheduled <= deadline:
            first_touch_latencies.append(arrived - item.scheduled)
        else:
            missing.append(item)
        if item.lead_id in alerts:
            alert_latencies.append(alerts[item.lead_id] - item.scheduled)
    responses = [item.answered - item.scheduled for item in runs if item.answered]
    first = seconds_summary(first_touch_latencies)
    alert = seconds_summary(alert_latencies)
    steps = breakdown(runs, facts, wall_offset)
    accepted = sum(1 for item in runs if item.status in ("201", "202"))
    missing_alerts = accepted - len(alert_latencies)
    _common.say(
        f"[{label}] capture request (open loop, from scheduled time): "
        f"{_describe(seconds_summary(responses))}; failures {failures or 0}"
    )
    _common.say(f"[{label}] first touch: {_describe(first)}")
    _common.say(f"[{label}] alert text: {_describe(alert)}; leads without an alert text: {missing_alerts}")
    _common.say(
        f"[{label}] missing first touch (>{deadline:.0f}s, not held): {len(missing)}; "
        f"held by quiet hours: {len(held)}"
        f" ({sum(1 for _item, fact in held if fact.get('status') != 'held')} of them released during the run)"
    )
    if held:
        example = held[0][1]
        _common.say(
            f"[{label}]   e.g. {example['to'][:5]}… held until {example['held_until']}: "
            f"{example['reason'][:160]}"
        )
    for item in missing[:5]:
        fact = facts.get(item.lead_id, {})
        arrived = first_touch.get(item.phone)
        when = f", reached the stand-in after {arrived - item.scheduled:.1f}s" if arrived else ""
        _common.say(
            f"[{label}]   missing: lead {item.lead_id} HTTP {item.status}, first-touch message "
            f"{fact.get('status')}{when} {(fact.get('reason') or '')[:120]}"
        )
    _common.say(f"[{label}] where the first touch's time goes (sent messages, seconds):")
    for name, figures in steps.items():
        _common.say(f"[{label}]   {name:<28} {_describe(figures)}")
    _common.say(f"[{label}] messages by purpose/channel/status: {statuses}")
    sent = max(1, sum(1 for item in runs if item.started))  # dropped leads cost the server nothing
    cpu = {kind: round((cpu_after[kind] - cpu_before[kind]) / sent * 1000, 1) for kind in cpu_after}
    cpu["bench_and_standin"] = round((bench_cpu_after - bench_cpu_before) / sent * 1000, 1)
    server_ms = cpu["web"] + cpu["worker"] + cpu["serve"]
    worker_cpu = cpu_after["worker"] - cpu_before["worker"]
    if tasks.get("tasks"):
        _common.say(
            f"[{label}] delivery tasks: {tasks['tasks']} at {tasks['tasks_per_second']}/s; each ran p50 "
            f"{tasks['run_p50_s']} s, p95 {tasks['run_p95_s']} s; inside tasks {tasks['busy_seconds']} s "
            f"of wall time against {worker_cpu:.1f} CPU seconds for all task workers (the rest is waiting: "
            "locks, I/O, CPU)"
        )
    kept_up = not missing and not missing_alerts
    cpu["leads_per_second_on_all_cores"] = (
        round((os.cpu_count() or 1) * 1000 / server_ms, 1) if server_ms and kept_up else None
    )
    ceiling = (
        f"at most ~{cpu['leads_per_second_on_all_cores']} leads/s if FirstCall had every core to itself"
        if kept_up
        else "no capacity estimate: the work was not finished (see missing)"
    )
    _common.say(
        f"[{label}] CPU per lead sent: web {cpu['web']} ms, task workers {cpu['worker']} ms, this script "
        f"and the stand-in {cpu['bench_and_standin']} ms (the database server not counted); {ceiling}"
    )
    if missing and log_tail.strip():
        _common.say(f"[{label}] server log tail:\n{log_tail}")

    target = TARGETS[label]
    result = {
        "database": label,
        "workers": workers,
        "rate_per_second": rate,
        "seconds": seconds,
        "leads": len(runs),
        "first_touch_p50_s": first["p50_s"],
        "first_touch_p95_s": first["p95_s"],
        "first_touch_p99_s": first["p99_s"],
        "first_touch_max_s": first["max_s"],
        "alert_p50_s": alert["p50_s"],
        "alert_p95_s": alert["p95_s"],
        "alert_p99_s": alert["p99_s"],
        "missing_first_touch": len(missing),
        "missing_alert": missing_alerts,
        "held_by_quiet_hours": len(held),
        "capture_failures": failures,
        "capture_response": seconds_summary(responses),
        "late_sends": late,
        "dropped_sends": dropped,
        "deadline_s": deadline,
        "breakdown": steps,
        "cpu_ms_per_lead": cpu,
        "tasks": tasks,
        "messages": statuses,
        "load_average": round(load, 2),
    }
    at_target_load = rate >= target["rate"] and seconds >= 300 and workers == target["workers"]
    p99_met = first["p99_s"] is not None and first["p99_s"] < target["p99_s"]
    result["targets_met"] = {
        f"first_touch_p99_under_{target['p99_s']:g}s": p99_met,
        "no_missing_first_touch": not missing,
        "at_target_load": at_target_load,
    }
    if args.profile:
        _common.say(
            _common.run_python([__file__, "--phase", "profile"], {**env, "BENCH_STANDIN": standin.url})
        )
    return result


def _describe(figures: dict) -> str:
    return (
        f"n={figures['count']} p50 {figures['p50_s']} s, p95 {figures['p95_s']} s, p99 {figures['p99_s']} s, "
        f"max {figures['max_s']} s"
    )


# --- in-process phases (a subprocess with the database's environment) ------------------------------------


def phase_prepare() -> None:
    """Migrate; create the organisation, its 4 loan officers and an API source; print what the run needs."""
    _common.setup_django()
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from firstcall.accounts.models import Organisation, User
    from firstcall.leads.models import IntakeRecord
    from firstcall.leads.sources import create_source
    from firstcall.leads.stages import ensure_default_pipelines
    from firstcall.lib.geography import US_STATES
    from firstcall.messaging.models import Message

    call_command("migrate", verbosity=0, interactive=False)
    all_day = {day: ["00:00", "00:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    organisation = Organisation.objects.create(
        name="Speed Bench Lending",
        slug="speed-bench",
        postal_address="1 Bench Way, Tampa, FL 33602",
        nmls_id="3000000",  # marketing (the first touch) names the company's NMLS ID (SAFE Act)
        business_hours=all_day,
        holiday_country="",
        sla_minutes=24 * 60,  # no SLA re-alert texts during a 5-minute run
        sms_from_number=SMS_FROM_NUMBER,
    )
    ensure_default_pipelines(organisation)
    for number, (username, first, last, phone) in enumerate(OFFICERS):
        User.objects.create(
            username=username,
            password="!",  # unusable: nobody signs in
            first_name=first,
            last_name=last,
            email=f"{username}@speed-bench.example.com",
            organisation=organisation,
            role=User.Role.LOAN_OFFICER,
            nmls_id=f"30000{number}",
            licensed_states=sorted(US_STATES),
            languages=["en", "es"],
            phone=phone,
            working_hours={},  # always available
        )
    source, issued = create_source(organisation, channel="api", name="Speed bench API")
    tables = {
        "message": Message._meta.db_table,
        "task": DBTaskResult._meta.db_table,
        "intake": IntakeRecord._meta.db_table,
    }
    print(json.dumps({"api_key": issued["api_key"], "source_id": source.pk, "tables": tables}))


def phase_profile(captures: int = 60) -> None:
    """cProfile and query counts of capture() and of deliver() in-process, against the run's database (the
    SMS provider is the still-running stand-in)."""
    _common.setup_django()
    import cProfile
    import io
    import pstats

    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from firstcall.accounts.models import Organisation
    from firstcall.flows.lead_arrives import lead_arrives as capture
    from firstcall.leads.models import IntakeRecord, LeadSource
    from firstcall.leads.submission import ConsentInput, LeadSubmission
    from firstcall.messaging.models import Message
    from firstcall.messaging.services import deliver

    settings.SMS_API_URL = os.environ["BENCH_STANDIN"]
    organisation = Organisation.objects.get(slug="speed-bench")
    source = LeadSource.objects.get(organisation=organisation, channel="api")
    consent_fields = {"sms", "email", "calls", "text", "ip", "user_agent", "page_url"}

    def submission(index: int) -> LeadSubmission:
        payload = lead_payload("prof", 130_000 + index)
        consent = payload.pop("consent")
        return LeadSubmission(
            **payload, consent=ConsentInput(**{k: v for k, v in consent.items() if k in consent_fields})
        )

    def one_capture(index: int) -> None:
        record = IntakeRecord.objects.create(organisation=organisation, source=source, channel="api")
        result = capture(submission(index), organisation=organisation, intake_record=record, source=source)
        assert result.is_accepted, result.errors

    for index in range(10):  # warm caches (ZIP lookups, imports)
        one_capture(index)
    with CaptureQueriesContext(connection) as queries:
        one_capture(10)
    writes = [
        q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")
    ]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for index in range(11, 11 + captures):
        one_capture(index)
    profiler.disable()
    per_capture = (time.perf_counter() - started) / captures
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(30)
    print(
        f"profile: capture() {per_capture * 1000:.1f} ms each (profiled, in-process, {captures} captures); "
        f"{len(queries.captured_queries)} queries per capture, {len(writes)} of them not SELECTs"
    )
    print(stream.getvalue())

    pending = list(
        Message.objects.filter(status="queued", organisation=organisation)
        .order_by("pk")
        .values_list("pk", flat=True)[:60]
    )
    with CaptureQueriesContext(connection) as queries:
        deliver(pending[0])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for message_id in pending[1:]:
        deliver(message_id)
    profiler.disable()
    per_message = (time.perf_counter() - started) / max(1, len(pending) - 1)
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(20)
    print(
        f"profile: deliver() {per_message * 1000:.1f} ms a message (profiled, {len(pending) - 1} messages); "
        f"{len(queries.captured_queries)} queries for one delivery"
    )
    print(stream.getvalue())


# --- main -----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="10 s at 10 leads/s per database (about a minute)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rate", type=float, help="Leads per second (default 20; quick 10)")
    parser.add_argument("--seconds", type=float, help="Seconds of load (default 300; quick 10)")
    parser.add_argument("--workers", type=int, help="Task workers (default: 1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--deadline", type=float, help="Seconds a first text may take (default 60; quick 15)")
    parser.add_argument(
        "--no-callbacks", action="store_true", help="Stand-in sends no delivery-status callbacks"
    )
    parser.add_argument(
        "--profile", action="store_true", help="Also cProfile capture() and deliver() per database"
    )
    parser.add_argument(
        "--respond-async",
        action="store_true",
        help="Post with `Prefer: respond-async`: 202 at once, the capture runs in the task worker",
    )
    parser.add_argument("--phase", choices=["prepare", "profile"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.respond_async:
        PREFER["Prefer"] = "respond-async"
    if args.phase == "prepare":
        phase_prepare()
        return 0
    if args.phase == "profile":
        phase_profile()
        return 0

    from firstcall.messaging.standin.sms_server import StandinSmsServer

    profile = PROFILES["quick" if args.quick else "full"]
    started = time.perf_counter()
    _common.say(
        f"FirstCall speed-to-lead benchmark ({'quick' if args.quick else 'full'}; {os.cpu_count()} CPUs)"
    )
    targets: dict[str, str | None] = {}
    results: dict[str, dict] = {}
    if args.database in ("sqlite", "both"):
        targets["sqlite"] = None
    if args.database in ("postgres", "both"):
        url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        problem = _common.postgres_available(url)
        if problem:
            _common.say(f"[postgres] skipped: {problem}")
            results["postgres"] = {"database": "postgres", "skipped": problem}
        else:
            targets["postgres"] = url
    with contextlib.ExitStack() as cleanup:
        standin = cleanup.enter_context(
            StandinSmsServer(
                account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, auto_callbacks=not args.no_callbacks
            )
        )
        envs, ports = {}, {}
        for label, url in targets.items():
            data_dir = cleanup.enter_context(_common.data_directory(f"firstcall-bench-stl-{label}-"))
            if url:
                _common.recreate_postgres_database(url)
                cleanup.callback(_common.drop_postgres_database, url)
            ports[label] = _common.free_port()
            envs[label] = _common.product_env(
                url,
                data_dir,
                FIRSTCALL_SITE_URL=f"http://127.0.0.1:{ports[label]}",
                FIRSTCALL_INTAKE_RATE_LIMIT_PER_MINUTE="0",  # measure speed to lead, not the limiter's 429s
                FIRSTCALL_SMS_PROVIDER="twilio",
                FIRSTCALL_SMS_API_URL=standin.url,
                FIRSTCALL_SMS_ACCOUNT_SID=ACCOUNT_SID,
                FIRSTCALL_SMS_AUTH_TOKEN=AUTH_TOKEN,
                FIRSTCALL_SMS_FROM_NUMBER=SMS_FROM_NUMBER,
                FIRSTCALL_EMAIL_PROVIDER="demo",  # alert emails stay in the in-app outbox
            )
        # Migrations for every database at once: set-up time is not what is measured.
        with _common.stopwatch() as elapsed:
            outputs = _common.run_python_parallel(
                [([__file__, "--phase", "prepare"], envs[label]) for label in envs]
            )
        _common.say(
            f"migrated {', '.join(envs) or 'nothing'} and created the organisation "
            f"in {elapsed['seconds']:.1f}s"
        )
        workers = {label: args.workers or TARGETS[label]["workers"] for label in envs}
        servers = {}
        if args.quick:
            # Boot every server at once (booting is most of a quick run); the one not being measured idles.
            servers = {label: start_server(envs[label], ports[label], workers[label]) for label in envs}
            for server in servers.values():
                cleanup.callback(server.stop)
        for label, output in zip(envs, outputs, strict=True):
            prepared = {**json.loads(output.strip().splitlines()[-1]), "port": ports[label]}
            server = servers.get(label) or start_server(envs[label], ports[label], workers[label])
            cleanup.callback(server.stop)
            results[label] = measure_database(
                label, envs[label], prepared, server, standin, args, profile, workers[label]
            )
            standin.reset()

    headline = results.get("sqlite") or results.get("postgres") or {}
    final = {key: headline.get(key) for key in HEADLINE_KEYS}
    final["detail"] = {
        key: headline.get(key)
        for key in (
            "capture_response",
            "breakdown",
            "cpu_ms_per_lead",
            "tasks",
            "capture_failures",
            "messages",
        )
    }
    if "postgres" in results and headline is not results["postgres"]:
        final["postgres"] = results["postgres"]
    final["quick"] = args.quick
    final["respond_async"] = args.respond_async
    final["total_seconds"] = round(time.perf_counter() - started, 1)
    _common.print_result(final)
    return 0


if __name__ == "__main__":
    sys.exit(main())
