"""Scopes that mean what they say: every operation in the OpenAPI schema declares the scopes it needs
(`x-scopes`), and a walk over every operation with a key of every scope proves that a key without them is
refused with 403 and changes nothing, that a key with them gets through, and that a read scope writes
nothing anywhere."""

import json
from collections import defaultdict

import pytest
from django.apps import apps

from firstcall.accounts.models import ApiKey, AuditEvent
from firstcall.accounts.services import create_api_key
from firstcall.leads.models import IntakeRecord, Lead
from tests.cadences.cadence_helpers import build_cadence, call, make_lead, wait
from tests.eligibility.eligibility_scenarios import make_scenario

# What the key itself writes when it is used (last use, the day's first use), not data the caller changed.
BOOKKEEPING = {ApiKey, AuditEvent}
STEPS = [
    {"kind": "wait", "wait_amount": 1, "wait_unit": "days"},
    {"kind": "call_task", "subject": "Call back"},
]


def request_body(method: str, path: str, ids: dict):
    if path == "/api/v1/leads" and method == "post":
        return {"first_name": "Dana", "last_name": "Reyes", "email": "dana@example.com", "zip": "33602"}
    if path == "/api/v1/assessments":
        return make_scenario()
    if path == "/api/v1/cadences" and method == "post":
        return {"name": "Scope walk", "steps": STEPS}
    if path.startswith("/api/v1/message-templates"):
        return {"name": "Scope walk", "channel": "sms", "body": "Hi. Reply STOP to opt out."}
    if path.endswith("/draft"):
        return {"steps": STEPS}
    if path.endswith("/publish"):
        return {"note": "scope walk"}
    if path.endswith("/cadence/enrol"):
        return {"cadence_id": ids["cadence_id"]}
    if method == "patch":
        return {"name": "Renamed by the scope walk"}
    return {}


def database_state() -> dict:
    """Every row of every table the caller could change, as plain values."""
    state = {}
    for model in apps.get_models():
        if model in BOOKKEEPING or not model._meta.managed:
            continue
        rows = model._default_manager.all()
        if model is IntakeRecord:  # a refused request is kept (rejected), by design: nothing is lost
            rows = rows.exclude(status=IntakeRecord.Status.REJECTED)
        fields = [field.attname for field in model._meta.concrete_fields]
        state[model._meta.label] = sorted(map(repr, rows.values_list(*fields)))
    return state


def operations(client) -> list[tuple[str, str, dict]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_declares_its_scopes_and_no_write_accepts_a_read_scope(client, db):
    found = operations(client)
    assert len(found) >= 16
    for method, path, operation in found:
        scopes = operation.get("x-scopes")
        assert scopes and set(scopes) <= ApiKey.KNOWN_SCOPES, f"{method} {path} declares no scopes"
        if method != "get":
            assert ApiKey.SCOPE_LEADS_READ not in scopes, f"{method} {path} would let a read key write"


@pytest.mark.parametrize("scope", sorted(ApiKey.KNOWN_SCOPES))
def test_every_operation_with_a_key_of_each_scope(client, organisation, owner, api_source, scope):
    lead = make_lead(organisation, owner=owner)
    cadence = build_cadence(organisation, [wait(1, "days"), call("Call")], name="Nurture")
    ids = {"lead_id": lead.pk, "cadence_id": cadence.pk, "name": "funnel"}
    _, key = create_api_key(organisation, name=f"only {scope}", scopes=[scope], lead_source=api_source)
    checked = []
    for method, path, operation in operations(client):
        url = path.format_map(defaultdict(lambda: "1", ids))  # ids this walk has no object for: a 404 is fine
        if path == "/api/v1/assessments":
            url += f"?lead_id={lead.pk}"  # would store an assessment and write the lead's timeline
        body = request_body(method, path, ids)
        before = database_state()
        response = getattr(client, method)(
            url, data=json.dumps(body) if method != "get" else None,
            content_type="application/json", headers={"X-Api-Key": key},
        )  # fmt: skip
        after = database_state()
        where = f"{method.upper()} {path} with {scope}: {response.status_code} {response.content[:200]!r}"
        key_object = ApiKey.objects.get(name=f"only {scope}")
        allowed = any(key_object.has_scope(needed) for needed in operation["x-scopes"])
        if allowed:
            assert response.status_code not in (401, 403), where
            assert response.status_code < 500, where
        else:
            assert response.status_code == 403, where
            assert after == before, f"{where} changed {[t for t in after if after[t] != before.get(t)]}"
        if scope == ApiKey.SCOPE_LEADS_READ:
            assert after == before, (
                f"{where}: a read scope wrote {[t for t in after if after[t] != before[t]]}"
            )
        checked.append((method, path, allowed))
    assert len(checked) >= 16
    if scope == ApiKey.SCOPE_LEADS_READ:
        assert ("post", "/api/v1/assessments", False) in checked
    assert Lead.objects.filter(organisation=organisation).exists()


def test_a_read_key_can_no_longer_create_an_assessment_or_a_timeline_event(client, organisation, owner):
    lead = make_lead(organisation, owner=owner)
    _, key = create_api_key(organisation, name="Reporting", scopes=[ApiKey.SCOPE_LEADS_READ])
    events = lead.timeline.count()
    response = client.post(
        f"/api/v1/assessments?lead_id={lead.pk}", data=json.dumps(make_scenario()),
        content_type="application/json", headers={"X-Api-Key": key},
    )  # fmt: skip
    assert response.status_code == 403
    assert response.json() == {"detail": "This API key needs the assessments or leads:write scope."}
    assert lead.timeline.count() == events and not lead.assessments.exists()
