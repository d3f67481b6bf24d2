"""Real-shaped vendor payloads, each onboarded by configuration alone (a mapping file, as
`firstcall sources create --mapping FILE.json` stores it), through the real endpoints.

Shapes follow the vendors' public documentation: LeadConduit's form post (ActiveProspect's published sample
lead), Google Ads' WebhookLead test lead (developers.google.com/google-ads/webhook/docs/samples), Meta's leadgen
notification and Graph lead (developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving). Rate-feed
XML (FreeRateUpdate-style) and LendingTree-, Zillow- and Bankrate-style JSON follow what those feeds carry
(REFERENCE.md §5.3-5.4: their exact schemas are partner-only)."""

import hashlib
import hmac
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django_tasks_db.management.commands import db_worker

from firstcall.intake.mapping import map_payload, validate_mapping
from firstcall.intake.vendor_post.parsing import parse_payload
from firstcall.leads.models import Consent, IntakeRecord, Lead
from firstcall.leads.sources import create_source
from firstcall.leads.submission import normalise
from firstcall.testing.graph_api import GraphApiStandIn

VENDORS = Path(__file__).parent / "fixtures" / "vendors"
FORM = "application/x-www-form-urlencoded"
PAGE_TOKEN = "EAAG-page-token-vendor-tests"


def text(name: str) -> str:
    return (VENDORS / name).read_text()


def mapping(name: str) -> dict:
    return json.loads(text(name))


def vendor_source(organisation, mapping_file: str | None, **fields):
    source, issued = create_source(
        organisation,
        channel="vendor_post",
        name="Vendor",
        mapping=mapping(mapping_file) if mapping_file else None,
    )
    for name, value in fields.items():
        setattr(source, name, value)
    source.save()
    source.raw_key = issued["secret"]
    return source


def post(client, source, body: str, content_type: str):
    return client.post(
        f"/hooks/post/{source.pk}/",
        data=body,
        content_type=content_type,
        headers={"X-Api-Key": source.raw_key},
    )


@pytest.mark.parametrize(
    "name", ["rate_feed_mapping.json", "leadconduit_mapping.json", "lendingtree_style_mapping.json",
             "zillow_style_mapping.json"],
)  # fmt: skip
def test_every_mapping_file_is_valid(name):
    assert validate_mapping(mapping(name)) == []


def test_rate_feed_xml(client, organisation):
    source = vendor_source(organisation, "rate_feed_mapping.json")
    response = post(client, source, text("rate_feed.xml"), "application/xml")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.email) == ("Samuel", "Oneil", "sam.oneil@example.com")
    assert (lead.phone, lead.phone_extension) == ("+17275550188", "12")
    assert (lead.street_address, lead.city, lead.state, lead.zip_code) == (
        "4410 Central Ave", "St. Petersburg", "FL", "33711",
    )  # fmt: skip
    assert (lead.purpose, lead.property_type, lead.property_use) == (
        "cash_out_refinance",
        "single_family",
        "primary",
    )
    assert (lead.property_value, lead.loan_balance) == (Decimal("410000.00"), Decimal("215000.00"))
    assert (lead.cash_out_amount, lead.current_rate) == (Decimal("40000.00"), Decimal("7.125"))
    assert lead.loan_amount == Decimal("255000.00")  # computed: balance + cash out
    assert (lead.rate_type, lead.loan_term_years, lead.timeframe) == ("fixed", 30, "asap")
    assert (lead.credit_score_low, lead.credit_score_high, lead.veteran) == (680, 719, False)
    assert lead.notes == "BestTimeToCall: Evening"
    assert lead.vendor_lead_id == "FRU-88231457"
    assert set(Consent.objects.filter(lead=lead).values_list("channel", flat=True)) == {
        "sms",
        "email",
        "calls",
    }
    consent = Consent.objects.filter(lead=lead).first()
    assert (
        consent.trusted_form_url.startswith("https://cert.trustedform.com/")
        and consent.ip_address == "203.0.113.77"
    )
    record = IntakeRecord.objects.get()
    assert record.unknown_fields == {} and record.status == IntakeRecord.Status.ACCEPTED


