"""Meta Lead Ads: handshake, signatures, and leads fetched over real HTTP from a local Graph API stand-in,
with retries and backoff when the Graph API is down, slow or rate-limiting."""

import hashlib
import hmac
import json
import random
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from firstcall.intake.meta import services
from firstcall.intake.meta.tasks import sweep_pending_fetches
from firstcall.leads.models import IntakeRecord, Lead
from firstcall.leads.sources import create_source
from firstcall.sweeps import run_sweeps
from firstcall.testing.graph_api import GraphApiStandIn
from tests.conftest import only_postgres

FIXTURES = Path(__file__).parent / "fixtures"
PAGE_TOKEN = "EAAG-page-access-token-for-tests"
LEADGEN_ID = "900000000000001"
CUSTOM_QUESTIONS = {
    "credit_band": {"paths": ["what_is_your_credit_score?"], "transform": "credit"},
    "first_time_buyer": "are_you_a_first-time_home_buyer?",
    "timeframe": "when_do_you_plan_to_buy?",
}


@pytest.fixture
def run_worker(run_worker, monkeypatch):
    """The shared worker minus its close_old_connections(): run in-process inside the test's transaction, that
    call would close the connection holding it (SQLite: "Cannot operate on a closed database")."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return run_worker


@pytest.fixture
def graph_api(settings):
    with GraphApiStandIn(access_token=PAGE_TOKEN) as graph:
        settings.META_GRAPH_URL = graph.url
        settings.META_GRAPH_TIMEOUT_SECONDS = 0.5
        lead = json.loads((FIXTURES / "meta_lead.json").read_text())
        graph.add_lead(
            lead["id"],
            {item["name"]: item["values"] for item in lead["field_data"]},
            **{key: value for key, value in lead.items() if key not in ("id", "field_data")},
        )
        yield graph


@pytest.fixture
def meta_source(organisation):
    mapping = {"page_access_token": PAGE_TOKEN, "fields": CUSTOM_QUESTIONS}
    source, issued = create_source(organisation, channel="meta", name="Facebook lead ads", mapping=mapping)
    source.app_secret, source.raw_verify_token = issued["secret"], issued["verify_token"]
    return source


def notification(leadgen_ids=(LEADGEN_ID,)) -> bytes:
    changes = [
        {"field": "leadgen", "value": {"ad_id": "6100000000001", "form_id": "7100000000001",
                                       "leadgen_id": leadgen_id, "created_time": 1772463844,
                                       "page_id": "104000000000001"}}
        for leadgen_id in leadgen_ids
    ]  # fmt: skip
    return json.dumps({"object": "page", "entry": [{"id": "104000000000001", "time": 1772463845,
                                                     "changes": changes}]}).encode()  # fmt: skip


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, source, body: bytes, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        headers["X-Hub-Signature-256"] = sign(source.app_secret, body)
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post(
        f"/hooks/meta/{source.pk}/", data=body, content_type="application/json", headers=headers
    )


def deliver_and_commit(client, source, body: bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return deliver(client, source, body)


# ------------------------------------------------------------------------------------------------ handshake


def test_handshake_echoes_the_challenge_when_the_verify_token_matches(client, meta_source):
    response = client.get(f"/hooks/meta/{meta_source.pk}/", {
        "hub.mode": "subscribe", "hub.challenge": "1158201444",
        "hub.verify_token": meta_source.raw_verify_token,
    })  # fmt: skip
    assert response.status_code == 200
    assert response.content == b"1158201444" and response["Content-Type"].startswith("text/plain")
    record = IntakeRecord.objects.get()
    assert record.is_signature_valid is True and record.status == IntakeRecord.Status.PROCESSED
    assert meta_source.raw_verify_token not in record.path and "hub.verify_token=[redacted]" in record.path


@pytest.mark.parametrize(
    ("mode", "token"), [("subscribe", "wrong-token"), ("subscribe", ""), ("unsubscribe", None)]
)
def test_handshake_with_wrong_token_or_mode_is_403(client, meta_source, mode, token):
    params = {"hub.mode": mode, "hub.challenge": "1158201444",
              "hub.verify_token": meta_source.raw_verify_token if token is None else token}  # fmt: skip
    response = client.get(f"/hooks/meta/{meta_source.pk}/", params)
    assert response.status_code == 403 and b"1158201444" not in response.content
    record = IntakeRecord.objects.get()
    assert (record.status, record.is_signature_valid) == (IntakeRecord.Status.REJECTED, False)


def test_handshake_never_reflects_markup(client, meta_source):
    response = client.get(f"/hooks/meta/{meta_source.pk}/", {
        "hub.mode": "subscribe", "hub.challenge": "<script>x</script>",
        "hub.verify_token": meta_source.raw_verify_token,
    })  # fmt: skip
    assert response.status_code == 400 and b"<script>" not in response.content


# ------------------------------------------------------------------------------------------------ signatures


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_bad_or_missing_signature_is_403_kept_flagged_and_nothing_fetched(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, signature
):
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(client, meta_source, notification(), signature=signature)
    run_worker()
    assert response.status_code == 403
    record = IntakeRecord.objects.get()
    assert (record.status, record.is_signature_valid) == (IntakeRecord.Status.REJECTED, False)
    assert record.reasons == ["Missing or wrong X-Hub-Signature-256."]
    assert graph_api.request_count == 0 and not Lead.objects.exists()


def test_signature_is_over_the_raw_body_not_a_re_encoding(client, meta_source, graph_api):
    body = notification()
    reencoded = json.dumps(json.loads(body), indent=2).encode()
    response = deliver(client, meta_source, reencoded, signature=sign(meta_source.app_secret, body))
    assert response.status_code == 403


# ------------------------------------------------------------------------------------------------ fetching


def test_notification_is_answered_at_once_and_the_lead_fetched_in_the_background(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks
):
    response = deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.json()["received"] == 1
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.RECEIVED and record.is_signature_valid is True
    assert graph_api.request_count == 0  # nothing fetched inside the webhook request

    run_worker()
    assert graph_api.request_count == 1
    request = graph_api.requests[0]
    assert request["path"] == f"/{LEADGEN_ID}"
    assert request["query"]["access_token"] == [PAGE_TOKEN]
    assert request["query"]["fields"] == [
        "created_time,field_data,ad_id,form_id,campaign_id,is_organic,platform"
    ]
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.email, lead.phone) == (
        "Ana", "Lopez", "ana.lopez@example.com", "+18135550199",
    )  # fmt: skip
    assert (lead.zip_code, lead.state) == ("33602", "FL")
    assert (lead.credit_score_low, lead.credit_score_high, lead.first_time_buyer, lead.timeframe) == (
        740, 850, True, "90_days",
    )  # fmt: skip
    assert lead.vendor_lead_id == LEADGEN_ID
    assert lead.utm == {
        "utm_source": "instagram", "utm_medium": "paid_social", "utm_campaign": "6200000000001",
        "utm_content": "6100000000001", "utm_form_id": "7100000000001",
    }  # fmt: skip
    record.refresh_from_db()
    assert (record.status, record.lead, record.attempts, record.next_attempt_at) == (
        IntakeRecord.Status.ACCEPTED, lead, 1, None,
    )  # fmt: skip


def test_graph_down_waits_as_pending_retry_with_backoff_then_the_sweep_succeeds(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, monkeypatch
):
    graph_api.fail_with("server_error")
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    before = timezone.now()
    run_worker()
    record = IntakeRecord.objects.get()
    assert (record.status, record.attempts) == (IntakeRecord.Status.PENDING_RETRY, 1)
    assert before + timedelta(seconds=25) <= record.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert record.reasons[0].startswith("Graph API error HTTP 500: An unexpected error has occurred.")
    assert not Lead.objects.exists()

    assert sweep_pending_fetches() == 0  # not due yet

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert sweep_pending_fetches() == 1  # still down: a second failure doubles the wait
        run_worker()
        record.refresh_from_db()
        assert (record.status, record.attempts) == (IntakeRecord.Status.PENDING_RETRY, 2)
        assert timedelta(seconds=50) <= record.next_attempt_at - timezone.now() <= timedelta(seconds=60)

    graph_api.recover()
    with time_machine.travel(timezone.now() + timedelta(seconds=95)):
        assert sweep_pending_fetches() == 1
        assert sweep_pending_fetches() == 0  # claimed: a second sweep takes nothing
        run_worker()
    record.refresh_from_db()
    lead = Lead.objects.get()
    assert (record.status, record.lead, record.attempts, record.next_attempt_at) == (
        IntakeRecord.Status.ACCEPTED, lead, 3, None,
    )  # fmt: skip
    assert graph_api.request_count == 3
    monkeypatch.setattr("firstcall.sweeps.close_old_connections", lambda: None)  # keep the test's transaction
    assert run_sweeps()["firstcall.intake.meta.tasks.sweep_pending_fetches"] == 0  # registered, nothing due


@pytest.mark.parametrize(("mode", "reason_start"), [
    ("rate_limited", "Graph API error HTTP 429: (#4) Application request limit reached"),
    ("slow", "Graph API did not answer within 0.5 s."),
])  # fmt: skip
def test_rate_limits_and_timeouts_are_retried(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, mode, reason_start
):
    graph_api.fail_with(mode, times=1, slow_seconds=1.5)
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    started = time.monotonic()
    run_worker()
    assert time.monotonic() - started < 5
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.PENDING_RETRY
    assert record.reasons[0].startswith(reason_start)
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert sweep_pending_fetches() == 1
        run_worker()
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(("leadgen_id", "mode", "reason"), [
    (LEADGEN_ID, "oauth_error",
     "Graph API error HTTP 400: Error validating access token: Session has expired. "
     "(OAuthException, code 190)"),
    ("900000000009999", None,
     "Graph API error HTTP 400: Unsupported get request. Object with ID '900000000009999' does not exist, "
     "cannot be loaded due to missing permissions, or does not support this operation. "
     "(GraphMethodException, code 100)"),
])  # fmt: skip
def test_permanent_graph_errors_reject_with_the_graph_message(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, leadgen_id, mode, reason
):
    graph_api.fail_with(mode)
    deliver_and_commit(client, meta_source, notification([leadgen_id]), django_capture_on_commit_callbacks)
    run_worker()
    record = IntakeRecord.objects.get()
    assert (record.status, record.reasons, record.next_attempt_at) == (
        IntakeRecord.Status.REJECTED,
        [reason],
        None,
    )
    assert PAGE_TOKEN not in json.dumps(record.reasons)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert sweep_pending_fetches() == 0
    assert not Lead.objects.exists()


def test_missing_page_token_is_rejected_then_replayed_after_the_fix(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, admin_user
):
    meta_source.field_mapping = {"fields": CUSTOM_QUESTIONS}
    meta_source.save()
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    run_worker()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED
    assert record.reasons == [
        'No page access token is configured for this source (set "page_access_token" in its mapping).'
    ]
    assert graph_api.request_count == 0
    meta_source.field_mapping = {"page_access_token": PAGE_TOKEN, "fields": CUSTOM_QUESTIONS}
    meta_source.save()
    client.force_login(admin_user)
    client.post(f"/intake/{record.pk}/replay/")
    record.refresh_from_db()
    assert record.status == IntakeRecord.Status.ACCEPTED and record.lead.email == "ana.lopez@example.com"


def test_replay_during_an_outage_leaves_the_record_pending_for_the_sweep(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, admin_user
):
    graph_api.fail_with("oauth_error")
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    run_worker()
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED
    graph_api.fail_with("server_error")
    client.force_login(admin_user)
    client.post(f"/intake/{record.pk}/replay/")
    record.refresh_from_db()
    assert (record.status, record.next_attempt_at) == (IntakeRecord.Status.PENDING_RETRY, None)
    graph_api.recover()
    assert sweep_pending_fetches() == 1
    run_worker()
    record.refresh_from_db()
    assert record.status == IntakeRecord.Status.ACCEPTED and Lead.objects.count() == 1


def test_several_leadgens_in_one_notification_get_a_record_each(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks
):
    graph_api.add_lead("900000000000011", {"full_name": "Ben Okafor", "email": "ben@example.com"})
    graph_api.add_lead("900000000000012", {"full_name": "Cara Diaz", "phone_number": "+14045550123"})
    body = notification(["900000000000011", "900000000000012"])
    response = deliver_and_commit(client, meta_source, body, django_capture_on_commit_callbacks)
    assert response.json()["received"] == 2
    parent, first, second = IntakeRecord.objects.order_by("pk")
    assert parent.body == body.decode() and parent.status == IntakeRecord.Status.PROCESSED
    assert first.parent == parent and second.parent == parent
    assert parent.reasons == [
        f"Notification with 2 leads, split into intake records #{first.pk}, #{second.pk}"
    ]
    assert json.loads(first.body)["value"]["leadgen_id"] == "900000000000011"
    assert first.headers["x-firstcall-parent-record"] == str(parent.pk) and first.is_signature_valid is True
    run_worker()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (IntakeRecord.Status.ACCEPTED, IntakeRecord.Status.ACCEPTED)
    assert (first.lead.email, second.lead.phone) == ("ben@example.com", "+14045550123")
    assert Lead.objects.count() == 2 and parent.lead is None


def test_repeated_notification_of_the_same_leadgen_gives_one_lead(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks
):
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    run_worker()
    assert Lead.objects.count() == 1
    statuses = sorted(IntakeRecord.objects.values_list("status", flat=True))
    assert statuses == [IntakeRecord.Status.ACCEPTED, IntakeRecord.Status.DUPLICATE]


def test_notification_without_leadgen_is_kept_and_answered_200(client, meta_source, graph_api):
    body = json.dumps({"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed", "value": {}}]}]})
    response = deliver(client, meta_source, body.encode())
    assert response.status_code == 200 and response.json()["received"] == 0
    record = IntakeRecord.objects.get()
    assert record.reasons == ["The notification holds no leadgen change; nothing to fetch."]
    assert record.status == IntakeRecord.Status.REJECTED


def test_malformed_json_with_a_good_signature_is_400(client, meta_source):
    response = deliver(client, meta_source, b'{"object": "page", ')
    assert response.status_code == 400
    assert IntakeRecord.objects.get().reasons[0].startswith("Malformed JSON:")


def test_oversize_notification_is_413_and_paused_source_403(client, meta_source, settings):
    settings.INTAKE_MAX_BODY_BYTES = 100
    assert deliver(client, meta_source, notification()).status_code == 413
    settings.INTAKE_MAX_BODY_BYTES = 64 * 1024
    meta_source.is_active = False
    meta_source.save()
    assert deliver(client, meta_source, notification()).status_code == 403
    assert IntakeRecord.objects.count() == 2 and not Lead.objects.exists()


# ------------------------------------------------------------------------------------------------ claims


def test_a_lost_task_is_recovered_by_the_sweep_when_its_lease_ends(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks
):
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    DBTaskResult.objects.all().delete()  # the worker died with the task
    assert sweep_pending_fetches() == 0  # the lease still holds
    with time_machine.travel(timezone.now() + services.FETCH_LEASE + timedelta(seconds=1)):
        assert sweep_pending_fetches() == 1
        run_worker()
    assert Lead.objects.count() == 1 and graph_api.request_count == 1


def test_a_task_whose_claim_was_taken_over_does_nothing(
    client, meta_source, graph_api, django_capture_on_commit_callbacks
):
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    record = IntakeRecord.objects.get()
    stale_lease = record.next_attempt_at
    later = timezone.now() + services.FETCH_LEASE + timedelta(seconds=1)
    assert services.claim_fetch(record.pk, later) is not None
    assert services.claim_fetch(record.pk, later) is None  # only one claim wins
    assert services.process_fetch(record.pk, lease=stale_lease) == "claimed by another worker"
    assert graph_api.request_count == 0


def test_backoff_grows_to_an_hour_and_stays_there():
    rng = random.Random(7)
    steps = [services.retry_delay(attempt, rng).total_seconds() for attempt in range(1, 12)]
    bases = [30, 60, 120, 300, 600, 1200, 1800, 3600, 3600, 3600, 3600]
    assert all(0.85 * base <= step <= base for step, base in zip(steps, bases, strict=True))
    assert len({round(step, 3) for step in steps[-4:]}) == 4  # jitter spreads retries out


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_on_postgres_let_exactly_one_worker_fetch(organisation, meta_source):
    record = IntakeRecord.objects.create(
        organisation=organisation, source=meta_source, channel="meta", method="POST",
        body=notification().decode(), content_type="application/json", is_signature_valid=True,
        status=IntakeRecord.Status.PENDING_RETRY,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    results, barrier = [], threading.Barrier(8)

    def claim():
        barrier.wait()
        try:
            results.append(services.claim_fetch(record.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(lease is not None for lease in results) == 1


def test_mapping_preview_fetches_the_last_lead_with_the_draft(
    client, meta_source, graph_api, run_worker, django_capture_on_commit_callbacks, admin_user
):
    deliver_and_commit(client, meta_source, notification(), django_capture_on_commit_callbacks)
    run_worker()
    client.force_login(admin_user)
    draft = {"page_access_token": "[hidden]", "fields": {"notes": "when_do_you_plan_to_buy?"}}
    response = client.post(f"/sources/{meta_source.pk}/mapping/", {"mapping": json.dumps(draft),
                                                                     "action": "preview"})  # fmt: skip
    preview = response.context["preview"]
    assert preview.submission["notes"] == "1-3_months" and preview.submission["external_id"] == LEADGEN_ID
    assert preview.unknown_fields == {"what_is_your_credit_score?": "excellent_(740+)",
                                      "are_you_a_first-time_home_buyer?": "yes"}  # fmt: skip
    meta_source.refresh_from_db()
    assert meta_source.field_mapping["fields"] == CUSTOM_QUESTIONS
