"""Google Ads lead form webhook: the documented WebhookLead JSON, google_key, test leads, custom questions."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from firstcall.leads.models import IntakeRecord, Lead
from firstcall.leads.sources import create_source
from tests.clock import just_after_a_minute_begins

FIXTURES = Path(__file__).parent / "fixtures"

CUSTOM_QUESTIONS = {
    "fields": {
        "credit_band": {"paths": ["QUESTION_CREDIT"], "transform": "credit"},
        "purpose": {"paths": ["Are you buying or refinancing?"], "map": {"Buying a home": "purchase",
                                                                          "Refinancing": "refinance"}},
        "loan_type": "QUESTION_LOAN_TYPE",
        "purchase_price": {"paths": ["What is your price range?"], "transform": "money"},
    }
}  # fmt: skip


@pytest.fixture
def google_source(organisation):
    source, issued = create_source(organisation, channel="google_ads", name="Google lead forms",
                                   mapping=CUSTOM_QUESTIONS)  # fmt: skip
    source.google_key = issued["secret"]
    return source


def lead_payload(source, name="google_ads_lead.json", **changes) -> dict:
    payload = json.loads((FIXTURES / name).read_text().replace("__GOOGLE_KEY__", source.google_key))
    payload.update(changes)
    return payload


def deliver(client, source, payload, content_type="application/json"):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post(f"/hooks/google-ads/{source.pk}/", data=body, content_type=content_type)


def test_documented_lead_with_custom_questions_creates_the_lead(client, google_source):
    response = deliver(client, google_source, lead_payload(google_source))
    assert response.status_code == 200 and response.json() == {}
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name) == ("Maria", "de la Cruz")
    assert (lead.email, lead.phone) == ("maria.delacruz@example.com", "+18135550142")
    assert (lead.zip_code, lead.state) == ("33602", "FL")
    assert (lead.purpose, lead.loan_type) == ("purchase", "fha")
    assert (lead.credit_score_low, lead.credit_score_high) == (680, 719)
    assert lead.purchase_price == Decimal("325001.00")
    assert lead.vendor_lead_id.startswith("TeSter-123-") and lead.gclid == "EAIaIQobChMI-test-gclid"
    assert lead.utm == {
        "utm_source": "google", "utm_medium": "lead_form", "utm_campaign": "12345678901",
        "utm_content": "55555555501", "utm_adgroup_id": "98765432101", "utm_form_id": "40000000001",
    }  # fmt: skip
    assert lead.utm_campaign == "12345678901" and lead.is_test is False
    record = IntakeRecord.objects.get()
    assert (record.status, record.is_signature_valid, record.is_test) == (
        IntakeRecord.Status.ACCEPTED,
        True,
        False,
    )
    # Unmapped columns are kept once each, under their column id.
    assert record.unknown_fields == {"QUESTION_BEST_TIME": "Evenings"}
    assert lead.city == "Tampa"
    assert google_source.google_key not in record.body and '"google_key": "[redacted]"' in record.body


def test_custom_question_mapped_by_column_name(client, google_source):
    google_source.field_mapping = {"fields": {"notes": {"combine": ["Best time to call?"], "label": True}}}
    google_source.save()
    deliver(client, google_source, lead_payload(google_source))
    lead = Lead.objects.get()
    assert lead.notes == "Best time to call?: Evenings"
    assert "QUESTION_BEST_TIME" not in IntakeRecord.objects.get().unknown_fields


def test_test_leads_are_marked_as_test(client, google_source):
    response = deliver(client, google_source, lead_payload(google_source, "google_ads_test_lead.json"))
    assert response.status_code == 200
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.zip_code) == ("FirstName", "LastName", "94043")
    assert lead.is_test is True
    assert IntakeRecord.objects.get().is_test is True


def test_a_rejected_test_lead_is_still_marked_as_test(client, google_source):
    payload = lead_payload(google_source, "google_ads_test_lead.json", user_column_data=[
        {"column_id": "FULL_NAME", "string_value": "Test Lead"},
    ])  # fmt: skip
    assert deliver(client, google_source, payload).status_code == 200
    record = IntakeRecord.objects.get()
    assert (record.status, record.is_test) == (IntakeRecord.Status.REJECTED, True)
    assert list(record.field_errors) == ["phone"]
    assert not Lead.objects.exists()


@pytest.mark.parametrize(("google_key", "status"), [("wrong-key", 403), ("", 401), (None, 401)])
def test_bad_google_key_is_refused_kept_flagged_and_never_a_lead(client, google_source, google_key, status):
    payload = lead_payload(google_source, google_key=google_key)
    response = deliver(client, google_source, payload)
    assert response.status_code == status
    record = IntakeRecord.objects.get()
    assert (record.status, record.is_signature_valid) == (IntakeRecord.Status.REJECTED, False)
    assert "maria.delacruz@example.com" in record.body
    assert not Lead.objects.exists()


def test_the_key_of_another_source_does_not_open_this_one(client, organisation, google_source):
    other, issued = create_source(organisation, channel="google_ads", name="Other account")
    payload = lead_payload(google_source, google_key=issued["secret"])
    assert deliver(client, google_source, payload).status_code == 403
    assert not Lead.objects.exists()


def test_duplicate_delivery_of_the_same_lead_id_gives_one_lead(client, google_source):
    payload = lead_payload(google_source)
    assert deliver(client, google_source, payload).status_code == 200
    assert deliver(client, google_source, payload).status_code == 200
    assert Lead.objects.count() == 1
    statuses = list(IntakeRecord.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [IntakeRecord.Status.ACCEPTED, IntakeRecord.Status.DUPLICATE]


def test_malformed_json_is_400_and_wrong_content_type_415(client, google_source):
    assert deliver(client, google_source, '{"lead_id": ').status_code == 400
    assert deliver(client, google_source, "lead_id=1", "application/x-www-form-urlencoded").status_code == 415
    payload = lead_payload(google_source, user_column_data={"column_id": "EMAIL"})
    assert deliver(client, google_source, payload).status_code == 400
    reasons = [record.reasons[0] for record in IntakeRecord.objects.order_by("pk")]
    assert reasons[0].startswith("Malformed JSON:")
    assert reasons[1] == "Google Ads posts JSON (Content-Type: application/json)."
    assert reasons[2] == "user_column_data must be a list of columns."
    assert not Lead.objects.exists()


def test_paused_source_unknown_source_and_get(client, google_source):
    google_source.is_active = False
    google_source.save()
    assert deliver(client, google_source, lead_payload(google_source)).status_code == 403
    assert (
        client.post("/hooks/google-ads/999999/", data="{}", content_type="application/json").status_code
        == 404
    )
    assert client.get(f"/hooks/google-ads/{google_source.pk}/").status_code == 405
    assert IntakeRecord.objects.count() == 3 and not Lead.objects.exists()


def test_rate_limit_gives_429(client, google_source, settings):
    settings.INTAKE_RATE_LIMIT_PER_MINUTE = 1
    first = lead_payload(google_source)
    second = lead_payload(google_source, lead_id="another-lead")
    with just_after_a_minute_begins():
        statuses = [deliver(client, google_source, p).status_code for p in (first, second)]
    assert statuses == [200, 429]


def test_fix_the_mapping_then_replay_the_rejected_lead(client, google_source, admin_user):
    payload = lead_payload(google_source, user_column_data=[
        {"column_id": "FULL_NAME", "string_value": "Ana Lopez"},
        {"column_name": "Cell or landline?", "column_id": "QUESTION_7", "string_value": "813-555-0199"},
    ])  # fmt: skip
    deliver(client, google_source, payload)
    record = IntakeRecord.objects.get()
    assert record.status == IntakeRecord.Status.REJECTED
    google_source.field_mapping = {"fields": {"phone": "QUESTION_7"}}
    google_source.save()
    client.force_login(admin_user)
    client.post(f"/intake/{record.pk}/replay/")
    record.refresh_from_db()
    assert record.status == IntakeRecord.Status.ACCEPTED
    assert (record.lead.phone, record.lead.first_name) == ("+18135550199", "Ana")


def test_mapping_preview_reads_google_columns(client, google_source, admin_user):
    deliver(client, google_source, lead_payload(google_source))
    client.force_login(admin_user)
    draft = {"fields": {"notes": "QUESTION_BEST_TIME"}}
    response = client.post(f"/sources/{google_source.pk}/mapping/", {"mapping": json.dumps(draft),
                                                                       "action": "preview"})  # fmt: skip
    preview = response.context["preview"]
    assert preview.submission["notes"] == "Evenings" and preview.submission["external_id"].startswith(
        "TeSter"
    )
    assert preview.is_valid
    assert preview.unknown_fields == {"QUESTION_CREDIT": "Good (680-719)",
                                       "QUESTION_PURPOSE": "Buying a home", "QUESTION_LOAN_TYPE": "FHA",
                                       "QUESTION_PRICE": "$300,001 - $350,000"}  # fmt: skip