def test_leadconduit_form_post(client, organisation):
    source = vendor_source(organisation, "leadconduit_mapping.json")
    response = post(client, source, text("leadconduit_post.form").strip(), FORM)
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.email) == ("John", "Doe", "jdoe@test.com")
    assert (lead.phone, lead.phone_extension) == ("+15127891111", "22")
    assert (lead.state, lead.zip_code, lead.purpose) == ("TX", "78751", "purchase")
    # loan amount + down payment -> price, by the mapping's arithmetic
    assert (lead.loan_amount, lead.down_payment, lead.purchase_price) == (
        Decimal("100000.00"), Decimal("20000.00"), Decimal("120000.00"),
    )  # fmt: skip
    assert lead.down_payment_percent == Decimal("16.67")
    assert (lead.property_use, lead.property_type, lead.timeframe) == ("primary", "single_family", "90_days")
    assert (lead.credit_score_low, lead.notes) == (740, "Prefers texts")
    # The placeholder second phone is kept as sent, with a warning; the lead is not lost over it.
    assert [w["field"] for w in lead.intake_warnings] == ["other_phones[0]"]
    assert lead.intake_warnings[0]["value"] == "555-555-5555"
    consent = Consent.objects.filter(lead=lead, channel="sms").get()
    assert consent.leadid_token == "ABCDEF01-2345-6789-ABCD-EF0123456789"
    assert consent.trusted_form_url.startswith("https://cert.trustedform.com/")


def test_lendingtree_style_nested_json_with_repeated_phones(client, organisation):
    source = vendor_source(organisation, "lendingtree_style_mapping.json")
    response = post(client, source, text("lendingtree_style.json"), "application/json")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Maria", "de la Cruz")
    assert lead.phone == "+18135550142" and lead.other_phones == []
    assert [w["value"] for w in lead.intake_warnings] == ["000-000-0000"]
    assert (lead.street_address, lead.city, lead.zip_code) == ("2202 N Westshore Blvd", "Tampa", "33602")
    assert (lead.purpose, lead.loan_type, lead.property_type, lead.property_use) == (
        "purchase", "conventional", "condo", "primary",
    )  # fmt: skip
    # "20" from a percentage field is 20 %, never $20; with the price it gives the amount.
    assert (lead.purchase_price, lead.down_payment_percent, lead.down_payment) == (
        Decimal("350000.00"), Decimal("20.000"), Decimal("70000.00"),
    )  # fmt: skip
    assert (lead.loan_term_years, lead.rate_type, lead.timeframe) == (30, "fixed", "30_days")
    assert (lead.credit_score_low, lead.credit_score_high) == (700, 739)
    assert (lead.first_time_buyer, lead.veteran, lead.vendor_lead_id) == (True, False, "LT-2026-1207-004512")


def test_zillow_style_json_with_a_foreign_number_and_percent_down(client, organisation):
    source = vendor_source(organisation, "zillow_style_mapping.json", default_region="GB")
    response = post(client, source, text("zillow_style.json"), "application/json")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.phone) == ("Olivia", "Chen", "+442079460958")
    assert (lead.loan_amount, lead.down_payment_percent, lead.purchase_price, lead.down_payment) == (
        Decimal("320000.00"), Decimal("20.000"), Decimal("400000.00"), Decimal("80000.00"),
    )  # fmt: skip
    assert (lead.credit_score_low, lead.credit_score_high) == (720, 739)
    assert (lead.city, lead.zip_code, lead.state, lead.purpose, lead.property_use) == (
        "Austin", "78704", "TX", "purchase", "primary",
    )  # fmt: skip
    assert (lead.veteran, lead.first_time_buyer) == (False, True)
    assert IntakeRecord.objects.get().unknown_fields == {}


def test_bankrate_style_json_with_the_defaults_and_a_three_line_mapping(client, organisation):
    consent = {
        "consent.all": "tcpa.consent",
        "consent.text": "tcpa.language",
        "consent.ip": "tcpa.ip_address",
    }
    source, issued = create_source(organisation, channel="vendor_post", name="Bankrate", mapping=consent)
    source.raw_key = issued["secret"]
    response = post(client, source, text("bankrate_style.json"), "application/json")
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.phone, lead.city, lead.zip_code) == (
        "Dev",
        "+18135550177",
        "Tampa",
        "33602",
    )
    assert (lead.purpose, lead.property_type, lead.timeframe) == (
        "rate_term_refinance",
        "townhouse",
        "90_days",
    )
    assert (lead.property_value, lead.loan_balance) == (Decimal("450000.00"), Decimal("260000.00"))
    assert (lead.current_rate, lead.loan_term_years) == (Decimal("6.500"), 15)
    assert (lead.credit_score_low, lead.credit_score_high) == (740, 759)
    assert lead.consent_sms and lead.vendor_lead_id == "BR-7731094"
    assert lead.intake_warnings == []


