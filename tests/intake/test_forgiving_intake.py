"""Through the real endpoints: a cosmetic field never costs a lead; what could not be read is shown, as sent,
on the lead page and on the intake screen."""

import json
from decimal import Decimal

from firstcall.leads.models import IntakeRecord, Lead


def post(client, body, key):
    return client.post(
        "/api/v1/leads", data=json.dumps(body), content_type="application/json", headers={"X-Api-Key": key}
    )


def test_free_text_timeframe_is_mapped_not_rejected(client, api_source):
    body = {"first_name": "Ana", "last_name": "Lopez", "phone": "(813) 555-0199", "timeframe": "0-3 months",
            "purpose": "Cash Out Refinance", "property_value": "$450K", "current_rate": "7.25%"}  # fmt: skip
    response = post(client, body, api_source.raw_api_key)
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    assert (lead.timeframe, lead.purpose) == ("90_days", "cash_out_refinance")
    assert lead.property_value == Decimal("450000.00") and lead.current_rate == Decimal("7.250")
    assert lead.intake_warnings == [] and IntakeRecord.objects.get().warnings == []


def test_placeholder_phone_beside_an_email_keeps_the_lead_and_shows_the_warning(
    client, api_source, admin_user
):
    body = {"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.com", "phone": "555-555-5555",
            "loan_type": "Balloon <b>note</b>", "purchase_price": "lots"}  # fmt: skip
    response = post(client, body, api_source.raw_api_key)
    assert response.status_code == 201, response.content
    lead = Lead.objects.get()
    record = IntakeRecord.objects.get()
    assert lead.phone == "" and lead.email == "ana@example.com"
    fields = {w["field"]: w["value"] for w in lead.intake_warnings}
    assert fields == {"phone": "555-555-5555", "loan_type": "Balloon <b>note</b>", "purchase_price": "lots"}
    assert record.warnings == lead.intake_warnings and record.status == IntakeRecord.Status.ACCEPTED

    client.force_login(admin_user)
    for url in (f"/leads/{lead.pk}/", f"/intake/{record.pk}/"):
        html = client.get(url).content.decode()
        assert "Kept as sent" in html and "555-555-5555" in html, url
        assert "Balloon &lt;b&gt;note&lt;/b&gt;" in html and "<b>note</b>" not in html
    assert "3 kept as sent" in client.get("/intake/").content.decode()


def test_phone_extension_and_the_sources_country(client, api_source, admin_user):
    response = post(client, {"first_name": "Ana", "phone": "(813) 555-0142 ext 3"}, api_source.raw_api_key)
    lead = Lead.objects.get(pk=response.json()["id"])
    assert (lead.phone, lead.phone_extension) == ("+18135550142", "3")
    client.force_login(admin_user)
    assert "ext. 3" in client.get(f"/leads/{lead.pk}/").content.decode()

    api_source.default_region = "GB"
    api_source.save()
    response = post(client, {"first_name": "Olivia", "phone": "020 7946 0958"}, api_source.raw_api_key)
    assert response.status_code == 201, response.content
    assert Lead.objects.get(pk=response.json()["id"]).phone == "+442079460958"


def test_a_merge_adds_new_warnings_once(client, api_source):
    body = {"first_name": "Ana", "email": "ana@example.com", "phone": "000-000-0000", "external_id": "A1"}
    post(client, body, api_source.raw_api_key)
    post(client, {**body, "external_id": "A2", "veteran": "maybe"}, api_source.raw_api_key)
    lead = Lead.objects.get()
    assert [w["field"] for w in lead.intake_warnings] == ["phone", "veteran"]
