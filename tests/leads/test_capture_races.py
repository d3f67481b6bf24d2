"""Duplicate deliveries racing each other, on PostgreSQL (SQLite runs one writer at a time: it cannot race).

Every thread has its own database connection (Django's connections are per thread) and waits at a barrier, so
the requests hit capture() together. Each thread closes its connection when done, or the test database could
not be dropped."""

import json
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client

from firstcall.leads.models import IdempotencyKey, Inquiry, IntakeRecord, Lead
from tests.conftest import only_postgres

pytestmark = [only_postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def race(payloads: list[dict], api_key: str) -> list:
    """POST each payload from its own thread at the same moment; return the responses (or exceptions)."""
    barrier = threading.Barrier(len(payloads))
    responses: list = [None] * len(payloads)

    def deliver(index: int) -> None:
        client = Client()
        body = json.dumps(payloads[index])
        try:
            barrier.wait(timeout=30)
            responses[index] = client.post(
                "/api/v1/leads", data=body, content_type="application/json", headers={"X-Api-Key": api_key}
            )
        except Exception as error:  # reported by the assertions below, with the others' results
            responses[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(index,)) for index in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a delivery hung"
    return responses


def bodies(responses) -> list[dict]:
    problems = [response for response in responses if not hasattr(response, "status_code")]
    assert not problems, problems
    assert [response.status_code for response in responses] == [201] * len(responses), [
        response.content for response in responses
    ]
    return [response.json() for response in responses]


def test_same_vendor_lead_delivered_simultaneously_becomes_exactly_one_lead(api_source, borrower_payload):
    results = bodies(race([borrower_payload] * THREADS, api_source.raw_api_key))

    lead = Lead.objects.get()
    assert {result["id"] for result in results} == {lead.pk}
    assert {result["result"] for result in results} == {"created"}  # a retry gets the first result back
    assert sorted(result["idempotent_replay"] for result in results) == [False] + [True] * (THREADS - 1)
    assert Inquiry.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert IdempotencyKey.objects.get().key == f"src{api_source.pk}:ext:VENDOR-1001"
    statuses = Counter(IntakeRecord.objects.values_list("status", flat=True))
    assert statuses == {IntakeRecord.Status.ACCEPTED: 1, IntakeRecord.Status.DUPLICATE: THREADS - 1}
    assert set(IntakeRecord.objects.values_list("lead_id", flat=True)) == {lead.pk}
    lead.refresh_from_db()
    assert lead.inquiry_count == 1
    assert lead.consents.count() == 3  # sms, email, calls: recorded once, not once per delivery


def test_same_borrower_in_different_deliveries_simultaneously_is_one_lead_with_every_inquiry(
    api_source, borrower_payload
):
    payloads = [{**borrower_payload, "external_id": f"VENDOR-{index}"} for index in range(THREADS)]
    results = bodies(race(payloads, api_source.raw_api_key))

    lead = Lead.objects.get()
    assert {result["id"] for result in results} == {lead.pk}
    assert sorted(result["result"] for result in results) == ["created"] + ["merged"] * (THREADS - 1)
    assert not any(result["idempotent_replay"] for result in results)
    assert Inquiry.objects.filter(lead=lead).count() == THREADS
    assert IdempotencyKey.objects.count() == THREADS
    lead.refresh_from_db()
    assert lead.inquiry_count == THREADS
    statuses = Counter(IntakeRecord.objects.values_list("status", flat=True))
    assert statuses == {IntakeRecord.Status.ACCEPTED: 1, IntakeRecord.Status.MERGED: THREADS - 1}


def test_same_phone_with_different_emails_simultaneously_is_one_lead(api_source, borrower_payload):
    """Matching on the mobile number must be serialised too, not only matching on email."""
    payloads = [
        {**borrower_payload, "external_id": f"P-{index}", "email": f"ana.{index}@example.com"}
        for index in range(THREADS)
    ]
    results = bodies(race(payloads, api_source.raw_api_key))

    lead = Lead.objects.get()
    assert {result["id"] for result in results} == {lead.pk}
    assert Inquiry.objects.filter(lead=lead).count() == THREADS


def test_different_borrowers_at_the_same_moment_each_get_their_own_lead(api_source, borrower_payload):
    payloads = [
        {
            **borrower_payload,
            "external_id": f"D-{index}",
            "email": f"borrower.{index}@example.com",
            "phone": f"(813) 555-01{index:02d}",
            "first_name": f"Borrower{index}",
        }
        for index in range(THREADS)
    ]
    results = bodies(race(payloads, api_source.raw_api_key))

    assert {result["result"] for result in results} == {"created"}
    assert Lead.objects.count() == THREADS == len({result["id"] for result in results})
