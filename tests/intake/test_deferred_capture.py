"""Accept now, capture in the worker (`Prefer: respond-async`): 202 with the intake record id, the full capture
in the background, a wait option that answers new or duplicate, and nothing lost when a task is."""

import json
from datetime import timedelta

import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from firstcall.intake.tasks import sweep_deferred_captures
from firstcall.leads.models import IntakeRecord, Lead


def post(client, body, key, prefer="respond-async"):
    return client.post(
        "/api/v1/leads", data=json.dumps(body), content_type="application/json",
        headers={"X-Api-Key": key, "Prefer": prefer},
    )  # fmt: skip


BORROWER = {"first_name": "Ana", "last_name": "Lopez", "phone": "(813) 555-0199", "zip": "33602",
            "email": "ana@example.com", "external_id": "V-1", "timeframe": "0-3 months"}  # fmt: skip


def test_accepted_at_once_then_captured_by_the_worker(
    client, api_source, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, BORROWER, api_source.raw_api_key)
    assert response.status_code == 202
    record = IntakeRecord.objects.get(pk=response.json()["intake_record_id"])
    assert response.json() == {"status": "received", "intake_record_id": record.pk}
    assert record.status == IntakeRecord.Status.RECEIVED and record.next_attempt_at is not None
    assert not Lead.objects.exists()

    run_worker()
    record.refresh_from_db()
    lead = Lead.objects.get()
    assert (
        record.status == IntakeRecord.Status.ACCEPTED
        and record.lead == lead
        and record.next_attempt_at is None
    )
    assert (lead.phone, lead.timeframe) == ("+18135550199", "90_days")


def test_a_repeat_is_a_duplicate_and_a_bad_one_is_rejected_in_the_background(
    client, api_source, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, BORROWER, api_source.raw_api_key)
        post(client, BORROWER, api_source.raw_api_key)
        post(client, {"first_name": "Nobody", "phone": "123"}, api_source.raw_api_key)
    run_worker()
    statuses = list(IntakeRecord.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["accepted", "duplicate", "rejected"]
    assert Lead.objects.count() == 1


def test_a_lost_task_is_taken_over_by_the_sweep_when_its_lease_ends(client, api_source, run_worker):
    # No on-commit callbacks run: as if the worker that was to capture it died with the task.
    response = post(client, BORROWER, api_source.raw_api_key)
    record_id = response.json()["intake_record_id"]
    DBTaskResult.objects.all().delete()
    assert sweep_deferred_captures() == 0  # still leased
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert sweep_deferred_captures() == 1
        assert sweep_deferred_captures() == 0  # claimed once
        run_worker()
    assert IntakeRecord.objects.get(pk=record_id).status == IntakeRecord.Status.ACCEPTED
    assert Lead.objects.count() == 1


def test_the_synchronous_default_is_unchanged(client, api_source):
    response = post(client, BORROWER, api_source.raw_api_key, prefer="")
    assert response.status_code == 201 and response.json()["result"] == "created"
    assert Lead.objects.get().pk == response.json()["id"]


def test_waiting_without_a_worker_ends_with_202_after_the_wait(client, api_source):
    response = post(client, BORROWER, api_source.raw_api_key, prefer="respond-async, wait=0.1")
    assert response.status_code == 202
    assert IntakeRecord.objects.get().status == IntakeRecord.Status.RECEIVED
