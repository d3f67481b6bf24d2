"""Several workers at once, on PostgreSQL (SQLite serialises writers, so these races only exist there): each
due step runs exactly once, a stop racing a step never lets a message out, and a worker killed mid-step loses
nothing and doubles nothing."""

import threading
from datetime import timedelta

import pytest
import time_machine
from cadence_helpers import build_cadence, call, make_lead, runs, sms, wait
from django.conf import settings
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from firstcall.cadences import execution, services
from firstcall.cadences.models import CallTask, Enrolment, StepRun
from firstcall.messaging.models import Message

only_postgres = pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL row locks")
pytestmark = [only_postgres, pytest.mark.django_db(transaction=True)]


def in_threads(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def enrol_many(organisation, owner, cadence, count):
    enrolments = []
    for index in range(count):
        lead = make_lead(
            organisation, owner=owner, phone=f"+1813555{index:04d}", email=f"b{index}@example.com"
        )
        enrolments.append(services.enrol(lead, cadence))
    return enrolments


def test_two_workers_racing_for_the_same_due_steps_run_each_exactly_once(organisation, owner):
    cadence = build_cadence(
        organisation,
        [sms("Hi {{ borrower.first_name }}. Reply STOP to opt out."), call("Call {{ borrower.full_name }}")],
    )
    enrolments = enrol_many(organisation, owner, cadence, 60)

    results = in_threads(2, lambda: services.run_due_steps(budget_seconds=60, batch_size=7))

    assert sum(results) == 120 and all(count > 0 for count in results)  # both worked, together did everything
    all_runs = StepRun.objects.filter(enrolment__in=enrolments)
    assert all_runs.count() == 120
    assert set(all_runs.values_list("status", flat=True)) == {"done"}
    assert set(all_runs.values_list("attempts", flat=True)) == {1}  # nobody claimed a run twice
    assert Message.objects.filter(purpose="cadence").count() == 60
    assert CallTask.objects.count() == 60
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"completed"}


def test_many_workers_claiming_one_run_give_it_to_exactly_one(organisation, owner):
    cadence = build_cadence(organisation, [call("Call")])
    [enrolment] = enrol_many(organisation, owner, cadence, 1)
    [run] = runs(enrolment)
    tokens = in_threads(8, lambda: services.claim_step_run(run.pk))
    assert len([token for token in tokens if token]) == 1


def test_a_stop_racing_a_running_step_never_lets_its_message_out(organisation, owner):
    cadence = build_cadence(
        organisation, [sms("Hello. Reply STOP to opt out."), wait(1, "days"), call("Call")]
    )
    enrolments = enrol_many(organisation, owner, cadence, 20)
    leads = [enrolment.lead for enrolment in enrolments]
    claims = {}
    for enrolment in enrolments:
        [run] = runs(enrolment)
        claims[run.pk] = services.claim_step_run(run.pk)

    def work():
        return [services.execute_claimed(run_id, token).outcome for run_id, token in claims.items()]

    def stop():
        return [services.on_opt_out(lead, "sms") for lead in leads]

    barrier = threading.Barrier(2)
    outcomes = {}

    def runner(name, function):
        try:
            barrier.wait()
            outcomes[name] = function()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=runner, args=("work", work)),
        threading.Thread(target=runner, args=("stop", stop)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # TextChoices members hash by name, so compare their string values.
    assert {str(outcome) for outcome in outcomes["work"]} <= {"cancelled", "done"} and outcomes["stop"] == [
        1
    ] * 20
    for enrolment in enrolments:
        enrolment.refresh_from_db()
        assert enrolment.status == "stopped"
        assert not StepRun.objects.filter(
            enrolment=enrolment, status__in=["pending", "claimed", "held"]
        ).exists()
    # Whichever came first, no cadence message is left to be sent.
    assert not Message.objects.filter(purpose="cadence", status__in=["queued", "held", "sending"]).exists()
    assert Message.objects.filter(purpose="cadence").count() == outcomes["work"].count("done")


def test_a_worker_killed_mid_step_loses_nothing_and_doubles_nothing(
    organisation, owner, monkeypatch, settings
):
    settings.CADENCE_STEP_LEASE_SECONDS = 0.5
    cadence = build_cadence(organisation, [sms("Hello. Reply STOP to opt out."), call("Call")])
    [enrolment] = enrol_many(organisation, owner, cadence, 1)
    [run] = runs(enrolment)

    original_send = services._send
    in_the_middle, released, backend = threading.Event(), threading.Event(), {}

    def send_then_hang(*args, **kwargs):
        outcome = original_send(*args, **kwargs)  # the message row is written, not committed...
        in_the_middle.set()
        released.wait(30)  # ...and the worker dies here (its session is terminated below)
        return outcome

    def doomed_worker():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend["pid"] = cursor.fetchone()[0]
        try:
            services.run_step(run.pk)
        except DatabaseError:
            pass  # its connection was killed
        finally:
            connections.close_all()

    monkeypatch.setattr(execution, "_send", send_then_hang)
    worker = threading.Thread(target=doomed_worker, daemon=True)
    worker.start()
    assert in_the_middle.wait(10)
    with connection.cursor() as cursor:  # what a SIGKILL of the worker process does to its session
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend["pid"]])
    monkeypatch.setattr(execution, "_send", original_send)

    run.refresh_from_db()
    assert run.status == "claimed" and run.message_id is None
    assert not Message.objects.filter(purpose="cadence").exists()  # rolled back with the dead session
    with time_machine.travel(timezone.now() + timedelta(seconds=1), tick=True):  # past the 0.5 s lease
        assert services.sweep_due_steps() == 3  # reclaimed, then the text and the call task
    run.refresh_from_db()
    assert run.status == "done" and run.attempts == 2
    assert Message.objects.filter(purpose="cadence").count() == 1
    assert Message.objects.get(purpose="cadence").idempotency_key == f"cadence-step:{run.pk}"
    assert CallTask.objects.count() == 1
    released.set()  # the dead worker's thread wakes on its terminated session, and ends
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert Message.objects.filter(purpose="cadence").count() == 1 and CallTask.objects.count() == 1
