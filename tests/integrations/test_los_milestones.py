"""Milestones back from the loan origination system: the endpoint, the Encompass-style fetch, CSV, matching, the
review queue, and the pipeline stage moved through the loan.milestone event."""

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from firstcall.events.models import Event
from firstcall.integrations import los
from firstcall.integrations.models import LoanApplication, LosEvent, WebhookMessage
from firstcall.integrations.webhooks import services as webhooks
from tests.conftest import make_user
from tests.integrations.conftest import run_json
from tests.outside_services import tampa_borrower


@pytest.fixture(autouse=True)
def _subscribers(settings):
    settings.EVENT_SUBSCRIBERS = ["firstcall.integrations.subscribers", "firstcall.pipeline.subscribers"]
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def connection(organisation):
    connection, token = los.create_connection(organisation, name="Encompass")
    connection.token = token
    return connection


@pytest.fixture
def work(run_worker, django_capture_on_commit_callbacks):
    def run():
        for _ in range(10):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                run_worker()
            if not callbacks:
                return

    return run


@pytest.fixture
def lead_with_loan(organisation, owner):
    lead = tampa_borrower(organisation, owner=owner, stage_name="Application")
    LoanApplication.objects.create(organisation=organisation, lead=lead, loan_number="2611-004512")
    return lead


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST to the endpoint; what it enqueues on commit (event dispatch, fetches) is enqueued, as in production."""

    def send(connection, body, token=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/hooks/los/{connection.pk}/", data=json.dumps(body) if not isinstance(body, str) else body,
                content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token or connection.token}",
            )  # fmt: skip

    return send


def test_a_milestone_by_loan_number_moves_the_stage(client, post, connection, lead_with_loan, work):
    response = post(connection, {"loan_number": "2611-004512", "milestone": "Clear to Close",
                                         "date": "2026-12-01"})  # fmt: skip
    assert response.status_code == 202 and response.json()["status"] == "applied"
    assert response.json()["lead_id"] == lead_with_loan.pk
    work()
    lead_with_loan.refresh_from_db()
    assert lead_with_loan.stage.name == "Clear to close"
    application = LoanApplication.objects.get(lead=lead_with_loan)
    assert application.los_milestone == "clear_to_close"
    assert lead_with_loan.timeline.filter(summary__contains="Clear to close").exists()


def test_funded_records_amount_and_date_emits_loan_funded_and_closes_the_lead(
    client, post, connection, lead_with_loan, work, organisation
):
    webhooks.create_subscription(organisation, url="http://127.0.0.1:9/x", event_types=["loan.funded"])
    post(connection, {"loan_number": "2611-004512", "milestone": "funded", "amount": "349,812.50",
                              "date": "12/04/2026"})  # fmt: skip
    work()
    application = LoanApplication.objects.get(lead=lead_with_loan)
    assert (application.funded_amount, str(application.funded_on)) == (Decimal("349812.50"), "2026-12-04")
    funded = Event.objects.get(name="loan.funded")
    assert funded.payload["funded_amount"] == "349812.50" and funded.payload["funded_on"] == "2026-12-04"
    lead_with_loan.refresh_from_db()
    assert lead_with_loan.stage.name == "Closed" and lead_with_loan.closed_at is not None
    assert WebhookMessage.objects.filter(event_type="loan.funded", event_id=funded.pk).exists()


def test_withdrawn_moves_to_lost_with_the_reason(client, post, connection, lead_with_loan, work):
    post(connection, {"loan_number": "2611-004512", "milestone": "withdrawn"})
    work()
    lead_with_loan.refresh_from_db()
    assert lead_with_loan.stage.name == "Lost"
    assert lead_with_loan.lost_reason == "Withdrawn in the loan origination system"


def test_a_late_earlier_milestone_does_not_pull_the_lead_back(client, post, connection, lead_with_loan, work):
    post(connection, {"loan_number": "2611-004512", "milestone": "approved"})
    work()
    post(connection, {"loan_number": "2611-004512", "milestone": "application_taken"})
    work()
    lead_with_loan.refresh_from_db()
    assert lead_with_loan.stage.name == "Underwriting"


def test_the_same_report_twice_is_applied_once(client, post, connection, lead_with_loan, work):
    body = {"loan_number": "2611-004512", "milestone": "approved", "date": "2026-12-01"}
    post(connection, body)
    second = post(connection, body)
    assert second.json()["status"] == "duplicate"
    assert Event.objects.filter(name="loan.milestone").count() == 1


def test_a_wrong_token_is_refused_and_nothing_is_stored(client, post, connection):
    response = post(connection, {"loan_number": "1", "milestone": "funded"}, token="los_wrong")
    assert response.status_code == 401 and not LosEvent.objects.exists()
    response = client.post(f"/hooks/los/{connection.pk}/", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_an_unknown_loan_waits_in_the_review_queue_until_an_admin_matches_it(
    client, post, django_capture_on_commit_callbacks, connection, organisation, owner, work, admin_user
):
    lead = tampa_borrower(organisation, owner=owner, stage_name="Processing")
    response = post(connection, {"loan_number": "NEW-1", "milestone": "submitted to underwriting",
                                         "borrower": {"first_name": "Ana", "last_name": "Lopez"}})  # fmt: skip
    assert response.json()["status"] == "review"
    event = LosEvent.objects.get()
    assert event.candidates == [lead.pk]
    client.force_login(admin_user)
    page = client.get("/settings/loan-milestones/").content.decode()
    assert "NEW-1" in page and f"#{lead.pk}" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/loan-milestones/{event.pk}/", {"lead_id": [str(lead.pk), ""]})
    work()
    event.refresh_from_db()
    lead.refresh_from_db()
    assert event.status == "applied" and event.resolved_by == admin_user
    assert lead.stage.name == "Underwriting"
    assert LoanApplication.objects.get(lead=lead).loan_number == "NEW-1"  # later reports match by number


def test_borrower_identity_matches_only_when_it_is_sure(client, post, connection, organisation, owner):
    ana = tampa_borrower(organisation, owner=owner)
    sure = post(connection, {"milestone": "approved", "borrower": {"email": "ANA.LOPEZ@example.com",
                                                                            "last_name": "Lopez"}})  # fmt: skip
    assert sure.json()["status"] == "applied" and sure.json()["lead_id"] == ana.pk
    other = tampa_borrower(
        organisation, owner=owner, first_name="Luis", email="luis@example.com"
    )  # same phone
    unsure = post(connection, {"milestone": "approved", "borrower": {"phone": "(813) 555-0199"}})
    assert unsure.json()["status"] == "review"
    assert sorted(LosEvent.objects.get(pk=unsure.json()["id"]).candidates) == sorted([ana.pk, other.pk])
    different_name = post(connection, {"milestone": "approved", "borrower": {
        "email": "ana.lopez@example.com", "last_name": "Smith"}})  # fmt: skip
    assert different_name.json()["status"] == "review"


def test_an_unreadable_report_is_kept_as_failed(client, post, connection):
    response = post(connection, {"loan_number": "1", "milestone": "teleported"})
    assert response.json()["status"] == "failed" and "teleported" in response.json()["error"]
    response = post(connection, "not json")
    assert response.status_code == 400
    assert LosEvent.objects.filter(status="failed").count() == 2


class LosServer:
    """An LOS answering GET /loans/<id> with a loan, when the Authorization header is right."""

    def __init__(self, loans):
        server = self
        self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.requests.append((self.path, self.headers.get("Authorization")))
                loan = loans.get(self.path.rsplit("/", 1)[-1])
                if self.headers.get("Authorization") != "Bearer los-api-key" or loan is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = json.dumps(loan).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_an_encompass_style_notification_is_fetched_then_applied(
    client, post, organisation, lead_with_loan, work
):
    server = LosServer({"5f2c-guid": {"loanNumber": "2611-004512", "milestone": "Funding",
                                      "amount": 349812.5, "date": "2026-12-04T15:00:00Z"}})  # fmt: skip
    try:
        connection, token = los.create_connection(
            organisation, name="Encompass", fetch_url=f"{server.url}/loans/{{resource_id}}",
            fetch_authorization="Bearer los-api-key",
        )  # fmt: skip
        connection.token = token
        response = post(connection, {"eventId": "e1", "eventType": "update",
                                             "meta": {"resourceId": "5f2c-guid", "resourceType": "Loan"}})  # fmt: skip
        assert response.json()["status"] == "pending_fetch"
        work()
    finally:
        server.stop()
    assert server.requests == [("/loans/5f2c-guid", "Bearer los-api-key")]
    event = LosEvent.objects.get()
    assert (event.status, event.milestone, event.lead_id) == ("applied", "funded", lead_with_loan.pk)
    assert LoanApplication.objects.get(lead=lead_with_loan).funded_amount == Decimal("349812.50")
    lead_with_loan.refresh_from_db()
    assert lead_with_loan.stage.name == "Closed"


def test_a_fetch_that_fails_is_retried_and_the_notification_kept(client, post, organisation, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    connection, token = los.create_connection(
        organisation, name="LOS", fetch_url="http://127.0.0.1:9/loans/{resource_id}"
    )
    connection.token = token
    post(connection, {"meta": {"resourceId": "abc"}})
    event = LosEvent.objects.get()
    assert los.fetch(event.pk) == "will retry"
    event.refresh_from_db()
    assert event.status == "pending_fetch" and event.error.startswith(
        "fetch: 127.0.0.1 resolves to 127.0.0.1"
    )


def test_milestones_csv_import(
    db, organisation, lead_with_loan, tmp_path, work, django_capture_on_commit_callbacks
):
    path = tmp_path / "milestones.csv"
    path.write_text(
        "loan_number,milestone,date,amount,first_name,last_name,email,phone\n"
        "2611-004512,Approved,2026-12-01,,,,,\n"
        "UNKNOWN-9,funded,2026-12-02,200000,Zed,Nobody,,\n"
        "2611-004512,beamed up,2026-12-03,,,,,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        code, body = run_json("los", "import", str(path))
    assert code == 0
    assert body["rows"] == 3 and body["applied"] == 1
    assert [row["row"] for row in body["review"]] == [3] and [row["row"] for row in body["failed"]] == [4]
    assert LosEvent.objects.count() == 3
    work()
    lead_with_loan.refresh_from_db()
    assert lead_with_loan.stage.name == "Underwriting"


def test_people_who_are_not_admins_cannot_see_the_review_queue(client, organisation):
    client.force_login(make_user(organisation, "lola", role="loan_officer"))
    assert client.get("/settings/loan-milestones/").status_code == 403
