"""Fault suite: a worker killed mid-send, PostgreSQL restarted mid-intake, the SMS provider failing and then
hanging, every vendor webhook delivered twice. Proves that faults lose nothing and double nothing.

    python bench/faults.py [--quick] [--scenarios a,b,c,d] [--messages N] [--rate R] [--seconds S]

Everything runs on PostgreSQL with two task workers (`firstcall worker` processes), the product started the
way an operator starts it. The database server is the script's own throwaway cluster (initdb into a temporary
directory, its own port and socket directory, trust authentication; as root it runs as the `postgres` user),
removed at the end: restarting it disturbs nobody. When no cluster can be made (initdb missing), the
scenarios that need no restart run on BENCH_POSTGRES_URL's server in databases of their own, and the restart
scenario is skipped with the reason. The SMS stand-in (firstcall/messaging/standin/sms_server.py) runs in
this process, with an outage switch: it answers 500, or holds every request unanswered until it heals.

a. worker killed: N borrower texts are queued through the outbox (one delivery task each), two workers start,
   one is SIGKILLed once ~30% reached the stand-in, a replacement starts. Recovery: from the kill until every
   text reached the provider. A text the dead worker was sending stays "sending" until the send lease runs
   out (FIRSTCALL_MESSAGING_SEND_LEASE_SECONDS; --quick sets 5 s, the full run keeps the product's 120 s).
b. PostgreSQL restarted: leads posted to `POST /api/v1/leads` of `firstcall serve --workers 2` at R leads/s
   for S seconds (open loop), `pg_ctl restart -m fast` once a third of them were answered. A refused post
   (5xx or no answer) is sent again by its client, same body and vendor lead id, with backoff until accepted;
   refusals are counted apart. Lost: accepted (2xx) but absent from the database; duplicates: more than one
   lead per vendor lead id. Recovery: from the restart until the last refused lead was accepted.
c. provider outage: N texts queued; the stand-in answers 500 for a while, then answers nothing for a minute
   (--quick: 4 s and 12 s, past the client's 10 s timeout), then heals. The outbox retries with its backoff; a request held past the client's
   timeout is completed by the provider when it heals (a late success), so the retry must not text twice.
   Recovery: from the healing until every text reached the provider.
d. duplicate webhooks: every vendor post (`POST /hooks/post/<source>/`) is delivered twice, half one after
   the other and half at the same instant from two connections. Exactly one lead per vendor lead id, and
   exactly one first-touch message per lead.

Per scenario: lost, duplicated, missing (all must be 0) and recovery seconds, plus median/p99 and
throughput of what was measured and, where there is one, a ratio against the same run's fault-free part.
Exits non-zero if any loss, duplicate or missing item is found (or a scenario could not run). The last line
is one JSON object.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402 - the benchmark folder is not a package
import cadences  # noqa: E402
import speed_to_lead  # noqa: E402

PROFILES = {
    # a/c: texts; b: leads/s and seconds of load; c: seconds of 500s and of silence; d: distinct vendor posts
    "quick": {"messages": 300, "rate": 20, "seconds": 6, "errors_s": 4, "hang_s": 12, "posts": 30,
              "lease_s": 5, "deadline_s": 180},
    "full": {"messages": 1000, "rate": 20, "seconds": 60, "errors_s": 30, "hang_s": 60, "posts": 500,
             "lease_s": None, "deadline_s": 600},
}  # fmt: skip
TEXT = "Hi, it's Olivia from Bench Home Loans. Your rate quote is ready. Reply STOP to opt out."


# ------------------------------------------------------------------------------------ Django-side phases


def phase_queue(count: int) -> dict:
    """Leads with text consent in a daytime zone (the cadence benchmark's set-up), then one text each queued
    through the outbox outside any transaction, so each is its own delivery task."""
    setup = cadences.phase_setup(count)
    from firstcall.leads.models import Lead
    from firstcall.messaging.outbox import queue_message

    for lead in Lead.objects.order_by("pk").iterator():
        queue_message(lead, "sms", TEXT, purpose="manual", is_marketing=False)
    return {"zone": setup["zone"], "queued": count}


def phase_prepare() -> dict:
    """The speed-to-lead organisation (four officers, all-day hours, an API source) plus a vendor post
    source."""
    import io

    with contextlib.redirect_stdout(io.StringIO()) as printed:
        speed_to_lead.phase_prepare()
    prepared = json.loads(printed.getvalue().strip().splitlines()[-1])
    from firstcall.accounts.models import Organisation
    from firstcall.leads.sources import create_source

    source, issued = create_source(
        Organisation.objects.get(slug="speed-bench"), channel="vendor_post", name="Fault bench vendor"
    )
    return {**prepared, "vendor_source_id": source.pk, "vendor_secret": issued["secret"]}


# ------------------------------------------------------------------------------------------- PostgreSQL


def find_initdb() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if found:
        return found[0]
    which = shutil.which("initdb")
    return Path(which) if which else None


class Cluster:
    """A throwaway PostgreSQL cluster: its own data directory, port and socket directory, trust auth."""

    def __init__(self, initdb: Path):
        self.bin = initdb.parent
        self.root = Path(tempfile.mkdtemp(prefix="firstcall-faults-pg-"))
        self.data = self.root / "data"
        self.port = _common.free_port()
        self.log = self.root / "postgres.log"
        self.is_root = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.is_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout)  # noqa: S603
        if completed.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {completed.stderr[-2000:]}")

    def create(self) -> "Cluster":
        if self.is_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self.start()
        return self

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        self._run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, *extra)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


class Databases:
    """One database per scenario, migrated and prepared (phase_prepare): copies of a template on our own
    cluster, else fresh databases on BENCH_POSTGRES_URL's server, dropped at the end."""

    def __init__(self, cluster: Cluster | None, data_dir: Path):
        self.cluster, self.data_dir = cluster, data_dir
        self.made: list[str] = []
        self.template: str | None = None
        self.prepared: dict = {}  # what phase_prepare made in the newest database (API key, sources)

    def new(self, label: str) -> str:
        from psycopg import sql

        if self.cluster is None:
            url = _common.postgres_url_for_run(f"faults_{label}")
            _common.recreate_postgres_database(url)
            self.made.append(url)
            self.prepared = phase_json(_common.product_env(url, self.data_dir), "--phase", "prepare")
            return url
        import psycopg

        if self.template is None:
            self.template = self.cluster.url("faults_template")
            _common.recreate_postgres_database(self.template)
            self.prepared = phase_json(
                _common.product_env(self.template, self.data_dir), "--phase", "prepare"
            )
        url = self.cluster.url(f"faults_{label}")
        maintenance = self.cluster.url("postgres").replace("postgres://", "postgresql://", 1)
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(f"faults_{label}"))
            )
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE faults_template").format(
                    sql.Identifier(f"faults_{label}")
                )
            )
        return url

    def drop_all(self) -> None:
        for url in self.made:
            with contextlib.suppress(Exception):
                _common.drop_postgres_database(url)


