"""What one lead costs at the door: the statements a capture runs through the JSON API (recording, key check,
capture, score, route, the officer's alerts, the first touch) are pinned, so that a lookup repeated or an index
lost shows up here before it shows up in bench/intake.py. The numbers are ceilings with no slack: a change
that needs more statements must say why here."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from firstcall.events.models import Event
from firstcall.leads.models import Lead
from firstcall.messaging.models import Message
from tests.conftest import make_user

# Every statement of a new lead through POST /api/v1/leads (inside the test's own transaction), savepoints and
# the two task rows written after the commit included (one delivery task for the first touch and both alert
# copies, one dispatch task for lead.captured and lead.assigned). PostgreSQL adds the row locks on the
# borrower's identities that SQLite's single writer makes unnecessary.
NEW_LEAD_STATEMENTS = {"sqlite": 58, "postgresql": 61}
# A returning borrower (same email): merged into the open lead, rescored, not routed again (it has an owner).
RETURNING_BORROWER_STATEMENTS = {"sqlite": 20, "postgresql": 23}


@pytest.fixture
def officers(organisation):
    return [
        make_user(
            organisation,
            name,
            nmls_id=f"10000{index}",
            licensed_states=["FL", "GA", "TX"],
            phone=f"+1813555010{index}",
        )  # fmt: skip
        for index, name in enumerate(["olivia", "theo", "uma"])
    ]


@pytest.fixture
def client(api_source, settings):
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 0
    return Client(HTTP_X_API_KEY=api_source.raw_api_key)


def post(client, payload):
    return client.post("/api/v1/leads", data=json.dumps(payload), content_type="application/json")


def borrower(payload, number):
    return {**payload, "email": f"borrower{number}@example.com", "phone": f"(813) 555-02{number:02d}",
            "first_name": f"Borrower{number}", "external_id": f"VENDOR-{number}"}  # fmt: skip


def test_a_new_lead_runs_a_pinned_number_of_statements_and_queues_one_task_per_kind(
    client, officers, borrower_payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, borrower(borrower_payload, 1)).status_code == 201  # warm: the first lead
    DBTaskResult.objects.all().delete()

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = post(client, borrower(borrower_payload, 2))
    assert response.status_code == 201

    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) <= NEW_LEAD_STATEMENTS[connection.vendor], "\n".join(
        sql[:160] for sql in statements
    )
    # Everything capture promises still happened: the lead is routed, the officer alerted by text and email,
    # the borrower's first touch queued, both business facts recorded.
    lead = Lead.objects.get(pk=response.json()["lead_id"])
    assert lead.owner_id in {officer.pk for officer in officers}
    messages = {m.purpose + ":" + m.channel: m for m in Message.objects.filter(lead=lead)}
    assert set(messages) == {"alert:sms", "alert:email", "first_touch:sms"}
    assert messages["alert:sms"].to_address == lead.owner.phone
    events = list(
        Event.objects.filter(payload__lead_id=lead.pk).order_by("pk").values_list("name", flat=True)
    )
    assert events == ["lead.captured", "lead.assigned", "staff.alert_requested"]
    # One delivery task for the three messages, one dispatch task for the two events with subscribers.
    tasks = {task.task_path: task.args_kwargs["args"][0] for task in DBTaskResult.objects.all()}
    assert sorted(tasks) == [
        "firstcall.events.tasks.dispatch_events",
        "firstcall.messaging.tasks.deliver_messages",
    ]
    assert sorted(tasks["firstcall.messaging.tasks.deliver_messages"]) == sorted(
        m.pk for m in messages.values()
    )
    dispatched = Event.objects.filter(pk__in=tasks["firstcall.events.tasks.dispatch_events"])
    assert sorted(dispatched.values_list("name", flat=True)) == ["lead.assigned", "lead.captured"]


def test_a_returning_borrower_runs_a_pinned_number_of_statements(
    client, officers, borrower_payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, borrower(borrower_payload, 3)).status_code == 201
    again = {**borrower(borrower_payload, 3), "external_id": "VENDOR-3-again", "notes": "second visit"}

    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = post(client, again)

    assert response.status_code in (200, 201) and response.json()["result"] == "merged"
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) <= RETURNING_BORROWER_STATEMENTS[connection.vendor], "\n".join(
        sql[:160] for sql in statements
    )


def test_the_vendor_lead_id_lookup_reads_an_index_not_every_lead_of_the_source(db, api_source):
    """Dedupe on the vendor's lead id must not walk the source's leads (it did, and capture slowed with every
    lead a source had sent)."""
    sql, params = (
        Lead.objects.filter(organisation=api_source.organisation, source=api_source, vendor_lead_id="V-1")
        .order_by("-created_at", "-id")
        .values_list("pk")[:5]
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
    assert "lead_source_vendor_id" in plan, plan
