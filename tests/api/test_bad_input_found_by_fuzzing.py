"""Inputs schemathesis found answered with 500; each now gets a clear error and changes nothing."""

import json

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import create_api_key
from firstcall.cadences.models import Cadence
from tests.eligibility.eligibility_scenarios import make_scenario


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
