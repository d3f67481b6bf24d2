"""The domain-events outbox: events are written with the change, handed to subscribers by the real worker at
least once, each subscriber's work recorded once, retried by the periodic sweep when it fails or its task is lost."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from firstcall.events import dispatch
from firstcall.events.catalogue import CATALOGUE, InvalidEvent
from firstcall.events.models import Delivery, Event
from firstcall.events.outbox import emit
from firstcall.events.registry import AFTER_COMMIT, IN_TRANSACTION, subscribers_by_event
from firstcall.sweeps import run_sweeps
from tests.events import subscribers_for_tests as test_subscribers

NOTE = "tests.events.subscribers_for_tests.note_the_lead"
WEBHOOK = "tests.events.subscribers_for_tests.flaky_webhook"


@pytest.fixture
def subscribed(db, settings, monkeypatch):
    # run_sweeps() closes stale connections between sweeps; in a test that would close the test's transaction.
    monkeypatch.setattr("firstcall.sweeps.close_old_connections", lambda: None)
    settings.EVENT_SUBSCRIBERS = ["tests.events.subscribers_for_tests"]
    test_subscribers.CALLS.clear()
    test_subscribers.FAILURES_LEFT["count"] = 0
    yield test_subscribers
    test_subscribers.CALLS.clear()


def assigned(lead_id=7, organisation_id=1):
    return emit(
        "lead.assigned",
        organisation_id=organisation_id,
        lead_id=lead_id,
        assigned_to_id=3,
        previous_assignee_id=None,
        how="routing",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, payload, complaint",
    [
        ("lead.teleported", {"lead_id": 1}, "Unknown event"),
        ("lead.assigned", {"lead_id": 1}, "missing fields"),
        (
            "lead.assigned",
            {"lead_id": "7", "assigned_to_id": 3, "previous_assignee_id": None, "how": "routing"},
            "lead_id must be",
        ),
        (
            "lead.assigned",
            {"lead_id": True, "assigned_to_id": 3, "previous_assignee_id": None, "how": "routing"},
            "lead_id must be",
        ),
        (
            "lead.assigned",
            {"lead_id": 1, "assigned_to_id": 3, "previous_assignee_id": None, "how": "x", "email": "a@b.c"},
            "unexpected fields",
        ),
    ],
)
def test_an_event_that_does_not_match_the_catalogue_is_refused_and_nothing_is_written(
    name, payload, complaint
):
    with pytest.raises(InvalidEvent, match=complaint):
        emit(name, organisation_id=1, **payload)
    assert not Event.objects.exists()


def test_the_real_worker_hands_an_event_to_every_subscriber_once(
    subscribed, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = assigned(lead_id=41)
        assert not DBTaskResult.objects.exists()  # nothing is enqueued before the change commits
    assert DBTaskResult.objects.get().task_path == "firstcall.events.tasks.dispatch_event"

    with django_capture_on_commit_callbacks(execute=True):
        run_worker()

    assert subscribed.CALLS == [("note_the_lead", 41), ("flaky_webhook", 41)]
    deliveries = {d.subscriber: d for d in Delivery.objects.filter(event=event)}
    assert deliveries[NOTE].status == "done" and deliveries[NOTE].result == {"noted_lead": 41}
    assert deliveries[WEBHOOK].status == "done" and deliveries[WEBHOOK].result == {"outcome": "posted"}
    assert deliveries[NOTE].attempts == 1 and deliveries[NOTE].finished_at is not None
    event.refresh_from_db()
    assert event.dispatched_at is not None

    # Dispatched again (a duplicate task, a sweep racing the task): no subscriber runs twice.
    dispatch.dispatch(event.pk)
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)
    dispatch.dispatch(event.pk)
    assert subscribed.CALLS == [("note_the_lead", 41), ("flaky_webhook", 41)]


def test_an_event_rolled_back_with_its_change_leaves_nothing(subscribed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            assigned()
            raise RuntimeError("the assignment failed")
    assert callbacks == [] and not Event.objects.exists() and not DBTaskResult.objects.exists()


def test_an_event_nobody_subscribes_to_is_stored_dispatched_without_a_task(
    subscribed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = emit("task.due", organisation_id=1, task_id=5, lead_id=None, assigned_to_id=None)
    assert callbacks == [] and event.dispatched_at is not None and not DBTaskResult.objects.exists()


def test_the_sweep_dispatches_an_event_whose_task_was_lost(
    subscribed, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the on-commit enqueue never happens
        event = assigned(lead_id=9)
    run_sweeps()
    assert subscribed.CALLS == []  # a fresh event is left to its own task for a while

    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        run_sweeps()
    assert subscribed.CALLS == [("note_the_lead", 9), ("flaky_webhook", 9)]
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_failing_subscriber_is_retried_with_backoff_and_the_others_are_not_repeated(
    subscribed, run_worker, django_capture_on_commit_callbacks
):
    subscribed.FAILURES_LEFT["count"] = 1
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            event = assigned(lead_id=12)
        with django_capture_on_commit_callbacks(execute=True):
            run_worker()
    failed = Delivery.objects.get(event=event, subscriber=WEBHOOK)
    assert failed.status == "pending" and failed.attempts == 1
    assert failed.last_error == "ConnectionError: receiver answered 503"
    assert failed.next_attempt_at == start + timedelta(minutes=1)
    event.refresh_from_db()
    assert event.dispatched_at is None

    with time_machine.travel(start + timedelta(seconds=45), tick=False):
        run_sweeps()  # not yet due
    assert Delivery.objects.get(pk=failed.pk).attempts == 1

    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        run_sweeps()
    assert subscribed.CALLS == [("note_the_lead", 12), ("flaky_webhook", 12)]
    retried = Delivery.objects.get(pk=failed.pk)
    assert retried.status == "done" and retried.attempts == 2 and retried.result == {"outcome": "posted"}


def test_a_subscriber_that_keeps_failing_is_given_up_and_shown_as_failed(subscribed):
    subscribed.FAILURES_LEFT["count"] = 100
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        event = assigned(lead_id=13)
    moment = start
    for _ in range(dispatch.MAX_ATTEMPTS):
        moment += timedelta(hours=2)
        with time_machine.travel(moment, tick=False):
            run_sweeps()
    failed = Delivery.objects.get(event=event, subscriber=WEBHOOK)
    assert failed.status == "failed" and failed.attempts == dispatch.MAX_ATTEMPTS
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert subscribed.CALLS == [("note_the_lead", 13)]


def test_every_configured_subscriber_module_loads_and_listens_only_to_catalogued_events():
    for kind in (AFTER_COMMIT, IN_TRANSACTION):
        by_event = subscribers_by_event(kind)
        assert set(by_event) <= set(CATALOGUE)
        assert all(callable(subscriber) for subscribers in by_event.values() for subscriber in subscribers)
    assert all(module.endswith(".subscribers") for module in settings.EVENT_SUBSCRIBERS)


def test_docs_events_documents_every_event_and_field():
    text = (Path(settings.BASE_DIR).parent / "docs" / "events.md").read_text()
    for name, event_type in CATALOGUE.items():
        section = re.search(rf"^### `{re.escape(name)}`\n(.*?)(?=^### |\Z)", text, re.S | re.M)
        assert section, f"docs/events.md has no section for {name}"
        for field_name in event_type.fields:
            assert f"`{field_name}`" in section.group(1), f"{name}.{field_name} is not documented"
