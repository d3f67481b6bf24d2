"""Vendor posts: form, JSON and XML bodies mapped by configuration; keys, limits and hostile XML."""

import json
import threading
from decimal import Decimal
from pathlib import Path
from xml.etree.ElementTree import fromstring

import pytest
from django.db import connection
from django.test import Client

from firstcall.leads.models import Consent, IntakeRecord, Lead
from firstcall.leads.sources import create_source
from tests.clock import just_after_a_minute_begins
from tests.conftest import only_postgres

FIXTURES = Path(__file__).parent / "fixtures"
FORM = "application/x-www-form-urlencoded"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


@pytest.fixture
def vendor_source(organisation):
    source, issued = create_source(organisation, channel="vendor_post", name="Rate Shoppers", vendor="RS")
    source.raw_key = issued["secret"]
    return source


def post(client, source, body, content_type="application/json", key=None, query=""):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {} if key == "" else {"X-Api-Key": key or source.raw_key}
    return client.post(
        f"/hooks/post/{source.pk}/{query}", data=data, content_type=content_type, headers=headers
    )


def xml_response(response) -> dict:
    assert response["Content-Type"].startswith("application/xml")
    root = fromstring(response.content)
    assert root.tag == "response"
    return {child.tag: child.text for child in root if child.tag != "errors"}


def test_form_post_with_default_names_creates_the_lead_with_consent_proof(client, vendor_source):
    response = post(client, vendor_source, fixture_text("vendor_post_form.txt").strip(), FORM)
    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get()
    assert body == {"status": "accepted", "result": "created", "duplicate": False, "lead_id": lead.pk,
                    "intake_record_id": body["intake_record_id"], "is_test": False}  # fmt: skip
    assert (lead.first_name, lead.last_name, lead.email) == ("Jordan", "Baker", "jordan.baker@example.com")
    assert (lead.phone, lead.other_phones) == ("+14045550177", ["+14045550133"])
    assert (lead.zip_code, lead.state, lead.county) == ("30303", "GA", "Fulton County")
    assert (lead.purpose, lead.loan_type, lead.veteran, lead.first_time_buyer) == (
        "rate_term_refinance", "va", True, False,
    )  # fmt: skip
    assert (lead.property_value, lead.loan_balance) == (Decimal("425000.00"), Decimal("210500.00"))
    assert (lead.credit_score_low, lead.credit_score_high) == (740, 850)
    assert lead.vendor_lead_id == "LT-88001" and lead.source == vendor_source
    consents = Consent.objects.filter(lead=lead).order_by("channel")
    assert [c.channel for c in consents] == ["calls", "email", "sms"]
    assert {c.trusted_form_url for c in consents} == {
        "https://cert.trustedform.com/2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"
    }
    assert {c.leadid_token for c in consents} == {"ABCDEF12-3456-7890-ABCD-EF1234567890"}
    assert {str(c.ip_address) for c in consents} == {"198.51.100.23"}
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.ACCEPTED and record.is_signature_valid is True
    assert record.unknown_fields == {"SubId": "aff-77", "AffiliateNote": "tier1"}
    assert record.headers["x-api-key"] == "[redacted]"


def test_key_in_the_query_string_works_and_is_not_stored(client, vendor_source):
    query = f"?key={vendor_source.raw_key}"
    response = post(
        client, vendor_source, {"FirstName": "Ana", "Email": "ana@example.com"}, key="", query=query
    )
    assert response.status_code == 201
    record = IntakeRecord.objects.get()
    assert vendor_source.raw_key not in record.path and record.path.endswith("?key=[redacted]")


@pytest.mark.parametrize("key", ["", "wrong-key"])
def test_missing_or_wrong_key_is_401_kept_flagged_and_never_a_lead(client, vendor_source, key):
    response = post(client, vendor_source, {"FirstName": "Ana", "Email": "ana@example.com"}, key=key)
    assert response.status_code == 401
    assert response.json()["status"] == "rejected"
    record = IntakeRecord.objects.get()
    assert (record.status, record.is_signature_valid) == (IntakeRecord.Status.REJECTED, False)
    assert record.reasons == ["Missing or wrong key (send it in the X-Api-Key header or ?key=)."]
    assert '"FirstName": "Ana"' in record.body
    assert not Lead.objects.exists()