# ------------------------------------------------------------------------------------------ the stand-in


def faulty_standin(**options):
    """The SMS stand-in with an outage switch: mode "500" answers every create with 500 (nothing created);
    mode "hang" holds every create unanswered until heal(), then completes it (a late success: the client
    has usually given up by then)."""
    from firstcall.messaging.standin.sms_server import StandinSmsServer

    class FaultyStandin(StandinSmsServer):
        mode = ""
        healed = threading.Event()

        def set_mode(self, mode: str) -> None:
            if mode == "hang":
                self.healed.clear()
            self.mode = mode
            if not mode:
                self.healed.set()

        def create_message(self, record, authorization, account_sid):
            if self.mode == "500":
                self.fail_next("500")
            elif self.mode == "hang":
                self.healed.wait()
                answer = super().create_message(record, authorization, account_sid)
                record.failure_mode = "hang"
                return answer
            return super().create_message(record, authorization, account_sid)

    server = FaultyStandin(account_sid=cadences.ACCOUNT_SID, auth_token=cadences.AUTH_TOKEN, **options)
    server.healed.set()
    server.start()
    # A held request whose client gave up ends in a broken pipe when it is finally answered: expected here.
    server._httpd.handle_error = lambda request, client_address: None
    return server


def standin_env(database_url: str, data_dir: Path, standin, **extra: str) -> dict:
    settings = {
        "FIRSTCALL_SMS_PROVIDER": "twilio",
        "FIRSTCALL_SMS_API_URL": standin.url,
        "FIRSTCALL_SMS_ACCOUNT_SID": cadences.ACCOUNT_SID,
        "FIRSTCALL_SMS_AUTH_TOKEN": cadences.AUTH_TOKEN,
        "FIRSTCALL_SMS_FROM_NUMBER": cadences.OUR_NUMBER,
        "FIRSTCALL_SITE_URL": "http://127.0.0.1:9",
        "FIRSTCALL_INTAKE_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    return _common.product_env(database_url, data_dir, **{**settings, **extra})


def serve_scenario(databases: Databases, label: str, data_dir: Path):
    """A scenario's database, the stand-in, and `firstcall serve --workers 2` on them (starting: wait until it
    is ready before use, stop it and the stand-in after)."""
    url = databases.new(label)
    standin = faulty_standin(auto_callbacks=False)
    port = _common.free_port()
    env = standin_env(url, data_dir, standin, FIRSTCALL_SITE_URL=f"http://127.0.0.1:{port}")
    return url, standin, speed_to_lead.start_server(env, port, 2)


def provider_figures(standin, expected_numbers: set[str]) -> dict:
    creates = [asdict(record) for record in standin.create_requests()]
    created, calls, first_arrival = _common.provider_sends(creates)
    return {
        "duplicated": sum(count - 1 for count in created.values() if count > 1),
        "missing": len(expected_numbers - set(created)),
        "repeated_provider_calls": sum(count - 1 for count in calls.values() if count > 1),
        "first_arrival": first_arrival,
    }


def sent_count(standin) -> int:
    return len({message.to for message in standin.created_messages()})


def phase_json(env: dict, *args: str) -> dict:
    return json.loads(_common.run_python([__file__, *args], env, timeout=900).strip().splitlines()[-1])


def seconds_summary(values: list[float]) -> dict:
    return {
        "p50_s": round(_common.percentile(values, 0.5), 3) if values else None,
        "p99_s": round(_common.percentile(values, 0.99), 3) if values else None,
    }


def wait_for(predicate, deadline: float, interval: float = 0.2) -> bool:
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def outbox_leftovers(database_url: str) -> dict:
    rows = cadences.Database(database_url, Path()).rows(
        "SELECT status, count(*) FROM messaging_message WHERE direction = 'outbound' GROUP BY status"
    )
    return dict(rows)


# ------------------------------------------------------------------------------- a. worker killed mid-send


def scenario_worker_killed(databases: Databases, data_dir: Path, profile: dict) -> dict:
    count = profile["messages"]
    _common.say(f"== a. worker SIGKILLed while sending {count} texts (2 workers)")
    url = databases.new("a")
    standin = faulty_standin(auto_callbacks=False)
    extra = {"FIRSTCALL_MESSAGING_SWEEP_GRACE_SECONDS": "5"}
    if profile["lease_s"]:
        extra["FIRSTCALL_MESSAGING_SEND_LEASE_SECONDS"] = str(profile["lease_s"])
    env = standin_env(url, data_dir, standin, **extra)
    workers: list[subprocess.Popen] = []
    try:
        queued = phase_json(env, "--phase", "queue", "--messages", str(count))
        numbers = {row[0] for row in cadences.Database(url, data_dir).rows("SELECT phone FROM leads_lead")}
        started = time.time()
        for index in range(2):
            workers.append(
                _common.start_worker(env, data_dir / f"a-worker-{index}.log", "--sweep-interval", "1")
            )
        deadline = time.monotonic() + profile["deadline_s"]
        wait_for(lambda: sent_count(standin) >= 0.3 * count, deadline, 0.02)
        before_kill = sent_count(standin)
        killed_at = time.time()
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        _common.say(
            f"   SIGKILL after {before_kill} of {count} texts ({killed_at - started:.1f} s); replacement up"
        )
        workers.append(_common.start_worker(env, data_dir / "a-worker-2.log", "--sweep-interval", "1"))
        wait_for(lambda: sent_count(standin) >= count, deadline)
        time.sleep(1)  # a send in flight may still land: it must not be a second text
        figures = provider_figures(standin, numbers)
        leftovers = outbox_leftovers(url)
    finally:
        for worker in workers:
            _common.stop_process(worker)
        standin.stop()
    arrivals = sorted(figures["first_arrival"].values())
    done_at = arrivals[-1] if len(arrivals) >= count else None
    rate_before = before_kill / max(killed_at - started, 1e-3)
    rate_after = (len(arrivals) - before_kill) / max((done_at or time.time()) - killed_at, 1e-3)
    not_sent = sum(n for status, n in leftovers.items() if status not in ("sent", "delivered"))
    result = {
        "queued": queued["queued"],
        "sent_before_kill": before_kill,
        "lost": 0,
        "duplicated": figures["duplicated"],
        "missing": max(figures["missing"], not_sent),
        "recovery_s": round(done_at - killed_at, 2) if done_at else None,
        "send_time": seconds_summary([arrival - started for arrival in arrivals]),
        "sends_per_second": round(len(arrivals) / max((done_at or time.time()) - started, 1e-3), 1),
        "throughput_after_vs_before_kill": round(rate_after / max(rate_before, 1e-3), 2),
        "repeated_provider_calls": figures["repeated_provider_calls"],
        "send_lease_s": profile["lease_s"] or 120,
        "outbox_statuses": leftovers,
    }
    _common.say(
        f"   duplicated {result['duplicated']}, missing {result['missing']}, recovery {result['recovery_s']} s, "
        f"{result['sends_per_second']} texts/s (after/before kill {result['throughput_after_vs_before_kill']}), "
        f"repeated provider calls {result['repeated_provider_calls']}"
    )
    return result


# ---------------------------------------------------------------------------- b. PostgreSQL restart


class Post:
    def __init__(self, index: int, body: bytes, scheduled: float):
        self.index, self.body, self.scheduled = index, body, scheduled
        self.started = self.answered = 0.0
        self.status = self.first_status = ""
        self.first_latency = 0.0
        self.attempts = 0

    @property
    def accepted(self) -> bool:
        return self.status.startswith("2")

    @property
    def refused_first(self) -> bool:
        return not self.first_status.startswith("2")


def send(client, path: str, post: Post) -> None:
    post.attempts += 1
    post.started = time.time()
    try:
        post.status = str(client.post(path, content=post.body).status_code)
    except Exception as error:  # noqa: BLE001 - a refused request is a result
        post.status = type(error).__name__
    post.answered = time.time()
    if post.attempts == 1:
        post.first_status, post.first_latency = post.status, post.answered - post.started


def send_until_accepted(client, path: str, post: Post, deadline: float) -> None:
    """A vendor's client: a refused post (5xx, no answer) is sent again, same body and vendor lead id, after
    0.5, 1, 2, 4 s... (at most 5 s apart) until it is accepted or the deadline passes."""
    wait = 0.5
    send(client, path, post)
    while not post.accepted and not post.status.startswith("4") and time.monotonic() < deadline:
        time.sleep(wait)
        wait = min(wait * 2, 5.0)
        send(client, path, post)


def open_loop(
    base_url: str, path: str, headers: dict, posts: list[Post], senders: int, deadline: float
) -> None:
    """Post each at its scheduled (wall-clock) time, whatever the server does, retrying refusals."""
    import httpx

    order = iter(range(len(posts)))
    lock = threading.Lock()

    def work():
        with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
            while True:
                with lock:
                    number = next(order, None)
                if number is None:
                    return
                post = posts[number]
                delay = post.scheduled - time.time()
                if delay > 0:
                    time.sleep(delay)
                send_until_accepted(client, path, post, deadline)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def leads_by_vendor_id(url: str, data_dir: Path, prefix: str) -> dict[str, int]:
    rows = cadences.Database(url, data_dir).rows(
        f"SELECT vendor_lead_id, count(*) FROM leads_lead WHERE vendor_lead_id LIKE '{prefix}%' "  # noqa: S608
        "GROUP BY vendor_lead_id"
    )
    return dict(rows)


def scenario_postgres_restart(
    databases: Databases, cluster: Cluster, data_dir: Path, profile: dict, rate: float, seconds: float
) -> dict:
    total = int(rate * seconds)
    _common.say(f"== b. PostgreSQL restarted during intake: {total} leads at {rate:g}/s over HTTP, 2 workers")
    url, standin, server = serve_scenario(databases, "b", data_dir)
    prepared = databases.prepared
    restart: dict[str, float] = {}
    try:
        _common.wait_until_ready(server, "/login/", 240)
        run = f"fb{os.getpid()}"
        start = time.time() + 0.5
        posts = [
            Post(index, json.dumps(speed_to_lead.lead_payload(run, index)).encode(), start + index / rate)
            for index in range(total)
        ]
        headers = {"X-Api-Key": prepared["api_key"], "Content-Type": "application/json"}

        def restart_postgres():
            # A third of the way in, and not before a third of the leads were answered: on a busy machine the
            # first answers can take seconds, and the fault must hit a server that was working.
            time.sleep(max(0.0, start + seconds / 3 - time.time()))
            wait_for(
                lambda: sum(1 for post in posts if post.answered) >= total / 3, time.monotonic() + 120, 0.05
            )
            restart["started"] = time.time()
            cluster.restart()
            restart["finished"] = time.time()

        restarter = threading.Thread(target=restart_postgres, daemon=True)
        restarter.start()
        open_loop(
            server.base_url,
            speed_to_lead.INTAKE_PATH,
            headers,
            posts,
            senders=max(16, int(rate * 2)),
            deadline=time.monotonic() + seconds + profile["deadline_s"],
        )
        restarter.join()
        refused_first = [post for post in posts if post.refused_first]
        first_statuses: dict[str, int] = {}
        for post in refused_first:
            first_statuses[post.first_status] = first_statuses.get(post.first_status, 0) + 1
        _common.say(
            f"   restart took {restart['finished'] - restart['started']:.1f} s, "
            f"{restart['started'] - start:.1f} s into the load; {len(refused_first)} of {total} refused at "
            f"first {first_statuses or ''}, {sum(1 for post in refused_first if post.accepted)} accepted on retry"
        )
        if any(post.first_status.startswith("5") for post in refused_first):
            _common.say("   server log (tail):\n" + server.log_tail(800))
        server_alive = server.process.poll() is None
        in_db = leads_by_vendor_id(url, data_dir, run)
        first_touch_rows = cadences.Database(url, data_dir).rows(
            "SELECT count(DISTINCT lead_id) FROM messaging_message WHERE purpose = 'first_touch'"
        )[0][0]
    finally:
        server.stop()
        standin.stop()
    ids = {f"{run}-{post.index}": post for post in posts}
    lost = sum(1 for vendor_id, post in ids.items() if post.accepted and vendor_id not in in_db)
    never_accepted = sum(1 for post in posts if not post.accepted)
    last_accept = max((post.answered for post in refused_first if post.accepted), default=restart["finished"])
    back = [post.answered for post in posts if post.accepted and post.started >= restart["started"]]
    first_answers = [post for post in posts if not post.refused_first]
    before = [p.first_latency for p in first_answers if p.answered < restart["started"]]
    after = [p.first_latency for p in first_answers if p.started >= restart["finished"]]
    result = {
        "leads": total,
        "refused_during_outage": len(refused_first),
        "refused_statuses": first_statuses,
        "retried_and_accepted": sum(1 for post in refused_first if post.accepted),
        "retries": sum(post.attempts - 1 for post in posts),
        "service_back_s": round(min(back) - restart["started"], 2) if back else None,
        "lost": lost,
        "duplicated": sum(count - 1 for count in in_db.values() if count > 1),
        "missing": sum(1 for vendor_id, post in ids.items() if not post.accepted and vendor_id not in in_db),
        "never_accepted": never_accepted,
        "recovery_s": round(last_accept - restart["started"], 2) if not never_accepted else None,
        "restart_s": round(restart["finished"] - restart["started"], 2),
        "server_alive_after": server_alive,
        "leads_with_first_touch": first_touch_rows,
        "capture": seconds_summary([post.first_latency for post in first_answers]),
        "accepted_at_first_per_second": round(len(first_answers) / seconds, 1),
        "capture_p99_after_vs_before_restart": (
            round(_common.percentile(after, 0.99) / _common.percentile(before, 0.99), 2)
            if before and after
            else None
        ),
    }
    _common.say(
        f"   lost {result['lost']}, duplicated {result['duplicated']}, missing {result['missing']}, "
        f"recovery {result['recovery_s']} s; capture p50 {result['capture']['p50_s']} s "
        f"p99 {result['capture']['p99_s']} s; server alive after: {server_alive}"
    )
    if not server_alive:
        result["missing"] = max(result["missing"], 1)
    return result


# ------------------------------------------------------------------------------ c. provider outage


def scenario_provider_outage(databases: Databases, data_dir: Path, profile: dict) -> dict:
    count = profile["messages"]
    errors_s, hang_s = profile["errors_s"], profile["hang_s"]
    _common.say(
        f"== c. SMS provider answers 500 for {errors_s} s, then nothing for {hang_s} s: {count} texts"
    )
    url = databases.new("c")
    standin = faulty_standin(auto_callbacks=False)
    env = standin_env(url, data_dir, standin, FIRSTCALL_MESSAGING_SWEEP_GRACE_SECONDS="5")
    workers: list[subprocess.Popen] = []
    try:
        phase_json(env, "--phase", "queue", "--messages", str(count))
        numbers = {row[0] for row in cadences.Database(url, data_dir).rows("SELECT phone FROM leads_lead")}
        standin.set_mode("500")
        started = time.time()
        for index in range(2):
            workers.append(
                _common.start_worker(env, data_dir / f"c-worker-{index}.log", "--sweep-interval", "1")
            )
        # The clock starts when the workers reach the provider (they take seconds to start on a busy machine).
        wait_for(lambda: bool(standin.create_requests()), time.monotonic() + profile["deadline_s"], 0.05)
        time.sleep(errors_s)
        standin.set_mode("hang")
        time.sleep(hang_s)
        healed_at = time.time()
        standin.set_mode("")
        _common.say(
            f"   healed after {healed_at - started:.1f} s; {sent_count(standin)} texts created so far"
        )
        wait_for(lambda: sent_count(standin) >= count, time.monotonic() + profile["deadline_s"])
        time.sleep(1)
        figures = provider_figures(standin, numbers)
        leftovers = outbox_leftovers(url)
        attempts = cadences.Database(url, data_dir).rows(
            "SELECT max(attempts), avg(attempts) FROM messaging_message WHERE direction = 'outbound'"
        )[0]
    finally:
        standin.set_mode("")
        for worker in workers:
            _common.stop_process(worker)
        standin.stop()
    arrivals = sorted(figures["first_arrival"].values())
    done_at = arrivals[-1] if len(arrivals) >= count else None
    refused = sum(1 for record in standin.create_requests() if record.failure_mode in ("500", "hang"))
    not_sent = sum(n for status, n in leftovers.items() if status not in ("sent", "delivered"))
    result = {
        "queued": count,
        "errors_s": errors_s,
        "hang_s": hang_s,
        "provider_calls_failed_or_held": refused,
        "lost": 0,
        "duplicated": figures["duplicated"],
        "missing": max(figures["missing"], not_sent),
        "recovery_s": round(done_at - healed_at, 2) if done_at else None,
        "after_heal": seconds_summary([arrival - healed_at for arrival in arrivals if arrival >= healed_at]),
        "sends_per_second_after_heal": round(
            sum(1 for a in arrivals if a >= healed_at) / max((done_at or time.time()) - healed_at, 1e-3), 1
        ),
        "max_attempts": attempts[0],
        "mean_attempts": round(float(attempts[1] or 0), 2),
        "repeated_provider_calls": figures["repeated_provider_calls"],
        "outbox_statuses": leftovers,
    }
    _common.say(
        f"   duplicated {result['duplicated']}, missing {result['missing']}, recovery {result['recovery_s']} s "
        f"after healing; attempts max {result['max_attempts']} mean {result['mean_attempts']}; "
        f"{refused} provider calls refused or held"
    )
    return result


# --------------------------------------------------------------------------- d. duplicate webhooks


def vendor_body(run: str, index: int) -> bytes:
    zip_code, _area = speed_to_lead.PLACES[index % len(speed_to_lead.PLACES)]
    return json.dumps({
        "LeadID": f"{run}-{index}", "FirstName": f"Twice{index}", "LastName": "Posted",
        "Email": f"twice.{run}.{index}@example.com", "CellPhone": speed_to_lead.borrower_phone(index),
        "ZipCode": zip_code, "LoanPurpose": "Purchase", "LoanType": "FHA", "TCPA": "Yes",
        "TCPAText": "I agree that Speed Bench Lending may text and call me about my mortgage.",
        "IPAddress": "203.0.113.9",
    }).encode()  # fmt: skip


def scenario_duplicate_webhooks(databases: Databases, data_dir: Path, profile: dict) -> dict:
    import httpx

    count = profile["posts"]
    _common.say(f"== d. every vendor post delivered twice: {count} leads, half at the same instant")
    url, standin, server = serve_scenario(databases, "d", data_dir)
    prepared = databases.prepared
    run = f"fd{os.getpid()}"
    posts = [Post(index, vendor_body(run, index), 0.0) for index in range(count)]
    again = [Post(index, post.body, 0.0) for index, post in enumerate(posts)]
    try:
        _common.wait_until_ready(server, "/login/", 240)
        path = f"/hooks/post/{prepared['vendor_source_id']}/"
        headers = {"X-Api-Key": prepared["vendor_secret"], "Content-Type": "application/json"}
        started = time.time()
        with (
            httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as first,
            httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as second,
        ):
            for index in range(count):
                if index % 2 == 0:  # one after the other
                    send(first, path, posts[index])
                    send(second, path, again[index])
                else:  # at the same instant, from two connections
                    gate = threading.Barrier(2)

                    def at_once(client, post, gate=gate):
                        gate.wait()
                        send(client, path, post)

                    pair = [
                        threading.Thread(target=at_once, args=(first, posts[index])),
                        threading.Thread(target=at_once, args=(second, again[index])),
                    ]
                    for thread in pair:
                        thread.start()
                    for thread in pair:
                        thread.join()
        elapsed = time.time() - started
        time.sleep(1)
        in_db = leads_by_vendor_id(url, data_dir, run)
        first_touches = dict(
            cadences.Database(url, data_dir).rows(
                "SELECT l.vendor_lead_id, count(m.id) FROM leads_lead l LEFT JOIN messaging_message m "
                "ON m.lead_id = l.id AND m.purpose = 'first_touch' GROUP BY l.vendor_lead_id"
            )
        )
    finally:
        server.stop()
        standin.stop()
    every = posts + again
    refused = [post for post in every if not post.accepted]
    statuses: dict[str, int] = {}
    for post in every:
        statuses[post.status] = statuses.get(post.status, 0) + 1
    latencies = [post.answered - post.started for post in every if post.accepted]
    ids = {f"{run}-{index}" for index in range(count)}
    result = {
        "leads": count,
        "posts": len(every),
        "statuses": statuses,
        "lost": sum(1 for index, post in enumerate(posts) if post.accepted and f"{run}-{index}" not in in_db),
        "duplicated": sum(n - 1 for n in in_db.values() if n > 1)
        + sum(n - 1 for n in first_touches.values() if n > 1),
        "second_first_touches": sum(n - 1 for n in first_touches.values() if n > 1),
        "missing": len(ids - set(in_db)) + len(refused),
        "leads_without_first_touch": sum(1 for vendor_id in ids if not first_touches.get(vendor_id)),
        "recovery_s": 0.0,
        "post": seconds_summary(latencies),
        "posts_per_second": round(len(every) / max(elapsed, 1e-3), 1),
    }
    _common.say(
        f"   lost {result['lost']}, duplicated leads/first touches {result['duplicated']}, "
        f"missing {result['missing']}; answers {statuses}; post p50 {result['post']['p50_s']} s "
        f"p99 {result['post']['p99_s']} s"
    )
    return result


# ------------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Small counts and short outages (about a minute)"
    )
    parser.add_argument("--scenarios", default="a,b,c,d", help="Which of a,b,c,d to run (default all)")
    parser.add_argument("--messages", type=int, help="Texts queued in a and c (default 1000; quick 300)")
    parser.add_argument("--rate", type=float, help="Leads per second in b (default 20)")
    parser.add_argument("--seconds", type=float, help="Seconds of intake load in b (default 60; quick 6)")
    parser.add_argument("--phase", choices=["queue", "prepare"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        _common.setup_django()
        output = phase_queue(args.messages) if args.phase == "queue" else phase_prepare()
        print(json.dumps(output), flush=True)
        return 0

    profile = dict(PROFILES["quick" if args.quick else "full"])
    if args.messages:
        profile["messages"] = args.messages
    rate, seconds = args.rate or profile["rate"], args.seconds or profile["seconds"]
    chosen = [part.strip() for part in args.scenarios.split(",") if part.strip()]
    load = os.getloadavg()
    _common.say(
        f"FirstCall fault suite ({'quick' if args.quick else 'full'}; {os.cpu_count()} CPUs; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})"
    )
    results: dict[str, dict] = {}
    skipped: dict[str, str] = {}
    started = time.perf_counter()
    cluster = None
    initdb = find_initdb()
    with _common.data_directory("firstcall-faults-") as data_dir:
        try:
            if initdb is None:
                reason = "no initdb on this machine, so no cluster of our own to restart"
                _common.say(f"Own PostgreSQL cluster unavailable ({reason}); b is skipped")
                skipped["b"] = reason
                problem = _common.postgres_available(_common.postgres_url_for_run("faults"))
                if problem:
                    raise SystemExit(f"PostgreSQL unavailable ({problem})")
            else:
                cluster = Cluster(initdb).create()
                _common.say(f"Own PostgreSQL cluster on port {cluster.port} ({cluster.root})")
            databases = Databases(cluster, data_dir)
            try:
                runners = {
                    "a": lambda: scenario_worker_killed(databases, data_dir, profile),
                    "b": lambda: scenario_postgres_restart(
                        databases, cluster, data_dir, profile, rate, seconds
                    ),
                    "c": lambda: scenario_provider_outage(databases, data_dir, profile),
                    "d": lambda: scenario_duplicate_webhooks(databases, data_dir, profile),
                }
                for name in chosen:
                    if name in skipped:
                        continue
                    try:
                        results[name] = runners[name]()
                    except Exception as error:  # noqa: BLE001 - a scenario that cannot run is reported
                        _common.say(f"   scenario {name} could not run: {type(error).__name__}: {error}")
                        skipped[name] = f"{type(error).__name__}: {str(error)[:300]}"
            finally:
                databases.drop_all()
        finally:
            if cluster is not None:
                cluster.remove()
    bad = {
        name: {key: result[key] for key in ("lost", "duplicated", "missing")}
        for name, result in results.items()
        if result["lost"] or result["duplicated"] or result["missing"] or result.get("recovery_s") is None
    }
    failed_to_run = {name: why for name, why in skipped.items() if not (name == "b" and initdb is None)}
    summary = {
        "benchmark": "faults",
        "quick": args.quick,
        "lost": sum(result["lost"] for result in results.values()),
        "duplicated": sum(result["duplicated"] for result in results.values()),
        "missing": sum(result["missing"] for result in results.values()),
        "recovery_s": {name: result.get("recovery_s") for name, result in results.items()},
        "all_zero": not bad and not failed_to_run,
        "skipped": skipped,
        "seconds": round(time.perf_counter() - started, 1),
        "load_average": round(load[0], 2),
        "scenarios": results,
    }
    _common.print_result(summary)
    return 0 if summary["all_zero"] else 1


if __name__ == "__main__":
    sys.exit(main())