def test_google_ads_test_lead_with_custom_questions(client, organisation):
    questions = {"fields": {
        "down_payment": "How much is your down payment?",
        "purchase_price": {"paths": ["What is your price range?"], "transform": "money"},
        "timeframe": "QUESTION_WHEN",
    }}  # fmt: skip
    source, issued = create_source(organisation, channel="google_ads", name="Google", mapping=questions)
    body = text("google_test_lead_questions.json").replace("__GOOGLE_KEY__", issued["secret"])
    response = client.post(f"/hooks/google-ads/{source.pk}/", data=body, content_type="application/json")
    assert response.status_code == 200, response.content
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.is_test) == ("Pat", "Q Sample", True)
    assert (lead.city, lead.street_address, lead.zip_code) == (
        "Mountain View",
        "1600 Amphitheatre Pkwy",
        "94043",
    )
    assert (lead.purchase_price, lead.down_payment_percent, lead.down_payment) == (
        Decimal("550000.00"), Decimal("20.000"), Decimal("110000.00"),
    )  # fmt: skip
    assert lead.timeframe == "90_days"


def test_meta_lead_with_custom_questions_and_a_placeholder_phone(
    client, organisation, settings, django_capture_on_commit_callbacks, run_worker, monkeypatch
):
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    questions = {"page_access_token": PAGE_TOKEN, "fields": {
        "purpose": "what_are_you_looking_for?",
        "property_value": "how_much_is_your_home_worth?",
        "loan_balance": "how_much_do_you_owe?",
        "timeframe": "when_would_you_like_to_get_started?",
    }}  # fmt: skip
    source, issued = create_source(organisation, channel="meta", name="Facebook", mapping=questions)
    lead_json = json.loads(text("meta_lead_questions.json"))
    with GraphApiStandIn(access_token=PAGE_TOKEN) as graph:
        settings.META_GRAPH_URL = graph.url
        graph.add_lead(
            lead_json["id"],
            {item["name"]: item["values"] for item in lead_json["field_data"]},
            **{key: value for key, value in lead_json.items() if key not in ("id", "field_data")},
        )
        body = json.dumps({"object": "page", "entry": [{"id": "104000000000001", "time": 1772463845, "changes": [
            {"field": "leadgen", "value": {"ad_id": "6100000000007", "form_id": "7100000000007",
                                           "leadgen_id": lead_json["id"], "created_time": 1772463844,
                                           "page_id": "104000000000001"}}]}]}).encode()  # fmt: skip
        signature = "sha256=" + hmac.new(issued["secret"].encode(), body, hashlib.sha256).hexdigest()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/hooks/meta/{source.pk}/", data=body, content_type="application/json",
                headers={"X-Hub-Signature-256": signature},
            )  # fmt: skip
        assert response.status_code == 200
        run_worker()
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.email, lead.phone) == (
        "Luis", "Garcia", "luis.garcia@example.com", "",
    )  # fmt: skip
    assert [w["field"] for w in lead.intake_warnings] == ["phone"]
    assert (lead.purpose, lead.property_value, lead.loan_balance, lead.timeframe) == (
        "cash_out_refinance", Decimal("425000.00"), Decimal("250000.00"), "asap",
    )  # fmt: skip
    assert lead.utm["utm_source"] == "facebook" and lead.vendor_lead_id == lead_json["id"]


def test_a_mapping_works_on_plain_data_without_django():
    result = map_payload(
        parse_payload(text("rate_feed.xml"), "application/xml"), mapping("rate_feed_mapping.json")
    )
    lead = normalise(result.submission)
    assert lead.loan_amount == Decimal("255000.00") and lead.phone == "+17275550188"