def test_a_source_without_a_secret_accepts_no_key(client, vendor_source):
    vendor_source.secret = ""
    vendor_source.save()
    assert post(client, vendor_source, {"FirstName": "Ana"}, key="anything").status_code == 401
    assert not Lead.objects.exists()


def test_nested_json_with_a_configured_mapping(client, vendor_source):
    vendor_source.field_mapping = json.loads(fixture_text("vendor_post_nested_mapping.json"))
    vendor_source.save()
    response = post(client, vendor_source, fixture_text("vendor_post_nested.json"))
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.email, lead.purpose, lead.loan_type) == (
        "Priya", "priya.raman@example.com", "cash_out_refinance", "conventional",
    )  # fmt: skip
    assert lead.utm == {"utm_source": "aggregator-x", "utm_campaign": "campaign-17"}
    assert lead.utm_source == "aggregator-x"


def test_xml_post_is_mapped_and_answered_in_xml(client, vendor_source):
    vendor_source.field_mapping = json.loads(fixture_text("vendor_post_lead_mapping.json"))
    vendor_source.save()
    response = post(client, vendor_source, fixture_text("vendor_post_lead.xml"), "application/xml")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert xml_response(response) == {
        "status": "accepted", "result": "created", "duplicate": "false", "lead_id": str(lead.pk),
        "intake_record_id": str(IntakeRecord.objects.get().pk), "is_test": "false",
    }  # fmt: skip
    assert (lead.first_name, lead.last_name, lead.email) == ("Samuel", "O'Neil", "sam.oneil@example.com")
    assert (lead.phone, lead.other_phones) == ("+17275550188", ["+17275550100"])
    assert (lead.purpose, lead.loan_type, lead.veteran, lead.first_time_buyer) == (
        "purchase",
        "fha",
        False,
        True,
    )
    assert (lead.purchase_price, lead.down_payment) == (Decimal("289900.00"), Decimal("10150.00"))
    assert (lead.credit_score_low, lead.credit_score_high, lead.timeframe) == (680, 739, "90_days")
    assert lead.vendor_lead_id == "QF-2026-000451"
    assert Consent.objects.filter(lead=lead, leadid_token="11111111-2222-3333-4444-555555555555").count() == 3
    assert IntakeRecord.objects.get().unknown_fields == {}


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml", "external_dtd.xml"])
def test_hostile_xml_is_refused_with_a_clear_reason_and_kept(client, vendor_source, name):
    response = post(client, vendor_source, fixture_text(name), "text/xml")
    assert response.status_code == 400
    reason = (
        "XML with a DOCTYPE (DTD) is refused: DTDs allow entity-expansion (billion laughs) and "
        "external-entity (XXE) attacks, and a lead post never needs one."
    )
    assert xml_response(response)["detail"] == reason
    record = IntakeRecord.objects.get()
    assert (record.status, record.reasons, record.is_signature_valid) == (
        IntakeRecord.Status.REJECTED,
        [reason],
        True,
    )
    assert record.body == fixture_text(name)
    assert "root:" not in record.body and not Lead.objects.exists()


def test_malformed_xml_and_json_are_400_and_kept(client, vendor_source):
    assert post(client, vendor_source, "<Lead><FirstName>Ana</Lead>", "application/xml").status_code == 400
    assert post(client, vendor_source, '{"FirstName": "Ana",', "application/json").status_code == 400
    reasons = [r.reasons[0] for r in IntakeRecord.objects.order_by("pk")]
    assert reasons[0].startswith("Malformed XML: mismatched tag")
    assert reasons[1].startswith("Malformed JSON:")
    assert not Lead.objects.exists()


