import json

import pytest

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import create_api_key
from firstcall.intake.json_api import ALIASES, DIRECT_FIELDS, OTHER_KNOWN
from firstcall.leads.models import IntakeRecord, Lead
from tests.clock import just_after_a_minute_begins


def post(client, body, key, content_type="application/json", **headers):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        "/api/v1/leads", data=data, content_type=content_type, headers={"X-Api-Key": key, **headers}
    )


def test_valid_lead_is_created_with_201_and_normalised_fields(client, api_source, borrower_payload):
    response = post(client, borrower_payload, api_source.raw_api_key)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["result"] == "created" and body["created"] is True
    lead = Lead.objects.get(pk=body["id"])
    assert lead.phone == "+18135550199"
    assert lead.email == "ana.lopez@example.com"
    assert lead.first_name == "Ana" and lead.last_name == "Lopez"
    assert lead.county == "Hillsborough County" and lead.state == "FL"
    assert lead.loan_type == "fha"
    assert lead.utm == {"utm_source": "google", "utm_campaign": "fha-tampa"}
    record = IntakeRecord.objects.get(pk=body["intake_record_id"])
    assert record.unknown_fields == {"favorite_color": "blue"}
    assert record.headers["x-api-key"] == "[redacted]"
    assert api_source.raw_api_key not in json.dumps(record.headers) + record.body


def test_second_submission_of_same_borrower_is_merged(client, api_source, borrower_payload):
    post(client, borrower_payload, api_source.raw_api_key)
    borrower_payload["external_id"] = "VENDOR-1002"
    response = post(client, borrower_payload, api_source.raw_api_key)
    assert response.status_code == 201
    assert response.json()["result"] == "merged"
    assert Lead.objects.count() == 1


def test_retry_returns_the_first_result(client, api_source, borrower_payload):
    first = post(client, borrower_payload, api_source.raw_api_key).json()
    again = post(client, borrower_payload, api_source.raw_api_key).json()
    assert again["id"] == first["id"] and again["result"] == "created" and again["idempotent_replay"] is True


def test_field_errors_give_422_and_the_record_is_kept(client, api_source):
    response = post(client, {"first_name": "Ana", "email": "nope", "zip": "1"}, api_source.raw_api_key)
    assert response.status_code == 422
    errors = response.json()["errors"]
    # Only what leaves the borrower unreachable is an error; the bad ZIP alone would be a warning.
    assert set(errors) == {"email"}
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED and record.field_errors == errors


def test_missing_or_wrong_key_is_401_and_kept_flagged(client, api_source, borrower_payload):
    assert post(client, borrower_payload, "").status_code == 401
    assert post(client, borrower_payload, "fc_wrong").status_code == 401
    records = IntakeRecord.objects.all()
    assert records.count() == 2
    assert all(r.status == "rejected" and r.is_signature_valid is False for r in records)
    assert not Lead.objects.exists()


def test_read_only_key_cannot_create_leads(client, api_source, borrower_payload):
    _, read_key = create_api_key(api_source.organisation, name="reader", scopes=[ApiKey.SCOPE_LEADS_READ])
    assert post(client, borrower_payload, read_key).status_code == 403
    assert not Lead.objects.exists()


def test_paused_source_is_403(client, api_source, borrower_payload):
    api_source.is_active = False
    api_source.save()
    assert post(client, borrower_payload, api_source.raw_api_key).status_code == 403


def test_oversize_body_is_413_and_kept_truncated(client, api_source, settings):
    settings.INTAKE_MAX_BODY_BYTES = 1024
    response = post(client, {"first_name": "A", "notes": "x" * 5000}, api_source.raw_api_key)
    assert response.status_code == 413
    record = IntakeRecord.objects.get()
    assert record.is_body_truncated and len(record.body) == 1024 and record.body_size > 5000


@pytest.mark.parametrize(
    "body, reason",
    [
        ('{"first_name": "Ana",', "Malformed JSON"),
        ("[1, 2, 3]", "Expected a JSON object"),
        ("[" * 5000 + "]" * 5000, "nested deeper"),
        ('{"a": NaN}', "NaN is not valid JSON"),
        (b"\xff\xfe{}", "utf-8"),
    ],
)
def test_malformed_json_is_400_with_reason_and_kept(client, api_source, body, reason):
    response = post(client, body, api_source.raw_api_key)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    record = IntakeRecord.objects.get()
    assert record.status == "rejected" and reason in record.reasons[0]


def test_wrong_content_type_is_415_and_kept(client, api_source):
    response = post(
        client, "first_name=Ana", api_source.raw_api_key, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert IntakeRecord.objects.get().body == "first_name=Ana"


def test_rate_limit_gives_429(client, api_source, borrower_payload, settings):
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 2
    codes = []
    with just_after_a_minute_begins():
        for index in range(3):
            borrower_payload["external_id"] = f"R-{index}"
            codes.append(post(client, borrower_payload, api_source.raw_api_key).status_code)
    assert codes == [201, 201, 429]
    assert IntakeRecord.objects.count() == 3


def test_huge_and_control_character_fields_are_cleaned(client, api_source):
    payload = {"first_name": "A" * 10_000, "last_name": "Lo\x00pez\x1b", "phone": "8135550199"}
    response = post(client, payload, api_source.raw_api_key)
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert len(lead.first_name) == 80 and lead.last_name == "Lopez"


def test_reading_leads_needs_a_read_key_and_sees_only_its_organisation(
    client, api_source, borrower_payload, other_organisation
):
    created = post(client, borrower_payload, api_source.raw_api_key).json()
    _, read_key = create_api_key(api_source.organisation, name="reader", scopes=["leads:read"])
    _, foreign_key = create_api_key(other_organisation, name="foreign", scopes=["leads:read"])

    assert client.get("/api/v1/leads", headers={"X-Api-Key": api_source.raw_api_key}).status_code == 403
    assert client.get("/api/v1/leads").status_code == 401

    listing = client.get(f"/api/v1/leads?source={api_source.pk}", headers={"X-Api-Key": read_key}).json()
    assert listing["count"] == 1
    row = listing["results"][0]
    assert row["id"] == created["id"] and row["phone"] == "+18135550199" and row["inquiries"] == 1
    assert client.get(f"/api/v1/leads/{created['id']}", headers={"X-Api-Key": read_key}).status_code == 200
    assert client.get(f"/api/v1/leads/{created['id']}", headers={"X-Api-Key": foreign_key}).status_code == 404
    assert client.get("/api/v1/leads", headers={"X-Api-Key": foreign_key}).json()["count"] == 0


def test_openapi_schema_documents_the_intake_body(client):
    schema = client.get("/api/v1/openapi.json").json()
    post_op = schema["paths"]["/api/v1/leads"]["post"]
    assert "first_name" in post_op["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "get" in schema["paths"]["/api/v1/leads"]


def test_openapi_schema_documents_every_field_the_intake_body_reads(client):
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/leads"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    documented = set(body["properties"])
    assert DIRECT_FIELDS | OTHER_KNOWN <= documented
    # Aliases are named in the description of the field they stand for.
    described = " ".join(prop.get("description", "") for prop in body["properties"].values())
    assert [alias for alias in ALIASES if f'"{alias}"' not in described] == []
