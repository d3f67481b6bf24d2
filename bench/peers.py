"""Side by side with a peer CRM: FirstCall's JSON intake against Django-CRM 1.7.0's web-form intake, on this
machine, alternating rounds, with the shared harness in ../shared/peers (setup.sh, serve.sh, loadgen.py,
compare.sh; see its README).

    python bench/peers.py [--quick] [--n 500] [--concurrency 8] [--rounds 3] [--peers DIR] [--web-workers 2]

FirstCall: a fresh data directory on SQLite, `migrate`, one API source, then `firstcall serve --web-workers 2
--workers 1` (as many web processes as the peer's gunicorn, plus its one background worker), doing every part
of capture (intake record, normalise, dedupe, consent, score, route, alert, first-touch outbox row). Django-CRM:
its own venv and SQLite database, gunicorn with 2 sync workers (setup.sh and serve.sh). Both servers run at once;
only one is loaded at a time. Every request carries a new borrower (unique email and phone per request), so
every FirstCall request creates a lead; rows are counted on both sides afterwards.

Prints each round (throughput and p99 of both sides, the ratios FirstCall/Django-CRM), the medians, the load
average, and ends with one JSON line: throughput ratio > 1 means FirstCall is faster, p99 ratio < 1 means
FirstCall has the lower tail. `--quick`: 200 requests per run, 1 round (about a minute after the first
set-up, which installs Django-CRM into its own venv once).
"""

import argparse
import json
import os
import shlex
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402 - the benchmark folder is not a package

PEERS = _common.REPO_ROOT.parent.parent / "shared" / "peers"
PEER_PORT = 8801
# JSON template for loadgen.py: {i} is the request index, {run} six random digits per invocation, so every
# request is a new borrower (512-7xx-xxxx: valid Austin numbers).
FIRSTCALL_PAYLOAD = {
    "first_name": "Pat{i}",
    "last_name": "Bench{run}",
    "email": "pat.{run}.{i}@bench.example.com",
    "phone": "+15127{run:.2}{i:04d}",
    "zip": "78701",
    "purpose": "purchase",
    "timeframe": "0-3 months",
    "notes": "Ref {run}-{i}",
    "consent": {"sms": True, "email": True, "calls": True, "text": "I agree to be contacted."},
}


def shell(command: list[str], **kwargs) -> str:
    completed = subprocess.run(command, capture_output=True, text=True, **kwargs)  # noqa: S603
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return completed.stdout


def count_leads(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "firstcall.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM leads_lead").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument(
        "--respond-async",
        action="store_true",
        help="FirstCall requests carry `Prefer: respond-async` (202 at once, capture in the worker); the run "
        "then waits for the worker to capture every lead before counting",
    )
    parser.add_argument("--peers", default=str(PEERS), help="the shared peers harness folder")
    parser.add_argument("--peer-dir", default="", help="where Django-CRM is installed (default: var/peers)")
    options = parser.parse_args()
    if options.quick:
        options.n, options.rounds = 200, 1
    peers = Path(options.peers)
    if not (peers / "compare.sh").exists():
        sys.exit(f"The peers harness is not at {peers} (give --peers).")
    peer_dir = Path(options.peer_dir or _common.REPO_ROOT / "var" / "peers")
    peer_dir.mkdir(parents=True, exist_ok=True)

    _common.say(f"Setting up Django-CRM in {peer_dir} (first time: a minute) ...")
    peer = json.loads(shell([str(peers / "djangocrm" / "setup.sh"), str(peer_dir)]).strip().splitlines()[-1])
    with _common.data_directory("firstcall-peers-") as data_dir:
        env = _common.product_env(None, data_dir)
        _common.run_firstcall(["migrate", "--verbosity", "0"], env)
        issued = json.loads(
            _common.run_firstcall(
                ["sources", "create", "--org", "Bench", "--channel", "api", "--name", "bench"], env
            )
        )
        payload_file = data_dir / "firstcall.payload.json"
        payload_file.write_text(json.dumps(FIRSTCALL_PAYLOAD))
        peer_pid = shell([str(peers / "djangocrm" / "serve.sh"), str(peer_dir), str(PEER_PORT)]).strip()
        try:
            serve_args = ["--web-workers", str(options.web_workers), "--workers", "1", "--quiet"]
            with _common.serving(env, serve_args=serve_args, ready_timeout=240) as server:
                loadgen = f"{shlex.quote(sys.executable)} {shlex.quote(str(peers / 'loadgen.py'))}"
                common = f"--n {options.n} --concurrency {options.concurrency}"
                side_a = (
                    f"{loadgen} --url {server.base_url}/api/v1/leads {common} --json "
                    f"-H {shlex.quote('X-Api-Key: ' + issued['api_key'])} --payloads {shlex.quote(str(payload_file))}"
                )
                if options.respond_async:
                    side_a += " -H 'Prefer: respond-async'"
                side_b = (
                    f"{loadgen} --url http://127.0.0.1:{PEER_PORT}/en/123/add-request/ {common} --form "
                    f"--payloads {shlex.quote(str(peers / 'djangocrm' / 'payload.form'))} "
                    f"--var token={shlex.quote(peer['leadsource_token'])}"
                )
                before = count_leads(data_dir)
                load_before = os.getloadavg()
                output = subprocess.run(  # noqa: S603
                    [str(peers / "compare.sh"), "--rounds", str(options.rounds), "--labels", "firstcall,djangocrm",
                     side_a, side_b],
                    capture_output=True, text=True, timeout=3600,
                )  # fmt: skip
                load_after = os.getloadavg()
                expected = options.n * options.rounds
                with _common.stopwatch() as drained:
                    deadline = time.monotonic() + 300
                    while count_leads(data_dir) - before < expected and time.monotonic() < deadline:
                        time.sleep(0.5)  # deferred captures still in the worker's queue
                created = count_leads(data_dir) - before
        finally:
            subprocess.run([str(peers / "djangocrm" / "stop.sh"), str(peer_dir), str(PEER_PORT)], check=False)  # noqa: S603
            _common.say(f"(Django-CRM gunicorn {peer_pid} stopped)")
    _common.say(output.stdout.rstrip())
    if output.returncode != 0:
        _common.say(output.stderr[-3000:])
    summary = json.loads(output.stdout.strip().splitlines()[-1]) if output.stdout.strip() else {}
    _common.say(
        f"FirstCall leads created: {created} of {expected} requests "
        f"({drained['seconds']:.1f}s after the last response for the worker to finish)"
    )
    _common.say(
        "load average (1, 5, 15 min): before {:.2f} {:.2f} {:.2f}, after {:.2f} {:.2f} {:.2f}".format(
            *load_before, *load_after
        )
    )
    _common.print_result(
        {
            "benchmark": "peers",
            "n": options.n,
            "concurrency": options.concurrency,
            "rounds": options.rounds,
            "web_workers": options.web_workers,
            "respond_async": options.respond_async,
            "worker_drain_s": round(drained["seconds"], 1),
            "firstcall_leads_created": created,
            "all_leads_created": created == expected,
            "load_before": [round(value, 2) for value in load_before],
            "load_after": [round(value, 2) for value in load_after],
            "compare": summary,
            "ok": output.returncode == 0 and created == expected,
        }
    )


if __name__ == "__main__":
    main()