def test_deeply_nested_json_is_refused_but_reasonable_nesting_is_mapped(client, vendor_source):
    hostile = '{"a":' * 5000 + "1" + "}" * 5000
    response = post(client, vendor_source, hostile)
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON is nested deeper than 20 levels"
    nested = {"FirstName": "Ana"}
    for level in range(12):
        nested = {f"level{level}": nested}
    nested["Phone"] = "813-555-0199"
    assert post(client, vendor_source, nested).status_code == 201
    assert Lead.objects.get().first_name == "Ana"  # found at depth 12 by the default names


def test_field_errors_are_422_in_json_and_xml(client, vendor_source):
    response = post(client, vendor_source, {"FirstName": "Ana", "Email": "not-an-email", "Zip": "1"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"email"}
    response = post(client, vendor_source, "<Lead><FirstName>Ana</FirstName><Email>nope</Email></Lead>",
                    "application/xml")  # fmt: skip
    assert response.status_code == 422
    root = fromstring(response.content)
    assert root.findtext("status") == "rejected"
    assert [error.get("field") for error in root.find("errors")] == ["email"]
    assert not Lead.objects.exists()
    assert list(IntakeRecord.objects.values_list("status", flat=True)) == ["rejected", "rejected"]


def test_unsupported_content_type_is_415(client, vendor_source):
    response = post(client, vendor_source, "FirstName=Ana", "text/plain")
    assert response.status_code == 415
    assert IntakeRecord.objects.get().status == IntakeRecord.Status.REJECTED


def test_oversize_body_is_413_and_kept_truncated(client, vendor_source, settings):
    settings.INTAKE_MAX_BODY_BYTES = 2048
    response = post(client, vendor_source, {"FirstName": "Ana", "Notes": "x" * 10_000})
    assert response.status_code == 413
    record = IntakeRecord.objects.get()
    assert record.is_body_truncated and len(record.body) == 2048 and record.body_size > 10_000
    assert not Lead.objects.exists()


def test_rate_limit_gives_429(client, vendor_source, settings):
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 2
    with just_after_a_minute_begins():
        statuses = [post(client, vendor_source, {"FirstName": f"A{n}", "Email": f"a{n}@example.com"}).status_code
                    for n in range(3)]  # fmt: skip
    assert statuses == [201, 201, 429]
    assert Lead.objects.count() == 2


def test_duplicate_delivery_of_the_same_lead_id_gives_one_lead(client, vendor_source):
    body = {"LeadID": "RS-1", "FirstName": "Ana", "Email": "ana@example.com"}
    first = post(client, vendor_source, body)
    again = post(client, vendor_source, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True and again.json()["lead_id"] == first.json()["lead_id"]
    assert Lead.objects.count() == 1
    statuses = list(IntakeRecord.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [IntakeRecord.Status.ACCEPTED, IntakeRecord.Status.DUPLICATE]


def test_returning_borrower_with_a_new_lead_id_merges(client, vendor_source):
    post(client, vendor_source, {"LeadID": "RS-1", "FirstName": "Ana", "Email": "ana@example.com"})
    response = post(client, vendor_source, {"LeadID": "RS-2", "FirstName": "Ana", "Email": "ana@example.com"})
    assert response.status_code == 200 and response.json()["result"] == "merged"
    assert Lead.objects.get().inquiry_count == 2


def test_test_leads_are_marked_on_the_lead_and_the_record(client, vendor_source):
    vendor_source.field_mapping = {"fields": {"is_test": {"paths": ["Mode"], "map": {"sandbox": True}}}}
    vendor_source.save()
    response = post(client, vendor_source, {"Mode": "sandbox", "FirstName": "Test", "Email": "t@example.com"})
    assert response.status_code == 201 and response.json()["is_test"] is True
    assert Lead.objects.get().is_test is True and IntakeRecord.objects.get().is_test is True
    rejected = post(client, vendor_source, {"Mode": "sandbox", "FirstName": "Test"})
    assert rejected.status_code == 422
    assert IntakeRecord.objects.get(pk=rejected.json()["intake_record_id"]).is_test is True


def test_paused_source_is_403_and_unknown_source_404(client, vendor_source):
    vendor_source.is_active = False
    vendor_source.save()
    assert post(client, vendor_source, {"FirstName": "Ana", "Email": "ana@example.com"}).status_code == 403
    response = client.post("/hooks/post/999999/", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert IntakeRecord.objects.count() == 2 and not Lead.objects.exists()


def test_get_is_405_and_kept(client, vendor_source):
    response = client.get(f"/hooks/post/{vendor_source.pk}/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert IntakeRecord.objects.get().status == IntakeRecord.Status.REJECTED


def test_a_broken_stored_mapping_is_503_and_the_record_replays_after_the_fix(
    client, vendor_source, admin_user
):
    vendor_source.field_mapping = {"fields": {"first_name": {"paths": ["Name"], "transform": "shout"}}}
    vendor_source.save()
    response = post(client, vendor_source, {"Name": "Ana", "Email": "ana@example.com"})
    assert response.status_code == 503
    record = IntakeRecord.objects.get()
    assert record.reasons[0].startswith("The source's field mapping is invalid: Field 'first_name': unknown")
    vendor_source.field_mapping = {"fields": {"first_name": {"paths": ["Name"], "transform": "title"}}}
    vendor_source.save()
    client.force_login(admin_user)
    client.post(f"/intake/{record.pk}/replay/")
    record.refresh_from_db()
    assert record.status == IntakeRecord.Status.ACCEPTED and record.lead.first_name == "Ana"


def test_replay_of_a_bad_key_record_is_refused(client, vendor_source, admin_user):
    post(client, vendor_source, {"FirstName": "Ana", "Email": "ana@example.com"}, key="wrong")
    record = IntakeRecord.objects.get()
    client.force_login(admin_user)
    client.post(f"/intake/{record.pk}/replay/")
    record.refresh_from_db()
    assert record.status == IntakeRecord.Status.REJECTED and not Lead.objects.exists()


def test_control_characters_and_markup_in_names_are_cleaned_and_escaped(client, vendor_source, admin_user):
    body = {
        "FirstName": "<b>Ana</b>\x00\x07",
        "LastName": "Lopez'; DROP TABLE leads;--",
        "Email": "ana@example.com",
    }
    assert post(client, vendor_source, body).status_code == 201
    lead = Lead.objects.get()
    assert lead.first_name == "<b>Ana</b>" and lead.last_name == "Lopez'; DROP TABLE leads;--"
    client.force_login(admin_user)
    page = client.get(f"/intake/{IntakeRecord.objects.get().pk}/").content.decode()
    assert "<b>Ana</b>" not in page


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_duplicate_deliveries_racing_each_other_give_one_lead(organisation):
    source, issued = create_source(organisation, channel="vendor_post", name="Racing vendor")
    body = json.dumps(
        {"LeadID": "RACE-1", "FirstName": "Ana", "Email": "ana@example.com", "Phone": "8135550199"}
    )
    statuses, barrier = [], threading.Barrier(6)

    def deliver():
        barrier.wait()
        try:
            response = Client().post(f"/hooks/post/{source.pk}/", data=body, content_type="application/json",
                                     headers={"X-Api-Key": issued["secret"]})  # fmt: skip
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 200, 200, 201]
    assert Lead.objects.count() == 1
    assert IntakeRecord.objects.filter(status=IntakeRecord.Status.DUPLICATE).count() == 5


def test_unstorable_characters_and_numbers_in_unknown_fields_do_not_lose_the_lead(client, vendor_source):
    """PostgreSQL refuses NUL and lone surrogates, and JSON has no Infinity: unknown fields are cleaned."""
    body = (
        '{"FirstName": "Ana", "Email": "ana@example.com", '
        '"Odd\\u0000Key": "a\\u0000b", "Sur": "x\\ud800y", "Big": 1e400}'
    )
    response = post(client, vendor_source, body)
    assert response.status_code == 201, response.content
    record = IntakeRecord.objects.get()
    assert record.unknown_fields == {"OddKey": "ab", "Sur": "x?y", "Big": "inf"}
    assert Lead.objects.count() == 1
