"""Inputs schemathesis found answered with 500; each now gets a clear error and changes nothing."""

import json

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import create_api_key
from firstcall.cadences.models import Cadence
from tests.eligibility.eligibility_scenarios import make_scenario
from tests.pipeline.workspace_helpers import make_lead


def test_an_assessment_for_a_lead_id_that_is_not_a_number_is_a_400(client, organisation):
    _, key = create_api_key(organisation, name="Pricing", scopes=[ApiKey.SCOPE_ASSESSMENTS])
    for lead_id in ("null", "AAA", "-1"):
        response = client.post(
            f"/api/v1/assessments?lead_id={lead_id}", data=json.dumps(make_scenario()),
            content_type="application/json", headers={"X-Api-Key": key},
        )  # fmt: skip
        assert response.status_code == 400
        assert response.json() == {"error": "lead_id must be a lead's number."}


def test_a_cadence_step_naming_template_zero_is_refused(client, organisation):
    _, key = create_api_key(organisation, name="Builder", scopes=[ApiKey.SCOPE_CADENCES])
    body = {"name": "Nurture", "steps": [{"kind": "send_sms", "template_id": 0}]}
    response = client.post(
        "/api/v1/cadences", data=json.dumps(body), content_type="application/json", headers={"X-Api-Key": key}
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "No such template: [0]."}
    assert not Cadence.objects.filter(name="Nurture").exists()


def test_a_cadence_with_a_nul_character_in_its_stop_stages_is_refused(client, organisation):
    from firstcall.accounts.models import ApiKey
    from firstcall.accounts.services import create_api_key

    _, raw = create_api_key(organisation, name="fuzz", scopes=[ApiKey.SCOPE_CADENCES])
    response = client.post(
        "/api/v1/cadences",
        data={"name": "Nurture", "stop_on_stages": ["\x00"]},
        content_type="application/json",
        headers={"X-Api-Key": raw},
    )
    assert response.status_code == 422
    assert "NUL" in response.content.decode()


def test_a_lead_list_filtered_by_a_time_with_an_offset_postgresql_cannot_hold_is_read_in_utc(
    client, organisation
):
    # ISO 8601 allows offsets up to +23:59; PostgreSQL stores at most +15:59. 2000-01-02 00:00+16:00 is
    # 2000-01-01 08:00 UTC, so a lead made now is after it and before nothing.
    _, key = create_api_key(organisation, name="Reader", scopes=[ApiKey.SCOPE_LEADS_READ])
    make_lead(organisation)
    after = client.get(
        "/api/v1/leads", {"created_after": "2000-01-02T00:00:00+16:00"}, headers={"X-Api-Key": key}
    )
    before = client.get(
        "/api/v1/leads", {"created_before": "2000-01-02T00:00:00+16:00"}, headers={"X-Api-Key": key}
    )
    assert (after.status_code, after.json()["count"]) == (200, 1)
    assert (before.status_code, before.json()["count"]) == (200, 0)
